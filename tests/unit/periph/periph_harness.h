/* tests/unit/periph/periph_harness.h: a machine in a temporary state
 * directory whose peripheral registers the tests poke directly. */
#ifndef LAMPSIM_TEST_PERIPH_HARNESS_H
#define LAMPSIM_TEST_PERIPH_HARNESS_H

#include "machine_internal.h"
#include "flash_store.h"

struct machine *bench_machine_new(const char *dir, uint64_t seed, GError **error);
/* The same, its WiFi module in range of env's access points. */
struct machine *bench_machine_new_net(const char *dir, uint64_t seed, struct net_env *env,
                                      GError **error);
/* The same, made as hardware variant FLASH_STORE_VARIANT_* first. */
struct machine *bench_machine_new_variant(const char *dir, uint64_t seed, uint32_t variant,
                                         GError **error);
char *bench_tmpdir(void);
void bench_rmdir(const char *dir);
uint32_t reg_read(struct machine *m, uint32_t addr);
void reg_write(struct machine *m, uint32_t addr, uint32_t v);
/* Last machine_log line seen (for checking messages). */
const char *bench_last_log(void);

#endif
