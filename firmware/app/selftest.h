/* firmware/app/selftest.h */
#ifndef LAMP_SELFTEST_H
#define LAMP_SELFTEST_H

void selftest_list(void);
/* Does not return when the act is trapped; -1 if it was not, -2 unknown. */
int selftest_run(const char *name);

#endif
