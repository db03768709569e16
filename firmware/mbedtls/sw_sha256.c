/* firmware/mbedtls/sw_sha256.c: mbedTLS's own SHA-256, compiled a second
 * time with every public name prefixed lamp_sw_ and without
 * MBEDTLS_SHA256_ALT, so that lib/alt_sha256.c can fall back to the
 * software compression function on a lamp without the CRYPTO engine.
 * Only lamp_sw_sha256_blocks (below) is used; the linker drops the rest. */
#include "common.h" /* the config, before the ALT switch is taken away */
#undef MBEDTLS_SHA256_ALT

#define mbedtls_sha256_context lamp_sw_sha256_context
#define mbedtls_internal_sha256_process lamp_sw_sha256_process
#define mbedtls_sha256 lamp_sw_sha256
#define mbedtls_sha256_clone lamp_sw_sha256_clone
#define mbedtls_sha256_finish lamp_sw_sha256_finish
#define mbedtls_sha256_finish_ret lamp_sw_sha256_finish_ret
#define mbedtls_sha256_free lamp_sw_sha256_free
#define mbedtls_sha256_init lamp_sw_sha256_init
#define mbedtls_sha256_process lamp_sw_sha256_process_deprecated
#define mbedtls_sha256_ret lamp_sw_sha256_ret
#define mbedtls_sha256_starts lamp_sw_sha256_starts
#define mbedtls_sha256_starts_ret lamp_sw_sha256_starts_ret
#define mbedtls_sha256_update lamp_sw_sha256_update
#define mbedtls_sha256_update_ret lamp_sw_sha256_update_ret
#define mbedtls_sha256_self_test lamp_sw_sha256_self_test

#include "sha256.c"

int lamp_sw_sha256_blocks(uint32_t state[8], const unsigned char *blocks, size_t nblocks);

/* nblocks 64-byte blocks compressed into state (eight words, as in
 * mbedTLS's context), through mbedTLS's own context type. */
int lamp_sw_sha256_blocks(uint32_t state[8], const unsigned char *blocks, size_t nblocks)
{
    lamp_sw_sha256_context ctx;
    int ret = 0;

    if (nblocks == 0)
        return 0;
    memcpy(ctx.state, state, sizeof(ctx.state));
    for (size_t i = 0; i < nblocks && !ret; i++)
        ret = lamp_sw_sha256_process(&ctx, blocks + 64 * i);
    memcpy(state, ctx.state, sizeof(ctx.state));
    mbedtls_platform_zeroize(&ctx, sizeof(ctx));
    return ret;
}
