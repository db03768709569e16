/* firmware/vm/vm_format.c: the VM's snprintf (lamp_vm_snprintf: the Lua
 * sources are compiled with it in place of newlib's, which reaches
 * newlib's global state in privileged SRAM; vm_libc.c says why).  It
 * formats one conversion, what Lua's core and string.format hand it
 * (lstrlib.c str_format: one '%' spec of flags "-+ #0", width and
 * precision of at most two digits each, an "ll" length for integers, and
 * one of d i u o x X c s p e E f F g G a A).  Floats carry at most 17
 * significant digits, the rest of a long %f or %e is zeros: within an ulp
 * or two of the exact decimal expansion, not always correctly rounded;
 * %a is exact.  Nothing here touches memory outside its arguments. */
#include "vm_format.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SIG_MAX 17 /* significant digits a double holds */

struct out { char *p; size_t left, n; };

static void put(struct out *o, char c)
{
    if (o->left > 1) {
        *o->p++ = c;
        o->left--;
    }
    o->n++;
}

/* 10^k for 0 <= k <= 308, in at most nine multiplications of exact
 * powers (1e1..1e16 are exact doubles). */
static double pow10_pos(int k)
{
    static const double p2[] = { 1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256 };
    double r = 1.0;
    for (unsigned i = 0; k && i < sizeof(p2) / sizeof(p2[0]); i++, k >>= 1)
        if (k & 1)
            r *= p2[i];
    return k ? __builtin_inf() : r;
}

double lamp_vm_scale10(double v, int k)
{
    /* Two steps keep 10^k finite near the ends of the exponent range. */
    if (k > 300)
        return lamp_vm_scale10(v * 1e300, k - 300);
    if (k < -300)
        return lamp_vm_scale10(v / 1e300, k + 300);
    return k >= 0 ? v * pow10_pos(k) : v / pow10_pos(-k);
}

/* v > 0 finite, rounded to n (1..SIG_MAX) significant digits: d[0..n)
 * and the decimal exponent of d[0]. */
static int sig_digits(double v, int n, char *d)
{
    int e2;
    (void)__builtin_frexp(v, &e2);
    int e10 = (int)((e2 - 1) * 0.30102999566398);
    uint64_t lo = 1, digits = 0;

    for (int i = 1; i < n; i++)
        lo *= 10;
    for (int tries = 0; tries < 4; tries++) {
        digits = (uint64_t)(lamp_vm_scale10(v, n - 1 - e10) + 0.5);
        if (digits >= lo * 10)
            e10++;
        else if (digits < lo)
            e10--;
        else
            break;
    }
    if (digits >= lo * 10) {
        digits /= 10;
        e10++;
    }
    for (int i = n - 1; i >= 0; i--, digits /= 10)
        d[i] = (char)('0' + digits % 10);
    return e10;
}

struct spec { bool minus, plus, space, alt, zero; int width, prec; char conv; };

/* The bodies of a number, without sign or padding, into b (BODY_MAX
 * bytes: %f of 1e308 with 99 decimals is 409). */
#define BODY_MAX 440

static size_t fixed(char *b, double v, int prec, bool alt)
{
    char d[SIG_MAX];
    size_t n = 0;
    int e10 = -1, sig = 0;

    if (v != 0) {
        /* digits down to 10^-prec: e10 + 1 + prec of them, if any */
        int e = sig_digits(v, 1, d);
        sig = e + 1 + prec;
        if (sig > SIG_MAX)
            sig = SIG_MAX;
        if (sig >= 1) {
            e10 = sig_digits(v, sig, d);
            if (e10 != e && e10 + 1 + prec <= SIG_MAX) /* the count follows the exponent */
                e10 = sig_digits(v, sig = e10 + 1 + prec, d);
        } else if (sig == 0 && lamp_vm_scale10(v, prec) >= 0.5) {
            d[0] = '1'; /* rounds up to the last place */
            sig = 1;
            e10 = -prec;
        } else {
            sig = 0;
        }
    }
    /* digit at 10^k for k = max(e10, 0) down to -prec */
    for (int k = e10 > 0 ? e10 : 0; k >= -prec; k--) {
        int i = e10 - k;
        b[n++] = i >= 0 && i < sig ? d[i] : '0';
        if (k == 0 && (prec > 0 || alt))
            b[n++] = '.';
    }
    return n;
}

static size_t expo(char *b, double v, int prec, bool alt, char e_char)
{
    char d[SIG_MAX];
    size_t n = 0;
    int sig = prec + 1 > SIG_MAX ? SIG_MAX : prec + 1, e10 = 0;

    if (v != 0)
        e10 = sig_digits(v, sig, d);
    for (int i = 0; i <= prec; i++) {
        b[n++] = v != 0 && i < sig ? d[i] : '0';
        if (i == 0 && (prec > 0 || alt))
            b[n++] = '.';
    }
    b[n++] = e_char;
    b[n++] = e10 < 0 ? '-' : '+';
    if (e10 < 0)
        e10 = -e10;
    if (e10 >= 100)
        b[n++] = (char)('0' + e10 / 100);
    b[n++] = (char)('0' + e10 / 10 % 10);
    b[n++] = (char)('0' + e10 % 10);
    return n;
}

/* %g: %e or %f by the exponent, trailing zeros dropped unless '#'. */
static size_t general(char *b, double v, int prec, bool alt, bool upper)
{
    char d[SIG_MAX];
    int p = prec == 0 ? 1 : prec, x = 0;
    size_t n;

    if (v != 0)
        x = sig_digits(v, p > SIG_MAX ? SIG_MAX : p, d);
    if (x < -4 || x >= p)
        n = expo(b, v, p - 1, alt, upper ? 'E' : 'e');
    else
        n = fixed(b, v, p - 1 - x, alt);
    if (!alt && memchr(b, '.', n)) {
        size_t e = 0;
        while (e < n && b[e] != 'e' && b[e] != 'E')
            e++;
        size_t end = e;
        while (end > 0 && b[end - 1] == '0')
            end--;
        if (end > 0 && b[end - 1] == '.')
            end--;
        memmove(b + end, b + e, n - e);
        n -= e - end;
    }
    return n;
}

static size_t unsigned_body(char *b, uint64_t v, unsigned base, bool upper, int prec)
{
    char t[24];
    size_t n = 0, k = 0;

    while (v) {
        t[k++] = (upper ? "0123456789ABCDEF" : "0123456789abcdef")[v % base];
        v /= base;
    }
    for (int i = (int)k; i < prec; i++)
        b[n++] = '0';
    while (k)
        b[n++] = t[--k];
    return n;
}

/* %a: exact, the shortest hex digits (no precision: Lua passes none but
 * the user's, which is taken as a minimum of digits). */
static size_t hexfloat(char *b, double v, int prec, bool upper)
{
    const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    uint64_t bits;
    size_t n = 0;
    int e;

    memcpy(&bits, &v, sizeof(bits));
    uint64_t mant = bits & ((1ull << 52) - 1);
    int biased = (int)(bits >> 52 & 0x7FF);
    b[n++] = '0';
    b[n++] = upper ? 'X' : 'x';
    if (biased == 0 && mant == 0) {
        b[n++] = '0';
        e = 0;
    } else {
        b[n++] = biased ? '1' : '0';
        e = biased ? biased - 1023 : -1022;
    }
    int digits = 13;
    while (digits > 0 && !(mant >> (4 * (13 - digits)) & 0xF))
        digits--;
    if (prec > digits)
        digits = prec > 13 ? 13 : prec;
    if (digits)
        b[n++] = '.';
    for (int i = 0; i < digits; i++)
        b[n++] = hex[mant >> (48 - 4 * i) & 0xF];
    b[n++] = upper ? 'P' : 'p';
    b[n++] = e < 0 ? '-' : '+';
    return n + unsigned_body(b + n, (uint64_t)(e < 0 ? -e : e), 10, false, 1);
}

/* prefix (sign, 0x), body, padded to the width as the flags say */
static void emit(struct out *o, const struct spec *s, const char *prefix, const char *body,
                 size_t n, bool zero_ok)
{
    size_t plen = strlen(prefix), len = plen + n;
    size_t pad = s->width > 0 && (size_t)s->width > len ? (size_t)s->width - len : 0;
    bool zeros = s->zero && !s->minus && zero_ok;

    if (!s->minus && !zeros)
        while (pad--) put(o, ' ');
    for (size_t i = 0; i < plen; i++) put(o, prefix[i]);
    if (zeros)
        while (pad--) put(o, '0');
    for (size_t i = 0; i < n; i++) put(o, body[i]);
    if (s->minus)
        while (pad--) put(o, ' ');
}

int lamp_vm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    struct out o = { buf, size, 0 };
    struct spec s = { .prec = -1 };
    char body[BODY_MAX];
    const char *f = fmt;
    size_t n = 0;
    va_list ap;

    va_start(ap, fmt);
    if (*f++ != '%')
        goto bad;
    for (;; f++) {
        if (*f == '-') s.minus = true;
        else if (*f == '+') s.plus = true;
        else if (*f == ' ') s.space = true;
        else if (*f == '#') s.alt = true;
        else if (*f == '0') s.zero = true;
        else break;
    }
    for (s.width = 0; *f >= '0' && *f <= '9'; f++)
        s.width = s.width * 10 + (*f - '0');
    if (*f == '.')
        for (s.prec = 0, f++; *f >= '0' && *f <= '9'; f++)
            s.prec = s.prec * 10 + (*f - '0');
    bool ll = f[0] == 'l' && f[1] == 'l';
    if (ll)
        f += 2;
    s.conv = *f;
    if (!s.conv || f[1] || s.width > 99 || s.prec > 99)
        goto bad;
    switch (s.conv) {
    case 'd': case 'i': {
        long long v = ll ? va_arg(ap, long long) : va_arg(ap, int);
        uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        n = unsigned_body(body, m, 10, false, s.prec < 0 ? 1 : s.prec);
        emit(&o, &s, v < 0 ? "-" : s.plus ? "+" : s.space ? " " : "", body, n, s.prec < 0);
        break;
    }
    case 'u': case 'o': case 'x': case 'X': {
        uint64_t v = ll ? (uint64_t)va_arg(ap, long long) : va_arg(ap, unsigned);
        unsigned base = s.conv == 'u' ? 10 : s.conv == 'o' ? 8 : 16;
        n = unsigned_body(body, v, base, s.conv == 'X', s.prec < 0 ? 1 : s.prec);
        if (s.alt && s.conv == 'o' && body[0] != '0')
            memmove(body + 1, body, n++), body[0] = '0';
        emit(&o, &s, s.alt && v && base == 16 ? (s.conv == 'X' ? "0X" : "0x") : "", body, n,
             s.prec < 0);
        break;
    }
    case 'c':
        body[0] = (char)va_arg(ap, int);
        emit(&o, &s, "", body, 1, false);
        break;
    case 's': {
        const char *str = va_arg(ap, const char *);
        size_t len = 0;
        while (str[len] && (s.prec < 0 || len < (size_t)s.prec))
            len++;
        emit(&o, &s, "", str, len, false);
        break;
    }
    case 'p': {
        uint64_t v = (uintptr_t)va_arg(ap, void *);
        n = unsigned_body(body, v, 16, false, 8);
        emit(&o, &s, "0x", body, n, false);
        break;
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A': {
        double v = va_arg(ap, double);
        bool upper = s.conv == 'E' || s.conv == 'F' || s.conv == 'G' || s.conv == 'A';
        bool neg = v < 0 || (v == 0 && __builtin_signbit(v));
        const char *sign = neg ? "-" : s.plus ? "+" : s.space ? " " : "";
        int prec = s.prec < 0 ? 6 : s.prec;
        if (neg)
            v = -v;
        if (v != v || v == __builtin_inf()) {
            memcpy(body, v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"), 3);
            emit(&o, &s, sign, body, 3, false);
            break;
        }
        if (s.conv == 'e' || s.conv == 'E')
            n = expo(body, v, prec, s.alt, upper ? 'E' : 'e');
        else if (s.conv == 'f' || s.conv == 'F')
            n = fixed(body, v, prec, s.alt);
        else if (s.conv == 'g' || s.conv == 'G')
            n = general(body, v, prec, s.alt, upper);
        else
            n = hexfloat(body, v, s.prec, upper);
        emit(&o, &s, sign, body, n, true);
        break;
    }
    default:
        goto bad;
    }
    va_end(ap);
    if (size)
        *o.p = 0;
    return (int)o.n;
bad:
    va_end(ap);
    put(&o, '?'); /* no format Lua hands over */
    if (size)
        *o.p = 0;
    return (int)o.n;
}
