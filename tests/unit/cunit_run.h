/* tests/unit/cunit_run.h: the main of a unit test with its suites given as
 * tables (CU_TestInfo, ending with CU_TEST_INFO_NULL): runs them verbosely,
 * exit status 1 on any failure.  (The older tests spell the same main out;
 * new ones take this.) */
#ifndef LAMPSIM_CUNIT_RUN_H
#define LAMPSIM_CUNIT_RUN_H

#include <CUnit/Basic.h>

/* Several suites: a CU_SuiteInfo table ending with CU_SUITE_INFO_NULL. */
static inline int cunit_run_suites(CU_SuiteInfo *suites)
{
    int failed;

    if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS)
        return 1;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = (int)(CU_get_number_of_failures() + CU_get_number_of_suites_failed());
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

static inline int cunit_run_suite(const char *name, CU_TestInfo *tests)
{
    CU_SuiteInfo suites[] = { { name, NULL, NULL, NULL, NULL, tests }, CU_SUITE_INFO_NULL };

    return cunit_run_suites(suites);
}

#endif
