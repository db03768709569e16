/* tests/unit/periph/test_crypto.c: the CRYPTO engine model against known
 * answers (FIPS-197, FIPS 180-2, SP 800-38A, the GCM specification's test
 * cases, the P-256 generator, a textbook RSA key, OpenSSL's SHA-256), its
 * own consistency (ECDH both ways, sign then verify), the checks it makes
 * on guest input, descriptor chains, and its absence on the basic
 * variant.  Register offsets, commands and the descriptor layout come
 * from firmware/include/crypto_hw.h, the header the firmware uses. */
#include "periph_harness.h"
#include "crypto_host.h"
#include "crypto_hw.h"
#include "hex.h"

#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <string.h>

enum { ID = CRYPTO_REG_ID, CTRL = CRYPTO_REG_CTRL, STATUS = CRYPTO_REG_STATUS,
       CLR = CRYPTO_REG_CLR, CMD = CRYPTO_REG_CMD, ERRCODE = CRYPTO_REG_ERRCODE,
       RESULT = CRYPTO_REG_RESULT, DESC = CRYPTO_REG_DESC, SRC = CRYPTO_REG_SRC,
       SRCLEN = CRYPTO_REG_SRCLEN, DST = CRYPTO_REG_DST, DSTLEN = CRYPTO_REG_DSTLEN,
       KEY = CRYPTO_REG_KEY, KEYLEN = CRYPTO_REG_KEYLEN, AUX = CRYPTO_REG_AUX,
       AUXLEN = CRYPTO_REG_AUXLEN, IV = CRYPTO_REG_IV, IVLEN = CRYPTO_REG_IVLEN,
       TAG = CRYPTO_REG_TAG, TAGLEN = CRYPTO_REG_TAGLEN };
#define BUSY CRYPTO_STATUS_BUSY
#define DONE CRYPTO_STATUS_DONE
#define ERR CRYPTO_STATUS_ERR
/* Guest buffers: SRAM addresses the tests fill through the host view. */
#define A_KEY (SRAM_BASE + 0x1000)
#define A_SRC (SRAM_BASE + 0x2000)
#define A_DST (SRAM_BASE + 0x3000)
#define A_AUX (SRAM_BASE + 0x4000)
#define A_IV (SRAM_BASE + 0x5000)
#define A_TAG (SRAM_BASE + 0x5100)
#define A_DESC (SRAM_BASE + 0x6000) /* descriptors, 64 bytes apart */
#define A_BIG (SRAM_BASE + 0x10000) /* 64 KiB and more */
#define FLASH_ADDR 0x00010000u      /* the keystore: out of the engine's reach */

static char *dir;
static struct machine *m;

static int setup(void)
{
    dir = bench_tmpdir();
    m = bench_machine_new_variant(dir, 7, FLASH_STORE_VARIANT_CRYPTO, NULL);
    return m ? 0 : 1;
}

static int teardown(void)
{
    machine_free(m);
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

static uint8_t *ram(uint32_t addr, uint32_t len) { return machine_sram_range_rw(m, addr, len); }

static void put(uint32_t addr, const void *p, uint32_t len) { memcpy(ram(addr, len), p, len); }

/* Decodes the test vector h into out; returns the byte count. */
static size_t hex(uint8_t *out, const char *h)
{
    size_t n = strlen(h) / 2;

    CU_ASSERT_FATAL(hex_decode(h, out, n));
    return n;
}

/* Runs a command to completion (jumping lamp time for the public-key ones);
 * returns ERRCODE or 0. */
static uint32_t run(uint32_t cmd, uint32_t src_len, uint32_t dst_len, uint32_t key_len,
                    uint32_t aux_len)
{
    reg_write(m, CRYPTO_BASE + SRC, A_SRC);
    reg_write(m, CRYPTO_BASE + SRCLEN, src_len);
    reg_write(m, CRYPTO_BASE + DST, A_DST);
    reg_write(m, CRYPTO_BASE + DSTLEN, dst_len);
    reg_write(m, CRYPTO_BASE + KEY, A_KEY);
    reg_write(m, CRYPTO_BASE + KEYLEN, key_len);
    reg_write(m, CRYPTO_BASE + AUX, A_AUX);
    reg_write(m, CRYPTO_BASE + AUXLEN, aux_len);
    reg_write(m, CRYPTO_BASE + CMD, cmd);
    while (reg_read(m, CRYPTO_BASE + STATUS) & BUSY)
        machine_skip_to_next_deadline(m);
    uint32_t st = reg_read(m, CRYPTO_BASE + STATUS);
    reg_write(m, CRYPTO_BASE + CLR, DONE | ERR);
    CU_ASSERT_TRUE((st & (DONE | ERR)) != 0);
    return st & ERR ? reg_read(m, CRYPTO_BASE + ERRCODE) : 0;
}

static void identity_and_feature_bit(void)
{
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ID), 0x50595243u);
    CU_ASSERT_TRUE(reg_read(m, SYSCTL_BASE + 0x0C) & 4u);
    CU_ASSERT_TRUE(machine_has_crypto_engine(m));
}

static void basic_variant_has_no_engine(void)
{
    g_autofree char *d2 = bench_tmpdir();
    struct machine *basic = bench_machine_new_variant(d2, 7, 0, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(basic);
    CU_ASSERT_FALSE(machine_has_crypto_engine(basic));
    CU_ASSERT_FALSE(reg_read(basic, SYSCTL_BASE + 0x0C) & 4u);
    for (unsigned i = 0; i < basic->nperiphs; i++)
        CU_ASSERT_NOT_EQUAL(basic->periphs[i].base, CRYPTO_BASE);
    machine_free(basic);
    bench_rmdir(d2);
}

static void aes128_fips197_vector(void)
{
    uint8_t key[16], pt[16], ct[16];

    hex(key, "000102030405060708090a0b0c0d0e0f");
    hex(pt, "00112233445566778899aabbccddeeff");
    hex(ct, "69c4e0d86a7b0430d8cdb78070b4c55a");
    put(A_KEY, key, 16);
    put(A_SRC, pt, 16);
    CU_ASSERT_EQUAL(run(1, 16, 16, 16, 0), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 16), ct, 16), 0);
    put(A_SRC, ct, 16);
    CU_ASSERT_EQUAL(run(2, 16, 16, 16, 0), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 16), pt, 16), 0);
}

static void aes128_ctr_sp800_38a_vector_with_partial_block(void)
{
    /* SP 800-38A F.5.1: two blocks, then 4 bytes of the second again. */
    uint8_t key[16], ctr[16], pt[32], ct[32], want_ctr[16];

    hex(key, "2b7e151628aed2a6abf7158809cf4f3c");
    hex(ctr, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    hex(pt, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
    hex(ct, "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
    hex(want_ctr, "f0f1f2f3f4f5f6f7f8f9fafbfcfdff01");
    put(A_KEY, key, 16);
    put(A_AUX, ctr, 16);
    put(A_SRC, pt, 20);
    CU_ASSERT_EQUAL(run(9, 20, 20, 16, 16), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 20), ct, 20), 0);
    CU_ASSERT_EQUAL(memcmp(ram(A_AUX, 16), want_ctr, 16), 0); /* carried into byte 14 */
}

static void sha256_abc_one_block(void)
{
    /* FIPS 180-2 B.1: "abc", padded into one block, from the initial state. */
    uint32_t state[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                          0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    const uint32_t want[8] = { 0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                               0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad };
    uint8_t block[64] = { 'a', 'b', 'c', 0x80 };

    block[63] = 24;
    put(A_KEY, state, 32);
    put(A_SRC, block, 64);
    CU_ASSERT_EQUAL(run(3, 64, 0, 32, 0), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_KEY, 32), want, 32), 0);
}

static void p256_generator_and_ecdh_both_ways(void)
{
    uint8_t one[32] = {0}, g[64], d1[32], d2[32], q1[64], q2[64], z1[32], z2[32];

    one[31] = 1;
    hex(g, "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
           "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    put(A_KEY, one, 32);
    CU_ASSERT_EQUAL(run(4, 0, 64, 32, 0), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 64), g, 64), 0);
    /* lamp time passed: the operation is not free */
    memset(d1, 0x11, 32);
    memset(d2, 0x22, 32);
    put(A_KEY, d1, 32);
    run(4, 0, 64, 32, 0);
    memcpy(q1, ram(A_DST, 64), 64);
    put(A_KEY, d2, 32);
    run(4, 0, 64, 32, 0);
    memcpy(q2, ram(A_DST, 64), 64);
    put(A_KEY, d1, 32);
    put(A_SRC, q2, 64);
    CU_ASSERT_EQUAL(run(5, 64, 32, 32, 0), 0u);
    memcpy(z1, ram(A_DST, 32), 32);
    put(A_KEY, d2, 32);
    put(A_SRC, q1, 64);
    CU_ASSERT_EQUAL(run(5, 64, 32, 32, 0), 0u);
    memcpy(z2, ram(A_DST, 32), 32);
    CU_ASSERT_EQUAL(memcmp(z1, z2, 32), 0);
}

static void p256_sign_verify_and_tamper(void)
{
    uint8_t d[32], q[64], hash[32], rs[64];
    uint64_t t0;

    memset(d, 0x5a, 32);
    memset(hash, 0xc3, 32);
    put(A_KEY, d, 32);
    run(4, 0, 64, 32, 0);
    memcpy(q, ram(A_DST, 64), 64);
    put(A_SRC, hash, 32);
    t0 = machine_now_ns(m);
    CU_ASSERT_EQUAL(run(6, 32, 64, 32, 0), 0u);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 1300000u); /* the modelled time */
    memcpy(rs, ram(A_DST, 64), 64);
    put(A_KEY, q, 64);
    put(A_AUX, rs, 64);
    CU_ASSERT_EQUAL(run(7, 32, 0, 64, 64), 0u);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + RESULT), 1u);
    hash[0] ^= 1;
    put(A_SRC, hash, 32);
    CU_ASSERT_EQUAL(run(7, 32, 0, 64, 64), 0u);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + RESULT), 0u);
    /* a public key off the curve is refused, not "invalid signature" */
    q[63] ^= 1;
    put(A_KEY, q, 64);
    CU_ASSERT_EQUAL(run(7, 32, 0, 64, 64), 4u);
}

static void rsa_public_textbook_key(void)
{
    /* n = 61 x 53 = 3233, e = 17: 65^17 mod 3233 = 2790 (64-byte operands). */
    uint8_t n[64] = {0}, x[64] = {0}, e[1] = { 17 };

    n[62] = 3233 >> 8;
    n[63] = 3233 & 0xff;
    x[63] = 65;
    put(A_KEY, n, 64);
    put(A_SRC, x, 64);
    put(A_AUX, e, 1);
    CU_ASSERT_EQUAL(run(8, 64, 64, 64, 1), 0u);
    CU_ASSERT_EQUAL(ram(A_DST, 64)[62], 2790 >> 8);
    CU_ASSERT_EQUAL(ram(A_DST, 64)[63], 2790 & 0xff);
    x[0] = 1; /* x >= n */
    put(A_SRC, x, 64);
    CU_ASSERT_EQUAL(run(8, 64, 64, 64, 1), 4u);
}

static void guest_errors_are_reported(void)
{
    CU_ASSERT_EQUAL(run(1, 15, 16, 16, 0), 2u); /* not whole blocks */
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "16-byte blocks"));
    CU_ASSERT_EQUAL(run(99, 16, 16, 16, 0), 1u);
    /* the engine reaches SRAM only: the keystore in flash is out of reach */
    reg_write(m, CRYPTO_BASE + SRC, 0x00010000);
    reg_write(m, CRYPTO_BASE + SRCLEN, 16);
    reg_write(m, CRYPTO_BASE + CMD, 1);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), ERR);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ERRCODE), 3u);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "not in SRAM"));
    reg_write(m, CRYPTO_BASE + CLR, ERR);
}

static void done_interrupt_follows_ie(void)
{
    uint8_t d[32];

    memset(d, 0x33, 32);
    put(A_KEY, d, 32);
    reg_write(m, CRYPTO_BASE + CTRL, 1);
    reg_write(m, CRYPTO_BASE + DST, A_DST);
    reg_write(m, CRYPTO_BASE + DSTLEN, 64);
    reg_write(m, CRYPTO_BASE + KEY, A_KEY);
    reg_write(m, CRYPTO_BASE + KEYLEN, 32);
    reg_write(m, CRYPTO_BASE + CMD, 4);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), BUSY);
    CU_ASSERT_FALSE(m->irq_level[IRQ_CRYPTO]);
    reg_write(m, CRYPTO_BASE + CMD, 4); /* while busy: ignored, logged */
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "while busy"));
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), DONE);
    CU_ASSERT_TRUE(m->irq_level[IRQ_CRYPTO]);
    reg_write(m, CRYPTO_BASE + CLR, DONE);
    CU_ASSERT_FALSE(m->irq_level[IRQ_CRYPTO]);
    reg_write(m, CRYPTO_BASE + CTRL, 0);
}

/* --- descriptors --- */

static struct crypto_buf buf(uint32_t addr, uint32_t len) { return (struct crypto_buf){ addr, len }; }

/* Writes descriptor i of the test area (A_DESC + 64 i) and returns its
 * address.  The host is little-endian like the lamp, so the shared struct
 * is the SRAM layout as it is. */
static uint32_t put_desc(unsigned i, uint32_t cmd, struct crypto_args a, uint32_t next)
{
    struct crypto_desc d = { .cmd = cmd, .next = next, .args = a };
    put(A_DESC + 64 * i, &d, sizeof(d));
    return A_DESC + 64 * i;
}

static struct crypto_desc desc(unsigned i)
{
    struct crypto_desc d;
    memcpy(&d, ram(A_DESC + 64 * i, sizeof(d)), sizeof(d));
    return d;
}

/* One DESC write, then lamp time jumped while a public-key command is
 * busy; returns STATUS at the end (and clears it). */
static uint32_t run_chain(uint32_t first)
{
    reg_write(m, CRYPTO_BASE + DESC, first);
    while (reg_read(m, CRYPTO_BASE + STATUS) & BUSY)
        machine_skip_to_next_deadline(m);
    uint32_t st = reg_read(m, CRYPTO_BASE + STATUS);
    reg_write(m, CRYPTO_BASE + CLR, DONE | ERR);
    return st;
}

static const char fips197_key[] = "000102030405060708090a0b0c0d0e0f";
static const char fips197_pt[] = "00112233445566778899aabbccddeeff";
static const char fips197_ct[] = "69c4e0d86a7b0430d8cdb78070b4c55a";

static struct crypto_args aes_block(uint32_t src, uint32_t dst)
{
    return (struct crypto_args){ .src = buf(src, 16), .dst = buf(dst, 16), .key = buf(A_KEY, 16) };
}

static void desc_single_aes_block_matches_fips197(void)
{
    uint8_t key[16], pt[16], ct[16];

    hex(key, fips197_key);
    hex(pt, fips197_pt);
    hex(ct, fips197_ct);
    put(A_KEY, key, 16);
    put(A_SRC, pt, 16);
    uint32_t d0 = put_desc(0, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_DST), 0);
    CU_ASSERT_EQUAL(run_chain(d0), DONE);
    CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 16), ct, 16), 0);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), d0);
}

static const uint32_t sha256_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

static void desc_chain_runs_in_order_with_one_write(void)
{
    /* The second descriptor decrypts what the first wrote: order matters. */
    const uint32_t want[8] = { 0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                               0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad };
    uint8_t key[16], pt[16], block[64] = { 'a', 'b', 'c', 0x80 };
    uint64_t ops0 = crypto_op_count(m->crypto);

    block[63] = 24;
    hex(key, fips197_key);
    hex(pt, fips197_pt);
    put(A_KEY, key, 16);
    put(A_SRC, pt, 16);
    put(A_KEY + 0x100, sha256_iv, 32);
    put(A_AUX, block, 64);
    uint32_t d2 = put_desc(2, CRYPTO_CMD_SHA256,
                           (struct crypto_args){ .src = buf(A_AUX, 64), .key = buf(A_KEY + 0x100, 32) }, 0);
    uint32_t d1 = put_desc(1, CRYPTO_CMD_AES_DEC, aes_block(A_DST, A_DST + 0x100), d2);
    uint32_t d0 = put_desc(0, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_DST), d1);
    CU_ASSERT_EQUAL(run_chain(d0), DONE);
    for (unsigned i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(desc(i).status, CRYPTO_DESC_DONE);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST + 0x100, 16), pt, 16), 0);
    CU_ASSERT_EQUAL(memcmp(ram(A_KEY + 0x100, 32), want, 32), 0);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), d2); /* the last one run */
    CU_ASSERT_EQUAL(crypto_op_count(m->crypto), ops0 + 3);
}

static void desc_error_in_middle_stops_chain_and_says_which(void)
{
    static const struct {
        const char *what;
        uint32_t cmd;
        struct crypto_args a;
        uint32_t err;
        const char *log;
    } bad[] = {
        { "AES input not whole blocks", CRYPTO_CMD_AES_ENC,
          { .src = { A_SRC, 15 }, .dst = { A_DST, 16 }, .key = { A_KEY, 16 } }, CRYPTO_ERR_LEN,
          "16-byte blocks" },
        { "AES input in flash", CRYPTO_CMD_AES_ENC,
          { .src = { FLASH_ADDR, 16 }, .dst = { A_DST, 16 }, .key = { A_KEY, 16 } },
          CRYPTO_ERR_ADDR, "not in SRAM" },
        { "unknown command", 99, { .src = { A_SRC, 16 } }, CRYPTO_ERR_CMD, "unknown command" },
        { "GCM IV of 8 bytes", CRYPTO_CMD_GCM_ENC,
          { .key = { A_KEY, 16 }, .iv = { A_IV, 8 }, .tag = { A_TAG, 16 } }, CRYPTO_ERR_LEN,
          "IV (IVLEN) must be 12 bytes" },
        { "GCM tag to flash", CRYPTO_CMD_GCM_ENC,
          { .key = { A_KEY, 16 }, .iv = { A_IV, 12 }, .tag = { FLASH_ADDR, 16 } },
          CRYPTO_ERR_ADDR, "not in SRAM" },
        { "SHA-256 state of 16 bytes", CRYPTO_CMD_SHA256,
          { .src = { A_AUX, 64 }, .key = { A_KEY, 16 } }, CRYPTO_ERR_LEN, "must be 32 bytes" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        memset(ram(A_DST + 0x200, 16), 0xEE, 16);
        uint32_t d2 = put_desc(2, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_DST + 0x200), 0);
        uint32_t d1 = put_desc(1, bad[i].cmd, bad[i].a, d2);
        uint32_t d0 = put_desc(0, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_DST), d1);

        CU_ASSERT_EQUAL(run_chain(d0), ERR);
        CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ERRCODE), bad[i].err);
        CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), d1);
        CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE);
        CU_ASSERT_EQUAL(desc(1).status, CRYPTO_DESC_DONE | bad[i].err);
        CU_ASSERT_EQUAL(desc(2).status, 0u); /* not run */
        CU_ASSERT_EQUAL(ram(A_DST + 0x200, 1)[0], 0xEE);
        if (!strstr(bench_last_log(), bad[i].log))
            CU_FAIL(bad[i].what);
    }
}

static void desc_outside_sram_or_misaligned_is_refused(void)
{
    static const uint32_t where[] = {
        FLASH_ADDR,                  /* the keystore */
        A_DESC + 2,                  /* not word-aligned */
        SRAM_BASE + SRAM_SIZE - 32,  /* runs past the end of SRAM */
        CRYPTO_BASE,                 /* the engine's own registers */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(where); i++) {
        CU_ASSERT_EQUAL(run_chain(where[i]), ERR);
        CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ERRCODE), CRYPTO_ERR_ADDR);
        CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), where[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "descriptor"));
    }
    /* 0 ends a chain, so a chain that starts there is empty. */
    CU_ASSERT_EQUAL(run_chain(0), DONE);
    /* A link out of SRAM stops the chain after the descriptor before it. */
    uint32_t d0 = put_desc(0, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_DST), FLASH_ADDR);
    CU_ASSERT_EQUAL(run_chain(d0), ERR);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), FLASH_ADDR);
    CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE);
}

static void desc_loop_stops_at_chain_limit(void)
{
    uint8_t block[64] = { 0 };
    uint64_t ops0 = crypto_op_count(m->crypto);

    put(A_KEY, sha256_iv, 32);
    put(A_AUX, block, 64);
    uint32_t d0 = A_DESC;
    put_desc(0, CRYPTO_CMD_SHA256, (struct crypto_args){ .src = buf(A_AUX, 64), .key = buf(A_KEY, 32) },
             d0);
    CU_ASSERT_EQUAL(run_chain(d0), ERR);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ERRCODE), CRYPTO_ERR_LEN);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), d0);
    CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE | CRYPTO_ERR_LEN);
    CU_ASSERT_EQUAL(crypto_op_count(m->crypto), ops0 + CRYPTO_CHAIN_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "loop"));
}

static void desc_public_key_chain_keeps_modelled_time_and_interrupt(void)
{
    /* d x G, then a signature, then its check: each reads what the one
     * before wrote when its time was up. */
    uint8_t d[32], hash[32];
    uint64_t t0;

    memset(d, 0x5a, 32);
    memset(hash, 0xc3, 32);
    put(A_KEY, d, 32);
    put(A_SRC, hash, 32);
    uint32_t d3 = put_desc(3, CRYPTO_CMD_AES_ENC, aes_block(A_SRC, A_AUX + 0x200), 0);
    uint32_t d2 = put_desc(2, CRYPTO_CMD_P256_VERIFY,
                           (struct crypto_args){ .src = buf(A_SRC, 32), .key = buf(A_AUX, 64),
                                                 .aux = buf(A_AUX + 0x100, 64) }, d3);
    uint32_t d1 = put_desc(1, CRYPTO_CMD_P256_SIGN,
                           (struct crypto_args){ .src = buf(A_SRC, 32), .dst = buf(A_AUX + 0x100, 64),
                                                 .key = buf(A_KEY, 32) }, d2);
    uint32_t d0 = put_desc(0, CRYPTO_CMD_P256_MUL_BASE,
                           (struct crypto_args){ .dst = buf(A_AUX, 64), .key = buf(A_KEY, 32) }, d1);

    reg_write(m, CRYPTO_BASE + CTRL, CRYPTO_CTRL_IE);
    t0 = machine_now_ns(m);
    reg_write(m, CRYPTO_BASE + DESC, d0);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), BUSY);
    CU_ASSERT_EQUAL(desc(0).status, 0u);
    CU_ASSERT_FALSE(m->irq_level[IRQ_CRYPTO]);
    reg_write(m, CRYPTO_BASE + DESC, d0); /* while busy: ignored, logged */
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "while busy"));
    reg_write(m, CRYPTO_BASE + CMD, CRYPTO_CMD_AES_ENC);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "while busy"));
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE); /* d x G done, the signature is busy */
    CU_ASSERT_EQUAL(desc(1).status, 0u);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), BUSY);
    while (reg_read(m, CRYPTO_BASE + STATUS) & BUSY)
        machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 1200000u + 1300000u + 2400000u);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + STATUS), DONE);
    CU_ASSERT_TRUE(m->irq_level[IRQ_CRYPTO]);
    for (unsigned i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(desc(i).status, CRYPTO_DESC_DONE);
    CU_ASSERT_EQUAL(desc(2).result, 1u); /* the signature holds */
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + DESC), d3);
    reg_write(m, CRYPTO_BASE + CLR, DONE);
    CU_ASSERT_FALSE(m->irq_level[IRQ_CRYPTO]);
    reg_write(m, CRYPTO_BASE + CTRL, 0);
}

/* --- AES-256, GCM, SHA-256 over many blocks --- */

static void aes256_fips197_vector_both_interfaces(void)
{
    /* FIPS-197 C.3 */
    uint8_t key[32], pt[16], ct[16];

    hex(key, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    hex(pt, fips197_pt);
    hex(ct, "8ea2b7ca516745bfeafc49904b496089");
    put(A_KEY, key, 32);
    put(A_SRC, pt, 16);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_AES256_ENC, 16, 16, 32, 0), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, 16), ct, 16), 0);
    uint32_t d0 = put_desc(0, CRYPTO_CMD_AES256_DEC,
                           (struct crypto_args){ .src = buf(A_DST, 16), .dst = buf(A_DST + 16, 16),
                                                 .key = buf(A_KEY, 32) }, 0);
    CU_ASSERT_EQUAL(run_chain(d0), DONE);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST + 16, 16), pt, 16), 0);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_AES256_ENC, 16, 16, 16, 0), CRYPTO_ERR_LEN);
}

static void aes_partly_overlapping_buffers_read_the_input_first(void)
{
    uint8_t key[16], in[64], want[64];

    hex(key, fips197_key);
    for (int i = 0; i < 64; i++)
        in[i] = (uint8_t)(i * 7 + 1);
    put(A_KEY, key, 16);
    put(A_SRC, in, 64);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_AES_ENC, 64, 64, 16, 0), 0u);
    memcpy(want, ram(A_DST, 64), 64);
    uint32_t d0 = put_desc(0, CRYPTO_CMD_AES_ENC,
                           (struct crypto_args){ .src = buf(A_SRC, 64), .dst = buf(A_SRC + 16, 64),
                                                 .key = buf(A_KEY, 16) }, 0);
    CU_ASSERT_EQUAL(run_chain(d0), DONE);
    CU_ASSERT_EQUAL(memcmp(ram(A_SRC + 16, 64), want, 64), 0);
}

/* The GCM specification's test cases 1-4 (McGrew and Viega; AES-128,
 * 96-bit IVs). */
static const struct gcm_case {
    const char *key, *iv, *aad, *pt, *ct, *tag;
} gcm_cases[] = {
    { "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
      "58e2fccefa7e3061367f1d57a4e7455a" },
    { "00000000000000000000000000000000", "000000000000000000000000", "",
      "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
      "ab6e47d42cec13bdf53a67b21257bddf" },
    { "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
      "4d5c2af327cd64a62cf35abd2ba6fab4" },
    { "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
      "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      "5bc94fbc3221a5db94fae95ae7121a47" },
};

/* Case c's key, IV, AAD and plaintext into SRAM; *len gets its length. */
static void gcm_load(const struct gcm_case *c, uint32_t *len, uint32_t *aad_len)
{
    uint8_t b[64];

    put(A_KEY, b, (uint32_t)hex(b, c->key));
    put(A_IV, b, (uint32_t)hex(b, c->iv));
    *aad_len = (uint32_t)hex(b, c->aad);
    put(A_AUX, b, *aad_len);
    *len = (uint32_t)hex(b, c->pt);
    put(A_SRC, b, *len);
}

static struct crypto_args gcm_args(uint32_t src, uint32_t dst, uint32_t len, uint32_t aad_len,
                                   uint32_t tag_len)
{
    return (struct crypto_args){ .src = buf(src, len), .dst = buf(dst, len), .key = buf(A_KEY, 16),
                                 .aux = buf(A_AUX, aad_len), .iv = buf(A_IV, 12),
                                 .tag = buf(A_TAG, tag_len) };
}

static void gcm_encrypt_and_decrypt_match_spec_test_cases(void)
{
    /* Twice round: the host keeps the last key of each direction, and the
     * keys change from case to case. */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < G_N_ELEMENTS(gcm_cases); i++) {
            const struct gcm_case *c = &gcm_cases[i];
            uint8_t ct[64], tag[16], pt[64];
            uint32_t len, aad_len;

            gcm_load(c, &len, &aad_len);
            hex(ct, c->ct);
            hex(tag, c->tag);
            hex(pt, c->pt);
            put_desc(0, CRYPTO_CMD_GCM_ENC, gcm_args(A_SRC, A_DST, len, aad_len, 16), 0);
            CU_ASSERT_EQUAL(run_chain(A_DESC), DONE);
            CU_ASSERT_EQUAL(memcmp(ram(A_DST, len), ct, len), 0);
            CU_ASSERT_EQUAL(memcmp(ram(A_TAG, 16), tag, 16), 0);
            /* decrypted in place, as TLS records are */
            put_desc(0, CRYPTO_CMD_GCM_DEC, gcm_args(A_DST, A_DST, len, aad_len, 16), 0);
            CU_ASSERT_EQUAL(run_chain(A_DESC), DONE);
            CU_ASSERT_EQUAL(desc(0).result, 1u);
            CU_ASSERT_EQUAL(memcmp(ram(A_DST, len), pt, len), 0);
        }
    }
}

static void gcm_decrypt_refuses_a_wrong_tag_and_zeroes_the_output(void)
{
    static const struct {
        const char *what;
        uint32_t tag_len, flip_tag, flip_aad, want;
    } cases[] = {
        { "the right tag", 16, 0, 0, 1 },
        { "a tag with one bit flipped", 16, 0x01, 0, 0 },
        { "associated data changed", 16, 0, 0x80, 0 },
        { "the right tag cut to 12 bytes", 12, 0, 0, 1 },
        { "a 12-byte tag with one bit flipped", 12, 0x10, 0, 0 },
    };
    const struct gcm_case *c = &gcm_cases[3];

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t tag[16], ct[64], pt[64], zero[64] = { 0 };
        uint32_t len, aad_len;

        gcm_load(c, &len, &aad_len);
        hex(ct, c->ct);
        hex(pt, c->pt);
        hex(tag, c->tag);
        tag[cases[i].tag_len - 1] ^= (uint8_t)cases[i].flip_tag;
        ram(A_AUX, aad_len)[0] ^= (uint8_t)cases[i].flip_aad;
        put(A_TAG, tag, 16);
        put(A_DST, ct, len);
        put_desc(0, CRYPTO_CMD_GCM_DEC, gcm_args(A_DST, A_DST, len, aad_len, cases[i].tag_len),
                 0);
        CU_ASSERT_EQUAL(run_chain(A_DESC), DONE); /* a mismatch is a result, not an error */
        CU_ASSERT_EQUAL(desc(0).result, cases[i].want);
        CU_ASSERT_EQUAL(desc(0).status, CRYPTO_DESC_DONE);
        CU_ASSERT_EQUAL(memcmp(ram(A_DST, len), cases[i].want ? pt : zero, len), 0);
        if (desc(0).result != cases[i].want)
            CU_FAIL(cases[i].what);
    }
}

static void gcm_through_registers_uses_iv_and_tag_registers(void)
{
    const struct gcm_case *c = &gcm_cases[2];
    uint8_t ct[64], tag[16];
    uint32_t len, aad_len;

    gcm_load(c, &len, &aad_len);
    hex(ct, c->ct);
    hex(tag, c->tag);
    reg_write(m, CRYPTO_BASE + IV, A_IV);
    reg_write(m, CRYPTO_BASE + IVLEN, 12);
    reg_write(m, CRYPTO_BASE + TAG, A_TAG);
    reg_write(m, CRYPTO_BASE + TAGLEN, 16);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_GCM_ENC, len, len, 16, aad_len), 0u);
    CU_ASSERT_EQUAL(memcmp(ram(A_DST, len), ct, len), 0);
    CU_ASSERT_EQUAL(memcmp(ram(A_TAG, 16), tag, 16), 0);
    put(A_SRC, ct, len);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_GCM_DEC, len, len, 16, aad_len), 0u);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + RESULT), 1u);
    reg_write(m, CRYPTO_BASE + IVLEN, 16);
    CU_ASSERT_EQUAL(run(CRYPTO_CMD_GCM_ENC, len, len, 16, aad_len), CRYPTO_ERR_LEN);
    reg_write(m, CRYPTO_BASE + IVLEN, 0);
    reg_write(m, CRYPTO_BASE + TAGLEN, 0);
}

/* msg padded as FIPS 180-4 5.1.1 at addr; returns the padded length. */
static uint32_t put_padded(uint32_t addr, const uint8_t *msg, size_t len)
{
    uint32_t padded = (uint32_t)((len + 9 + 63) / 64 * 64);
    uint8_t *p = ram(addr, padded);
    uint64_t bits = (uint64_t)len * 8;

    memcpy(p, msg, len);
    memset(p + len, 0, padded - len);
    p[len] = 0x80;
    for (int i = 0; i < 8; i++)
        p[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    return padded;
}

static void digest_of_state(uint8_t out[32])
{
    uint32_t st[8];
    memcpy(st, ram(A_KEY, 32), 32);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

static void sha256_many_blocks_match_openssl_in_one_or_two_descriptors(void)
{
    static const size_t lengths[] = { 0, 3, 55, 56, 64, 119, 1000, 65536 - 9 };
    g_autofree uint8_t *msg = g_malloc(65536);

    for (size_t i = 0; i < 65536; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < G_N_ELEMENTS(lengths); i++) {
        uint8_t want[32], got[32];
        uint32_t padded = put_padded(A_BIG, msg, lengths[i]);

        CU_ASSERT_FATAL(EVP_Digest(msg, lengths[i], want, NULL, EVP_sha256(), NULL) == 1);
        put(A_KEY, sha256_iv, 32);
        put_desc(0, CRYPTO_CMD_SHA256,
                 (struct crypto_args){ .src = buf(A_BIG, padded), .key = buf(A_KEY, 32) }, 0);
        CU_ASSERT_EQUAL(run_chain(A_DESC), DONE);
        digest_of_state(got);
        CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
        if (padded < 128)
            continue;
        /* split at a block boundary: the state carries over */
        uint32_t first = padded / 128 * 64;
        put(A_KEY, sha256_iv, 32);
        uint32_t d1 = put_desc(1, CRYPTO_CMD_SHA256,
                               (struct crypto_args){ .src = buf(A_BIG + first, padded - first),
                                                     .key = buf(A_KEY, 32) }, 0);
        put_desc(0, CRYPTO_CMD_SHA256,
                 (struct crypto_args){ .src = buf(A_BIG, first), .key = buf(A_KEY, 32) }, d1);
        CU_ASSERT_EQUAL(run_chain(A_DESC), DONE);
        digest_of_state(got);
        CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
    }
    /* one block more than a command takes */
    put_desc(0, CRYPTO_CMD_SHA256,
             (struct crypto_args){ .src = buf(A_BIG, 65536 + 64), .key = buf(A_KEY, 32) }, 0);
    CU_ASSERT_EQUAL(run_chain(A_DESC), ERR);
    CU_ASSERT_EQUAL(reg_read(m, CRYPTO_BASE + ERRCODE), CRYPTO_ERR_LEN);
}

static void sha256_host_compressions_agree_with_openssl(void)
{
    /* The engine uses the host's SHA instructions when it has them: the
     * portable C must stay right on the hosts that do not. */
    static const size_t lengths[] = { 0, 55, 56, 119, 1000 };
    void (*const impl[])(uint32_t *, const uint8_t *, size_t) = {
        crypto_host_sha256_compress, crypto_host_sha256_compress_portable };
    uint8_t msg[1000], padded[1088], want[32];

    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13 + 5);
    for (size_t i = 0; i < G_N_ELEMENTS(lengths); i++) {
        size_t n = put_padded(A_BIG, msg, lengths[i]);
        memcpy(padded, ram(A_BIG, (uint32_t)n), n);
        CU_ASSERT_FATAL(EVP_Digest(msg, lengths[i], want, NULL, EVP_sha256(), NULL) == 1);
        for (size_t j = 0; j < G_N_ELEMENTS(impl); j++) {
            uint8_t got[32];
            uint32_t st[8];
            memcpy(st, sha256_iv, sizeof(st));
            impl[j](st, padded, n / 64);
            put(A_KEY, st, 32);
            digest_of_state(got);
            CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
        }
    }
}

/* A test's name is its function's: it says the behaviour. */
#define TEST(fn) { #fn, fn }
static const struct {
    const char *name;
    CU_TestFunc fn;
} tests[] = {
    TEST(identity_and_feature_bit),
    TEST(basic_variant_has_no_engine),
    TEST(aes128_fips197_vector),
    TEST(aes128_ctr_sp800_38a_vector_with_partial_block),
    TEST(sha256_abc_one_block),
    TEST(p256_generator_and_ecdh_both_ways),
    TEST(p256_sign_verify_and_tamper),
    TEST(rsa_public_textbook_key),
    TEST(guest_errors_are_reported),
    TEST(done_interrupt_follows_ie),
    TEST(desc_single_aes_block_matches_fips197),
    TEST(desc_chain_runs_in_order_with_one_write),
    TEST(desc_error_in_middle_stops_chain_and_says_which),
    TEST(desc_outside_sram_or_misaligned_is_refused),
    TEST(desc_loop_stops_at_chain_limit),
    TEST(desc_public_key_chain_keeps_modelled_time_and_interrupt),
    TEST(aes256_fips197_vector_both_interfaces),
    TEST(aes_partly_overlapping_buffers_read_the_input_first),
    TEST(gcm_encrypt_and_decrypt_match_spec_test_cases),
    TEST(gcm_decrypt_refuses_a_wrong_tag_and_zeroes_the_output),
    TEST(gcm_through_registers_uses_iv_and_tag_registers),
    TEST(sha256_many_blocks_match_openssl_in_one_or_two_descriptors),
    TEST(sha256_host_compressions_agree_with_openssl),
};

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("crypto", setup, teardown);
    for (size_t i = 0; i < G_N_ELEMENTS(tests); i++)
        CU_add_test(s, tests[i].name, tests[i].fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
