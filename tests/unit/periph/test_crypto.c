/* tests/unit/periph/test_crypto.c: the CRYPTO engine model against known
 * answers (FIPS-197, FIPS 180-2, the P-256 generator, a textbook RSA key),
 * its own consistency (ECDH both ways, sign then verify), the checks it
 * makes on guest input, and its absence on the basic variant. */
#include "periph_harness.h"

#include <CUnit/Basic.h>
#include <string.h>

enum { ID = 0x00, CTRL = 0x04, STATUS = 0x08, CLR = 0x0C, CMD = 0x10, ERRCODE = 0x14,
       RESULT = 0x18, SRC = 0x20, SRCLEN = 0x24, DST = 0x28, DSTLEN = 0x2C, KEY = 0x30,
       KEYLEN = 0x34, AUX = 0x38, AUXLEN = 0x3C };
#define BUSY 1u
#define DONE 2u
#define ERR 4u
/* Guest buffers: SRAM addresses the tests fill through the host view. */
#define A_KEY (SRAM_BASE + 0x1000)
#define A_SRC (SRAM_BASE + 0x2000)
#define A_DST (SRAM_BASE + 0x3000)
#define A_AUX (SRAM_BASE + 0x4000)

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

static void hex(uint8_t *out, const char *h)
{
    for (size_t i = 0; h[2 * i]; i++)
        sscanf(h + 2 * i, "%2hhx", &out[i]);
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

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("crypto", setup, teardown);
    CU_add_test(s, "identity_and_feature_bit", identity_and_feature_bit);
    CU_add_test(s, "basic_variant_has_no_engine", basic_variant_has_no_engine);
    CU_add_test(s, "aes128_fips197_vector", aes128_fips197_vector);
    CU_add_test(s, "aes128_ctr_sp800_38a_vector_with_partial_block",
                aes128_ctr_sp800_38a_vector_with_partial_block);
    CU_add_test(s, "sha256_abc_one_block", sha256_abc_one_block);
    CU_add_test(s, "p256_generator_and_ecdh_both_ways", p256_generator_and_ecdh_both_ways);
    CU_add_test(s, "p256_sign_verify_and_tamper", p256_sign_verify_and_tamper);
    CU_add_test(s, "rsa_public_textbook_key", rsa_public_textbook_key);
    CU_add_test(s, "guest_errors_are_reported", guest_errors_are_reported);
    CU_add_test(s, "done_interrupt_follows_ie", done_interrupt_follows_ie);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
