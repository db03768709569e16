/* emu/crypto_cmd.c: what each CRYPTO command checks and does (see
 * crypto_cmd.h; the table in docs/hardware.md#crypto). */
#include "crypto_cmd.h"
#include "rr.h"

#include <openssl/rand.h>
#include <string.h>

#define RSA_MIN 64u

/* Modelled engine times, in ns of virtual time.  Not measured on a chip:
 * they only make a lamp with the engine wait (and sleep) for its public-key
 * operations the way it would on silicon, in the low milliseconds. */
#define T_MUL_BASE 1200000ull
#define T_ECDH 1200000ull
#define T_SIGN 1300000ull
#define T_VERIFY 2400000ull
#define T_RSA_PER_KBIT2 100000ull /* RSA public: grows with the modulus squared */

/* Guest buffer b in SRAM (read or written by DMA), or NULL with *err set if
 * it is not set yet. */
static uint8_t *sram_buf(struct crypto_cmd_env *env, struct crypto_buf b, uint32_t *err)
{
    uint8_t *p = machine_sram_range_rw(env->m, b.addr, b.len);
    if (!p && !*err) {
        machine_log(env->m, MACHINE_LOG_GUEST_ERROR,
                    "crypto: buffer 0x%08x+%u is not in SRAM (the engine reaches SRAM only)",
                    b.addr, b.len);
        *err = CRYPTO_ERR_ADDR;
    }
    return p;
}

/* The same for a buffer that may be empty: NULL, and no check, when it is. */
static uint8_t *sram_buf_opt(struct crypto_cmd_env *env, struct crypto_buf b, uint32_t *err)
{
    return b.len ? sram_buf(env, b, err) : NULL;
}

static bool len_ok(struct crypto_cmd_env *env, bool ok, const char *what, uint32_t *err)
{
    if (!ok && !*err) {
        machine_log(env->m, MACHINE_LOG_GUEST_ERROR, "crypto: %s", what);
        *err = CRYPTO_ERR_LEN;
    }
    return ok;
}

/* The input of a command that writes dst: src itself when the host can
 * work in place or the two do not meet, else a copy (they partly overlap). */
static const uint8_t *input_for(struct crypto_cmd_env *env, const uint8_t *src, uint8_t *dst,
                                size_t len)
{
    if (src == dst || src + len <= dst || dst + len <= src)
        return src;
    if (env->scratch_size < len) {
        env->scratch = g_realloc(env->scratch, len);
        env->scratch_size = len;
    }
    memcpy(env->scratch, src, len);
    return env->scratch;
}

static uint32_t run_sha256(struct crypto_cmd_env *env, const struct crypto_args *a)
{
    uint32_t err = 0;

    len_ok(env, a->key.len == 32, "SHA-256 state (KEYLEN) must be 32 bytes", &err);
    len_ok(env, a->src.len && a->src.len % 64 == 0 && a->src.len <= CRYPTO_BULK_MAX,
           "SHA-256 input must be whole 64-byte blocks, at most 64 KiB", &err);
    const uint8_t *src = sram_buf(env, a->src, &err);
    uint8_t *state = sram_buf(env, (struct crypto_buf){ a->key.addr, 32 }, &err);
    if (err)
        return err;
    uint32_t words[8];
    memcpy(words, state, 32); /* the CPU's own (little-endian) word order */
    crypto_host_sha256_compress(words, src, a->src.len / 64);
    memcpy(state, words, 32);
    return 0;
}

static uint32_t run_aes(struct crypto_cmd_env *env, uint32_t cmd, const struct crypto_args *a)
{
    bool aes256 = cmd == CRYPTO_CMD_AES256_ENC || cmd == CRYPTO_CMD_AES256_DEC;
    uint32_t err = 0, len = a->src.len, key_len = aes256 ? 32 : 16;

    len_ok(env, a->key.len == key_len,
           aes256 ? "AES-256 key (KEYLEN) must be 32 bytes" : "AES key (KEYLEN) must be 16 bytes",
           &err);
    if (cmd == CRYPTO_CMD_AES_CTR) {
        len_ok(env, len && len <= CRYPTO_BULK_MAX, "AES-CTR input must be 1 byte to 64 KiB", &err);
        len_ok(env, a->aux.len == 16, "AES-CTR counter block (AUXLEN) must be 16 bytes", &err);
    } else {
        len_ok(env, len && len % 16 == 0 && len <= CRYPTO_BULK_MAX,
               "AES input must be whole 16-byte blocks, at most 64 KiB", &err);
    }
    len_ok(env, a->dst.len >= len, "AES output (DSTLEN) shorter than the input", &err);
    const uint8_t *key = sram_buf(env, (struct crypto_buf){ a->key.addr, key_len }, &err);
    const uint8_t *src = sram_buf(env, a->src, &err);
    uint8_t *dst = sram_buf(env, (struct crypto_buf){ a->dst.addr, len }, &err);
    if (err)
        return err;
    src = input_for(env, src, dst, len);
    if (cmd == CRYPTO_CMD_AES_CTR) {
        uint8_t *ctr = sram_buf(env, (struct crypto_buf){ a->aux.addr, 16 }, &err);
        if (!ctr)
            return err;
        return (uint32_t)crypto_host_aes128_ctr(env->aes, key, ctr, src, dst, len);
    }
    return (uint32_t)crypto_host_aes_ecb(env->aes,
                                         cmd == CRYPTO_CMD_AES_ENC || cmd == CRYPTO_CMD_AES256_ENC,
                                         key, key_len, src, dst, len);
}

static uint32_t run_gcm(struct crypto_cmd_env *env, uint32_t cmd, const struct crypto_args *a,
                        struct crypto_cmd_done *done)
{
    uint32_t err = 0, len = a->src.len;
    bool valid;
    int rc;

    len_ok(env, a->key.len == 16, "AES-GCM key (KEYLEN) must be 16 bytes", &err);
    len_ok(env, a->iv.len == CRYPTO_GCM_IV_LEN, "AES-GCM IV (IVLEN) must be 12 bytes", &err);
    len_ok(env, len <= CRYPTO_BULK_MAX, "AES-GCM input (SRCLEN) must be at most 64 KiB", &err);
    len_ok(env, a->aux.len <= CRYPTO_BULK_MAX,
           "AES-GCM associated data (AUXLEN) must be at most 64 KiB", &err);
    len_ok(env, a->dst.len >= len, "AES-GCM output (DSTLEN) shorter than the input", &err);
    len_ok(env, a->tag.len >= CRYPTO_GCM_TAG_MIN && a->tag.len <= CRYPTO_GCM_TAG_MAX,
           "AES-GCM tag (TAGLEN) must be 4 to 16 bytes", &err);
    if (err)
        return err;
    const uint8_t *key = sram_buf(env, a->key, &err);
    const uint8_t *iv = sram_buf(env, a->iv, &err);
    const uint8_t *aad = sram_buf_opt(env, a->aux, &err);
    const uint8_t *src = sram_buf_opt(env, a->src, &err);
    uint8_t *dst = sram_buf_opt(env, (struct crypto_buf){ a->dst.addr, len }, &err);
    uint8_t *tag = sram_buf(env, a->tag, &err);
    if (err)
        return err;
    if (len)
        src = input_for(env, src, dst, len);
    if (cmd == CRYPTO_CMD_GCM_ENC)
        return (uint32_t)crypto_host_aes128_gcm_seal(env->aes, key, iv, aad, a->aux.len, src,
                                                     dst, len, tag, a->tag.len);
    rc = crypto_host_aes128_gcm_open(env->aes, key, iv, aad, a->aux.len, src, dst, len, tag,
                                     a->tag.len, &valid);
    done->result = rc == 0 && valid;
    return (uint32_t)rc;
}

static void nonce_bytes(void *user, uint8_t *out, size_t len)
{
    struct machine *m = user;

    bool host = !machine_config(m)->rng_seeded;

    /* A recorded run takes its entropy where replay can give it back. */
    if (host && (rr_recording(m) || rr_replaying(m)) && rr_host_entropy(m, out, len))
        return;
    if (host && !rr_recording(m) && !rr_replaying(m) && RAND_priv_bytes(out, (int)len) == 1)
        return;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = machine_seeded_u64(m);
        memcpy(out + i, &v, MIN(8u, len - i));
    }
}

/* Public-key commands: the result waits in done->out for the modelled time. */
static uint32_t run_pk(struct crypto_cmd_env *env, uint32_t cmd, const struct crypto_args *a,
                       struct crypto_cmd_done *done)
{
    uint32_t err = 0, key_len = a->key.len, src_len = a->src.len, out_len = 0;
    const uint8_t *key, *src = NULL, *aux = NULL;
    bool valid;
    int rc;

    switch (cmd) {
    case CRYPTO_CMD_P256_MUL_BASE: out_len = 64; done->time_ns = T_MUL_BASE; break;
    case CRYPTO_CMD_P256_ECDH: out_len = 32; done->time_ns = T_ECDH; break;
    case CRYPTO_CMD_P256_SIGN: out_len = 64; done->time_ns = T_SIGN; break;
    case CRYPTO_CMD_P256_VERIFY: out_len = 0; done->time_ns = T_VERIFY; break;
    case CRYPTO_CMD_RSA_PUBLIC:
        out_len = key_len;
        done->time_ns = T_RSA_PER_KBIT2 * key_len * key_len * 64 / (1024 * 1024) + 50000;
        break;
    }
    if (cmd == CRYPTO_CMD_RSA_PUBLIC) {
        len_ok(env, key_len >= RSA_MIN && key_len <= CRYPTO_RSA_MAX,
               "RSA modulus (KEYLEN) must be 64 to 512 bytes", &err);
        len_ok(env, src_len == key_len, "RSA input (SRCLEN) must be as long as the modulus",
               &err);
        len_ok(env, a->aux.len >= 1 && a->aux.len <= 8, "RSA exponent (AUXLEN) must be 1 to 8 bytes",
               &err);
    } else {
        len_ok(env, key_len == (cmd == CRYPTO_CMD_P256_VERIFY ? 64u : 32u),
               cmd == CRYPTO_CMD_P256_VERIFY ? "P-256 public key (KEYLEN) must be 64 bytes (X||Y)"
                                             : "P-256 private key (KEYLEN) must be 32 bytes",
               &err);
        if (cmd == CRYPTO_CMD_P256_ECDH)
            len_ok(env, src_len == 64, "P-256 peer point (SRCLEN) must be 64 bytes", &err);
        if (cmd == CRYPTO_CMD_P256_SIGN || cmd == CRYPTO_CMD_P256_VERIFY)
            len_ok(env, src_len >= 1 && src_len <= 64, "hash (SRCLEN) must be 1 to 64 bytes", &err);
        if (cmd == CRYPTO_CMD_P256_VERIFY)
            len_ok(env, a->aux.len == 64, "signature (AUXLEN) must be 64 bytes (r||s)", &err);
    }
    len_ok(env, a->dst.len >= out_len, "output (DSTLEN) too short", &err);
    if (err)
        return err;
    key = sram_buf(env, a->key, &err);
    if (cmd != CRYPTO_CMD_P256_MUL_BASE)
        src = sram_buf(env, a->src, &err);
    if (cmd == CRYPTO_CMD_P256_VERIFY || cmd == CRYPTO_CMD_RSA_PUBLIC)
        aux = sram_buf(env, a->aux, &err);
    if (out_len)
        sram_buf(env, (struct crypto_buf){ a->dst.addr, out_len }, &err);
    if (err)
        return err;

    switch (cmd) {
    case CRYPTO_CMD_P256_MUL_BASE: rc = crypto_host_p256_mul_base(key, done->out); break;
    case CRYPTO_CMD_P256_ECDH: rc = crypto_host_p256_ecdh(key, src, done->out); break;
    case CRYPTO_CMD_P256_SIGN:
        rc = crypto_host_p256_sign(key, src, src_len, nonce_bytes, env->m, done->out);
        break;
    case CRYPTO_CMD_P256_VERIFY:
        rc = crypto_host_p256_verify(key, src, src_len, aux, &valid);
        done->result = rc == 0 && valid;
        break;
    default:
        rc = crypto_host_rsa_public(key, key_len, aux, a->aux.len, src, done->out);
        break;
    }
    if (rc == CRYPTO_HOST_E_FAILED)
        machine_log(env->m, MACHINE_LOG_INFO, "crypto: host OpenSSL failed command %u", cmd);
    done->out_addr = a->dst.addr;
    done->out_len = out_len;
    return (uint32_t)rc;
}

uint32_t crypto_cmd_run(struct crypto_cmd_env *env, uint32_t cmd, const struct crypto_args *args,
                        struct crypto_cmd_done *done)
{
    done->result = 0;
    done->time_ns = 0;
    done->out_len = 0;
    switch (cmd) {
    case CRYPTO_CMD_AES_ENC:
    case CRYPTO_CMD_AES_DEC:
    case CRYPTO_CMD_AES_CTR:
    case CRYPTO_CMD_AES256_ENC:
    case CRYPTO_CMD_AES256_DEC:
        return run_aes(env, cmd, args);
    case CRYPTO_CMD_SHA256:
        return run_sha256(env, args);
    case CRYPTO_CMD_GCM_ENC:
    case CRYPTO_CMD_GCM_DEC:
        return run_gcm(env, cmd, args, done);
    case CRYPTO_CMD_P256_MUL_BASE:
    case CRYPTO_CMD_P256_ECDH:
    case CRYPTO_CMD_P256_SIGN:
    case CRYPTO_CMD_P256_VERIFY:
    case CRYPTO_CMD_RSA_PUBLIC: {
        uint32_t err = run_pk(env, cmd, args, done);
        if (err)
            done->time_ns = 0;
        return err;
    }
    }
    machine_log(env->m, MACHINE_LOG_GUEST_ERROR, "crypto: unknown command %u", cmd);
    return CRYPTO_ERR_CMD;
}

void crypto_cmd_env_free(struct crypto_cmd_env *env)
{
    crypto_host_aes_free(env->aes);
    g_free(env->scratch);
    *env = (struct crypto_cmd_env){ 0 };
}
