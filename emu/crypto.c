/* emu/crypto.c: CRYPTO, the optional AES / SHA-256 / P-256 / RSA engine
 * (docs/hardware.md#crypto), present only on the lamp variant that has it
 * (machine_config.crypto_engine; SYSCTL FEATURES bit 2).  The firmware
 * points the engine at buffers in SRAM and writes CMD; the engine reads
 * its inputs by DMA at once, does the arithmetic on the host
 * (crypto_host.c), and writes the result by DMA when the operation is done:
 * at once for AES and SHA-256 blocks, after a modelled time for the
 * public-key operations, during which the lamp can sleep in WFI. */
#include "periph.h"
#include "crypto_host.h"

#include <openssl/rand.h>
#include <string.h>

enum {
    CR_ID = 0x00, CR_CTRL = 0x04, CR_STATUS = 0x08, CR_CLR = 0x0C, CR_CMD = 0x10,
    CR_ERRCODE = 0x14, CR_RESULT = 0x18,
    CR_SRC = 0x20, CR_SRCLEN = 0x24, CR_DST = 0x28, CR_DSTLEN = 0x2C,
    CR_KEY = 0x30, CR_KEYLEN = 0x34, CR_AUX = 0x38, CR_AUXLEN = 0x3C,
};
#define CRYPTO_ID_VALUE 0x50595243u /* "CRYP" little-endian */
#define CTRL_IE 1u
#define STATUS_BUSY 1u
#define STATUS_DONE 2u
#define STATUS_ERR 4u
enum { CMD_AES_ENC = 1, CMD_AES_DEC, CMD_SHA256, CMD_P256_MUL_BASE, CMD_P256_ECDH,
       CMD_P256_SIGN, CMD_P256_VERIFY, CMD_RSA_PUBLIC, CMD_AES_CTR };
enum { E_CMD = 1, E_LEN = 2, E_ADDR = 3 }; /* 4, 5: CRYPTO_HOST_E_* */
#define MAX_BULK (64u * 1024) /* AES / SHA-256 bytes per command */
#define RSA_MIN 64u
#define RSA_MAX 512u

/* Modelled engine times, in ns of virtual time.  Not measured on a chip:
 * they only make a lamp with the engine wait (and sleep) for its public-key
 * operations the way it would on silicon, in the low milliseconds. */
#define T_MUL_BASE 1200000ull
#define T_ECDH 1200000ull
#define T_SIGN 1300000ull
#define T_VERIFY 2400000ull
#define T_RSA_PER_KBIT2 100000ull /* RSA public: grows with the modulus squared */

struct crypto {
    struct machine *m;
    uint32_t ctrl, status, errcode, result;
    uint32_t reg[8]; /* SRC..AUXLEN */
    struct machine_timer *done_timer;
    uint8_t out[RSA_MAX];     /* result waiting for the modelled time */
    uint32_t out_addr, out_len;
    uint64_t ops;
};

static uint32_t arg(struct crypto *c, uint32_t offset) { return c->reg[(offset - CR_SRC) / 4]; }

static void update_irq(struct crypto *c)
{
    machine_irq_set(c->m, IRQ_CRYPTO,
                    (c->ctrl & CTRL_IE) && (c->status & (STATUS_DONE | STATUS_ERR)));
}

static void finish(struct crypto *c, uint32_t err)
{
    c->status &= ~STATUS_BUSY;
    if (err) {
        c->errcode = err;
        c->status |= STATUS_ERR;
    } else {
        c->status |= STATUS_DONE;
    }
    update_irq(c);
}

static void done_timer_fired(void *opaque)
{
    struct crypto *c = opaque;
    /* Checked when the command started; SRAM does not move.  A verify
     * writes nothing (its answer is RESULT). */
    if (c->out_len)
        memcpy(machine_sram_range_rw(c->m, c->out_addr, c->out_len), c->out, c->out_len);
    finish(c, 0);
}

static void nonce_bytes(void *user, uint8_t *out, size_t len)
{
    struct crypto *c = user;

    if (machine_config(c->m)->rng_seeded || RAND_priv_bytes(out, (int)len) != 1) {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = machine_seeded_u64(c->m);
            memcpy(out + i, &v, MIN(8u, len - i));
        }
    }
}

/* Guest buffer [addr, addr+len) in SRAM (read or written by DMA), or NULL
 * with *err set if it is not set yet. */
static uint8_t *sram_buf(struct crypto *c, uint32_t addr, uint32_t len, uint32_t *err)
{
    uint8_t *p = machine_sram_range_rw(c->m, addr, len);
    if (!p && !*err) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                    "crypto: buffer 0x%08x+%u is not in SRAM (the engine reaches SRAM only)",
                    addr, len);
        *err = E_ADDR;
    }
    return p;
}

static bool len_ok(struct crypto *c, bool ok, const char *what, uint32_t *err)
{
    if (!ok && !*err) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: %s", what);
        *err = E_LEN;
    }
    return ok;
}

/* Symmetric commands: done before CMD's write completes. */
static uint32_t run_bulk(struct crypto *c, uint32_t cmd)
{
    uint32_t err = 0, src_len = arg(c, CR_SRCLEN);

    if (cmd == CMD_SHA256) {
        len_ok(c, arg(c, CR_KEYLEN) == 32, "SHA-256 state (KEYLEN) must be 32 bytes", &err);
        len_ok(c, src_len && src_len % 64 == 0 && src_len <= MAX_BULK,
               "SHA-256 input must be whole 64-byte blocks, at most 64 KiB", &err);
        const uint8_t *src = sram_buf(c, arg(c, CR_SRC), src_len, &err);
        uint8_t *state = sram_buf(c, arg(c, CR_KEY), 32, &err);
        if (err)
            return err;
        uint32_t words[8];
        memcpy(words, state, 32); /* the CPU's own (little-endian) word order */
        crypto_host_sha256_compress(words, src, src_len / 64);
        memcpy(state, words, 32);
        return 0;
    }
    len_ok(c, arg(c, CR_KEYLEN) == 16, "AES key (KEYLEN) must be 16 bytes", &err);
    if (cmd == CMD_AES_CTR) {
        len_ok(c, src_len && src_len <= MAX_BULK, "AES-CTR input must be 1 byte to 64 KiB", &err);
        len_ok(c, arg(c, CR_AUXLEN) == 16, "AES-CTR counter block (AUXLEN) must be 16 bytes",
               &err);
    } else {
        len_ok(c, src_len && src_len % 16 == 0 && src_len <= MAX_BULK,
               "AES input must be whole 16-byte blocks, at most 64 KiB", &err);
    }
    len_ok(c, arg(c, CR_DSTLEN) >= src_len, "AES output (DSTLEN) shorter than the input", &err);
    const uint8_t *key = sram_buf(c, arg(c, CR_KEY), 16, &err);
    const uint8_t *src = sram_buf(c, arg(c, CR_SRC), src_len, &err);
    uint8_t *dst = sram_buf(c, arg(c, CR_DST), src_len, &err);
    if (err)
        return err;
    /* src and dst may overlap: go through a copy. */
    g_autofree uint8_t *tmp = g_memdup2(src, src_len);
    if (cmd == CMD_AES_CTR) {
        uint8_t *ctr = sram_buf(c, arg(c, CR_AUX), 16, &err);
        if (!ctr)
            return err;
        return (uint32_t)crypto_host_aes128_ctr(key, ctr, tmp, dst, src_len);
    }
    return (uint32_t)crypto_host_aes128_ecb(cmd == CMD_AES_ENC, key, tmp, dst, src_len);
}

/* Public-key commands: the result goes out when the modelled time is up.
 * Returns an error code, or 0 with *time_ns set. */
static uint32_t run_pk(struct crypto *c, uint32_t cmd, uint64_t *time_ns)
{
    uint32_t err = 0, key_len = arg(c, CR_KEYLEN), src_len = arg(c, CR_SRCLEN);
    uint32_t out_len = 0;
    const uint8_t *key, *src = NULL, *aux = NULL;
    bool valid;
    int rc;

    switch (cmd) {
    case CMD_P256_MUL_BASE: out_len = 64; *time_ns = T_MUL_BASE; break;
    case CMD_P256_ECDH: out_len = 32; *time_ns = T_ECDH; break;
    case CMD_P256_SIGN: out_len = 64; *time_ns = T_SIGN; break;
    case CMD_P256_VERIFY: out_len = 0; *time_ns = T_VERIFY; break;
    case CMD_RSA_PUBLIC:
        out_len = key_len;
        *time_ns = T_RSA_PER_KBIT2 * key_len * key_len * 64 / (1024 * 1024) + 50000;
        break;
    }
    if (cmd == CMD_RSA_PUBLIC) {
        len_ok(c, key_len >= RSA_MIN && key_len <= RSA_MAX,
               "RSA modulus (KEYLEN) must be 64 to 512 bytes", &err);
        len_ok(c, src_len == key_len, "RSA input (SRCLEN) must be as long as the modulus", &err);
        len_ok(c, arg(c, CR_AUXLEN) >= 1 && arg(c, CR_AUXLEN) <= 8,
               "RSA exponent (AUXLEN) must be 1 to 8 bytes", &err);
    } else {
        len_ok(c, key_len == (cmd == CMD_P256_VERIFY ? 64u : 32u),
               cmd == CMD_P256_VERIFY ? "P-256 public key (KEYLEN) must be 64 bytes (X||Y)"
                                      : "P-256 private key (KEYLEN) must be 32 bytes",
               &err);
        if (cmd == CMD_P256_ECDH)
            len_ok(c, src_len == 64, "P-256 peer point (SRCLEN) must be 64 bytes", &err);
        if (cmd == CMD_P256_SIGN || cmd == CMD_P256_VERIFY)
            len_ok(c, src_len >= 1 && src_len <= 64, "hash (SRCLEN) must be 1 to 64 bytes",
                   &err);
        if (cmd == CMD_P256_VERIFY)
            len_ok(c, arg(c, CR_AUXLEN) == 64, "signature (AUXLEN) must be 64 bytes (r||s)",
                   &err);
    }
    len_ok(c, arg(c, CR_DSTLEN) >= out_len, "output (DSTLEN) too short", &err);
    if (err)
        return err;
    key = sram_buf(c, arg(c, CR_KEY), key_len, &err);
    if (cmd != CMD_P256_MUL_BASE)
        src = sram_buf(c, arg(c, CR_SRC), src_len, &err);
    if (cmd == CMD_P256_VERIFY || cmd == CMD_RSA_PUBLIC)
        aux = sram_buf(c, arg(c, CR_AUX), arg(c, CR_AUXLEN), &err);
    if (out_len)
        sram_buf(c, arg(c, CR_DST), out_len, &err);
    if (err)
        return err;

    switch (cmd) {
    case CMD_P256_MUL_BASE: rc = crypto_host_p256_mul_base(key, c->out); break;
    case CMD_P256_ECDH: rc = crypto_host_p256_ecdh(key, src, c->out); break;
    case CMD_P256_SIGN:
        rc = crypto_host_p256_sign(key, src, src_len, nonce_bytes, c, c->out);
        break;
    case CMD_P256_VERIFY:
        rc = crypto_host_p256_verify(key, src, src_len, aux, &valid);
        c->result = rc == 0 && valid;
        break;
    default:
        rc = crypto_host_rsa_public(key, key_len, aux, arg(c, CR_AUXLEN), src, c->out);
        break;
    }
    if (rc == CRYPTO_HOST_E_FAILED)
        machine_log(c->m, MACHINE_LOG_INFO, "crypto: host OpenSSL failed command %u", cmd);
    c->out_addr = arg(c, CR_DST);
    c->out_len = out_len;
    return (uint32_t)rc;
}

static void start(struct crypto *c, uint32_t cmd)
{
    uint64_t time_ns = 0;
    uint32_t err;

    if (c->status & STATUS_BUSY) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: CMD %u written while busy: ignored",
                    cmd);
        return;
    }
    c->status = 0;
    c->errcode = c->result = 0;
    c->ops++;
    switch (cmd) {
    case CMD_AES_ENC:
    case CMD_AES_DEC:
    case CMD_AES_CTR:
    case CMD_SHA256:
        finish(c, run_bulk(c, cmd));
        return;
    case CMD_P256_MUL_BASE:
    case CMD_P256_ECDH:
    case CMD_P256_SIGN:
    case CMD_P256_VERIFY:
    case CMD_RSA_PUBLIC:
        err = run_pk(c, cmd, &time_ns);
        if (err) {
            finish(c, err);
            return;
        }
        c->status = STATUS_BUSY;
        update_irq(c);
        machine_timer_arm(c->done_timer, machine_now_ns(c->m) + time_ns);
        return;
    }
    machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: unknown command %u", cmd);
    finish(c, E_CMD);
}

void *crypto_new(struct machine *m, GError **error)
{
    struct crypto *c = g_new0(struct crypto, 1);
    c->m = m;
    c->done_timer = machine_timer_new(m, done_timer_fired, c);
    return c;
}

static uint32_t crypto_read(void *opaque, uint32_t offset, unsigned size)
{
    struct crypto *c = opaque;

    switch (offset) {
    case CR_ID: return CRYPTO_ID_VALUE;
    case CR_CTRL: return c->ctrl;
    case CR_STATUS: return c->status;
    case CR_ERRCODE: return c->errcode;
    case CR_RESULT: return c->result;
    case CR_SRC: case CR_SRCLEN: case CR_DST: case CR_DSTLEN:
    case CR_KEY: case CR_KEYLEN: case CR_AUX: case CR_AUXLEN:
        return arg(c, offset);
    }
    machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: read of 0x%03x", offset);
    return 0;
}

static void crypto_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct crypto *c = opaque;

    switch (offset) {
    case CR_CTRL:
        c->ctrl = value & CTRL_IE;
        update_irq(c);
        return;
    case CR_CLR:
        c->status &= ~(value & (STATUS_DONE | STATUS_ERR));
        update_irq(c);
        return;
    case CR_CMD:
        start(c, value);
        return;
    case CR_SRC: case CR_SRCLEN: case CR_DST: case CR_DSTLEN:
    case CR_KEY: case CR_KEYLEN: case CR_AUX: case CR_AUXLEN:
        if (c->status & STATUS_BUSY)
            machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                        "crypto: argument 0x%03x changed while busy (the running command "
                        "already read its inputs)", offset);
        c->reg[(offset - CR_SRC) / 4] = value;
        return;
    }
    machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: write to 0x%03x", offset);
}

static void crypto_reset(void *opaque, uint32_t cause)
{
    struct crypto *c = opaque;

    machine_timer_cancel(c->done_timer);
    c->ctrl = c->status = c->errcode = c->result = 0;
    memset(c->reg, 0, sizeof(c->reg));
    memset(c->out, 0, sizeof(c->out));
    machine_irq_set(c->m, IRQ_CRYPTO, false);
}

uint64_t crypto_op_count(void *opaque) { return ((struct crypto *)opaque)->ops; }

static void crypto_free(void *opaque)
{
    struct crypto *c = opaque;
    machine_timer_free(c->done_timer);
    g_free(c);
}

const struct periph_ops crypto_ops = {
    .name = "crypto", .read = crypto_read, .write = crypto_write, .reset = crypto_reset,
    .free = crypto_free,
};
