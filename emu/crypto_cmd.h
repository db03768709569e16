/* emu/crypto_cmd.h: the CRYPTO engine's commands (docs/hardware.md#crypto),
 * whatever started them: the CMD register or a descriptor.  A command
 * checks its arguments (a guest mistake is logged and becomes an ERRCODE)
 * and does its work on the host: the symmetric ones at once, by DMA into
 * SRAM; the public-key ones into a result the engine writes to SRAM when
 * their modelled time is up. */
#ifndef LAMPSIM_EMU_CRYPTO_CMD_H
#define LAMPSIM_EMU_CRYPTO_CMD_H

#include "crypto_host.h"
#include "periph.h"

#define CRYPTO_RSA_MAX 512u /* bytes of the largest RSA modulus */

/* What the commands use of their engine. */
struct crypto_cmd_env {
    struct machine *m;
    struct crypto_host_aes *aes;
    /* grown on demand, kept: input copied when SRC and DST partly overlap */
    uint8_t *scratch;
    size_t scratch_size;
};

/* How a command ended, when it did not fail. */
struct crypto_cmd_done {
    uint32_t result;  /* RESULT: verify and GCM decrypt, 1 = valid */
    uint64_t time_ns; /* 0: done; else the public-key time before out goes to SRAM */
    uint8_t out[CRYPTO_RSA_MAX];
    uint32_t out_addr, out_len;
};

/* Runs cmd on args; 0 or a CRYPTO_ERR_* code. */
uint32_t crypto_cmd_run(struct crypto_cmd_env *env, uint32_t cmd, const struct crypto_args *args,
                        struct crypto_cmd_done *done);
void crypto_cmd_env_free(struct crypto_cmd_env *env);

#endif
