/* firmware/lib/alt_sha256.c: SHA-256 (and SHA-224) for mbedTLS
 * (MBEDTLS_SHA256_ALT, context in mbedtls/sha256_alt.h), used by the
 * bootloader (image and keystore hashes) and the application (TLS
 * transcript, PRF, certificates).  The buffering is ours so that an
 * update reaches the compression as few times as possible: small updates
 * are held back in the context, and when they no longer fit, the held
 * blocks and all the whole blocks of the update go to the CRYPTO engine
 * as one descriptor chain, one register write.  Without the engine the
 * same blocks go through mbedTLS's own compression (mbedtls/sw_sha256.c).
 * The engine reaches SRAM only: input in flash (the keystore, an image in
 * its slot) is copied to the stack a chunk at a time.  mbedTLS's
 * deprecated void functions (mbedtls_sha256_starts, ...) are not
 * provided: they would have to drop errors. */
#include "crypto_engine.h"

#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

#include <string.h>

#define FLASH_CHUNK 512u /* bytes copied to the stack per engine command */

int lamp_sw_sha256_blocks(uint32_t state[8], const unsigned char *blocks, size_t nblocks);

static const uint32_t iv256[8] = { 0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                                   0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19 };
static const uint32_t iv224[8] = { 0xC1059ED8, 0x367CD507, 0x3070DD17, 0xF70E5939,
                                   0xFFC00B31, 0x68581511, 0x64F98FA7, 0xBEFA4FA4 };

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* A big-endian word at p, aligned or not: one REV and one store (the
 * firmware is built freestanding, so plain memcpy would be a call). */
static void put_be32(unsigned char *p, uint32_t v)
{
    v = __builtin_bswap32(v);
    __builtin_memcpy(p, &v, 4);
}

static void sha_desc(struct crypto_desc *d, mbedtls_sha256_context *ctx, const unsigned char *p,
                     size_t len)
{
    crypto_desc_init(d, CRYPTO_CMD_SHA256);
    d->args.src = CRYPTO_BUF(p, len);
    d->args.key = CRYPTO_BUF(ctx->state, 32);
}

/* Compresses the whole blocks of held (ctx->buf, alen bytes), then those
 * of b, into ctx->state: one engine run, two descriptors, unless b is
 * larger than a command takes. */
static int compress(mbedtls_sha256_context *ctx, size_t alen, const unsigned char *b,
                    size_t blen)
{
    struct crypto_desc d[2];
    size_t n = 0;
    int ret;

    if (!ctx->engine) {
        ret = lamp_sw_sha256_blocks(ctx->state, ctx->buf, alen / 64);
        return ret ? ret : lamp_sw_sha256_blocks(ctx->state, b, blen / 64);
    }
    if (alen)
        sha_desc(&d[n++], ctx, ctx->buf, alen);
    for (;;) {
        size_t take = min_size(blen, CRYPTO_BULK_MAX);
        if (take) {
            sha_desc(&d[n++], ctx, b, take);
            b += take;
            blen -= take;
        }
        if (n && crypto_engine_run(d, n))
            return MBEDTLS_ERR_SHA256_HW_ACCEL_FAILED;
        if (!blen)
            return 0;
        n = 0;
    }
}

/* Takes n bytes the engine can reach (or any, without the engine). */
static int absorb(mbedtls_sha256_context *ctx, const unsigned char *in, size_t n)
{
    size_t fill, whole, held_whole;
    int ret;

    if (ctx->held + n <= SHA256_ALT_HOLD) {
        memcpy(ctx->buf + ctx->held, in, n);
        ctx->held += n;
        return 0;
    }
    /* Top the held bytes up to whole blocks; those and the input's whole
     * blocks go in one run. */
    fill = min_size((64 - ctx->held % 64) % 64, n);
    memcpy(ctx->buf + ctx->held, in, fill);
    ctx->held += fill;
    in += fill;
    n -= fill;
    whole = n & ~(size_t)63;
    held_whole = ctx->held & ~(uint32_t)63;
    if ((ret = compress(ctx, held_whole, in, whole)) != 0)
        return ret;
    /* Left over: held bytes past their last whole block (the input is then
     * used up), or the input's tail. */
    memmove(ctx->buf, ctx->buf + held_whole, ctx->held - held_whole);
    ctx->held -= held_whole;
    memcpy(ctx->buf + ctx->held, in + whole, n - whole);
    ctx->held += n - whole;
    return 0;
}

void mbedtls_sha256_init(mbedtls_sha256_context *ctx) { memset(ctx, 0, sizeof(*ctx)); }

void mbedtls_sha256_free(mbedtls_sha256_context *ctx)
{
    if (ctx)
        mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}

void mbedtls_sha256_clone(mbedtls_sha256_context *dst, const mbedtls_sha256_context *src)
{
    *dst = *src;
}

int mbedtls_sha256_starts_ret(mbedtls_sha256_context *ctx, int is224)
{
    if (is224 != 0 && is224 != 1)
        return MBEDTLS_ERR_SHA256_BAD_INPUT_DATA;
    __builtin_memcpy(ctx->state, is224 ? iv224 : iv256, sizeof(ctx->state));
    ctx->total = 0;
    ctx->held = 0;
    ctx->is224 = is224;
    /* The state and held blocks are the engine's buffers. */
    ctx->engine = crypto_engine_present() && crypto_engine_reaches(ctx, sizeof(*ctx));
    return 0;
}

int mbedtls_sha256_update_ret(mbedtls_sha256_context *ctx, const unsigned char *input,
                              size_t ilen)
{
    unsigned char chunk[FLASH_CHUNK];
    int ret = 0;

    if (ilen == 0)
        return 0;
    ctx->total += ilen;
    if (!ctx->engine || crypto_engine_reaches(input, ilen))
        return absorb(ctx, input, ilen);
    while (!ret && ilen) {
        size_t n = min_size(ilen, sizeof(chunk));
        memcpy(chunk, input, n);
        ret = absorb(ctx, chunk, n);
        input += n;
        ilen -= n;
    }
    /* The keystore's private keys pass through here when it is checked. */
    mbedtls_platform_zeroize(chunk, sizeof(chunk));
    return ret;
}

int mbedtls_sha256_finish_ret(mbedtls_sha256_context *ctx, unsigned char output[32])
{
    uint64_t bits = ctx->total * 8;
    size_t used = ctx->held, padded;
    int ret;

    /* FIPS 180-4 5.1.1: 0x80, zeros, the length in bits, to whole blocks. */
    ctx->buf[used++] = 0x80;
    padded = (used + 8 + 63) & ~(size_t)63;
    memset(ctx->buf + used, 0, padded - 8 - used);
    put_be32(ctx->buf + padded - 8, (uint32_t)(bits >> 32));
    put_be32(ctx->buf + padded - 4, (uint32_t)bits);
    if ((ret = compress(ctx, padded, NULL, 0)) != 0)
        return ret;
    int words = ctx->is224 ? 7 : 8;
    for (int i = 0; i < words; i++)
        put_be32(output + 4 * i, ctx->state[i]);
    return 0;
}

/* One block into the state, past whatever is held (mbedTLS's meaning). */
int mbedtls_internal_sha256_process(mbedtls_sha256_context *ctx, const unsigned char data[64])
{
    unsigned char block[64];
    int ret;

    memcpy(block, data, sizeof(block)); /* data may be in flash */
    ret = compress(ctx, 0, block, sizeof(block));
    mbedtls_platform_zeroize(block, sizeof(block));
    return ret;
}
