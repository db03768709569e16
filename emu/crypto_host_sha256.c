/* emu/crypto_host_sha256.c: the SHA-256 compression function (FIPS 180-4
 * 6.2.2) for the CRYPTO engine.  Written out because the engine continues
 * from a state the firmware holds, and OpenSSL 3 offers compression from
 * a given state only through the deprecated SHA256_Transform.  On x86
 * hosts with the SHA extensions the rounds run on them (about ten times
 * faster than the portable C: a TLS handshake hashes a hundred blocks and
 * more, and the native client it is compared with uses them too). */
#include "crypto_host.h"

#include <glib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86_SHA 1
#endif

static const uint32_t k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

void crypto_host_sha256_compress_portable(uint32_t state[8], const uint8_t *blocks,
                                          size_t nblocks)
{
    for (size_t n = 0; n < nblocks; n++, blocks += 64) {
        uint32_t w[64];
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)blocks[4 * i] << 24 | (uint32_t)blocks[4 * i + 1] << 16 |
                   (uint32_t)blocks[4 * i + 2] << 8 | blocks[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
                          k[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

#ifdef HAVE_X86_SHA
/* Four rounds a step, two per SHA256RNDS2; the state lives as ABEF and
 * CDGH (the instruction's operand order, Intel's SHA extensions
 * reference), the message schedule as four vectors of four words. */
__attribute__((target("sha,sse4.1"))) static void compress_x86(uint32_t state[8],
                                                               const uint8_t *blocks,
                                                               size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bull, 0x0405060700010203ull);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);

    for (size_t n = 0; n < nblocks; n++, blocks += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];

        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16 * i)), bswap);
        for (int g = 0; g < 16; g++) {
            /* w[g % 4] holds words 4g..4g+3 of the schedule */
            __m128i wk = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&k[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
            if (g < 12) {
                /* words 4g+16..: W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]) */
                __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
            }
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* CPUID leaf 7: SHA is EBX bit 29; SSSE3 and SSE4.1 (leaf 1 ECX 9, 19)
 * for the shuffles and blends. */
static bool host_has_sha(void)
{
    static gsize answer; /* 1 no, 2 yes */
    unsigned a, b, c, d;

    if (g_once_init_enter(&answer)) {
        bool yes = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) && (c & (1u << 19)) &&
                   __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
        g_once_init_leave(&answer, yes ? 2 : 1);
    }
    return answer == 2;
}
#endif

void crypto_host_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
#ifdef HAVE_X86_SHA
    if (host_has_sha()) {
        compress_x86(state, blocks, nblocks);
        return;
    }
#endif
    crypto_host_sha256_compress_portable(state, blocks, nblocks);
}
