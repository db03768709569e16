/* firmware/vm/vm_libc.c: the few C library routines Lua needs that
 * newlib cannot give the VM.  newlib's snprintf, strtod, time and clock
 * reach its global state (_impure_ptr, the locale, the RTC through
 * _gettimeofday), which lies in privileged SRAM: called from the VM they
 * fault.  The Lua sources are compiled with these names in place of
 * theirs (firmware/meson.build), and nothing here touches memory outside
 * the caller's arguments.  Limits, on purpose: the formatter knows the
 * three formats Lua's core uses (LUA_INTEGER_FMT, LUAI_NUMFFORMAT, "%p"),
 * and strtod reads decimal notation (within 1-2 ulp, not always
 * correctly rounded); string.format is not offered to apps for that
 * reason (docs/firmware.md#partner-app-vm). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int lamp_vm_snprintf(char *buf, size_t size, const char *fmt, ...);
double lamp_vm_strtod(const char *s, char **end);
long long lamp_vm_time(long long *t);
long lamp_vm_clock(void);

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

static double scale10(double v, int k)
{
    /* Two steps keep 10^k finite near the ends of the exponent range. */
    if (k > 300)
        return scale10(v * 1e300, k - 300);
    if (k < -300)
        return scale10(v / 1e300, k + 300);
    return k >= 0 ? v * pow10_pos(k) : v / pow10_pos(-k);
}

struct out { char *p; size_t left, n; };

static void put(struct out *o, char c)
{
    if (o->left > 1) {
        *o->p++ = c;
        o->left--;
    }
    o->n++;
}

static void put_u64(struct out *o, uint64_t v, unsigned base, unsigned min_digits)
{
    char d[24];
    unsigned n = 0;
    do {
        d[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < min_digits)
        d[n++] = '0';
    while (n)
        put(o, d[--n]);
}

/* "%.14g" (and any %.Ng with 1 <= N <= 17). */
static void put_g(struct out *o, double v, int prec)
{
    if (prec < 1) prec = 1;
    if (prec > 17) prec = 17;
    if (v != v) { put(o, 'n'); put(o, 'a'); put(o, 'n'); return; }
    if (v < 0 || (v == 0 && __builtin_signbit(v))) { put(o, '-'); v = -v; }
    if (v == __builtin_inf()) { put(o, 'i'); put(o, 'n'); put(o, 'f'); return; }
    if (v == 0) { put(o, '0'); return; }
    int e2;
    (void)__builtin_frexp(v, &e2);
    int e10 = (int)((e2 - 1) * 0.30102999566398) ;
    uint64_t lo = 1, digits;
    for (int i = 1; i < prec; i++)
        lo *= 10;
    for (int tries = 0; tries < 4; tries++) {
        double s = scale10(v, prec - 1 - e10);
        digits = (uint64_t)(s + 0.5);
        if (digits >= lo * 10) e10++;
        else if (digits < lo) e10--;
        else break;
    }
    if (digits >= lo * 10) { digits /= 10; e10++; }
    char d[20];
    int n = prec;
    for (int i = prec - 1; i >= 0; i--, digits /= 10)
        d[i] = (char)('0' + digits % 10);
    while (n > 1 && d[n - 1] == '0')
        n--; /* %g drops trailing zeros */
    if (e10 < -4 || e10 >= prec) {
        put(o, d[0]);
        if (n > 1) put(o, '.');
        for (int i = 1; i < n; i++) put(o, d[i]);
        put(o, 'e');
        put(o, e10 < 0 ? '-' : '+');
        put_u64(o, (uint64_t)(e10 < 0 ? -e10 : e10), 10, 2);
    } else if (e10 < 0) {
        put(o, '0'); put(o, '.');
        for (int i = -1; i > e10; i--) put(o, '0');
        for (int i = 0; i < n; i++) put(o, d[i]);
    } else {
        for (int i = 0; i <= e10; i++) put(o, i < n ? d[i] : '0');
        if (n > e10 + 1) put(o, '.');
        for (int i = e10 + 1; i < n; i++) put(o, d[i]);
    }
}

int lamp_vm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    struct out o = { buf, size, 0 };
    va_list ap;

    va_start(ap, fmt);
    if (!strcmp(fmt, "%lld")) {
        long long v = va_arg(ap, long long);
        if (v < 0) put(&o, '-');
        put_u64(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, 1);
    } else if (!strncmp(fmt, "%.", 2) && fmt[2] >= '1' && fmt[2] <= '9' &&
               (fmt[3] == 'g' || (fmt[3] >= '0' && fmt[3] <= '9' && fmt[4] == 'g'))) {
        int prec = fmt[3] == 'g' ? fmt[2] - '0' : (fmt[2] - '0') * 10 + fmt[3] - '0';
        put_g(&o, va_arg(ap, double), prec);
    } else if (!strcmp(fmt, "%p")) {
        put(&o, '0'); put(&o, 'x');
        put_u64(&o, (uintptr_t)va_arg(ap, void *), 16, 8);
    } else {
        put(&o, '?'); /* a format Lua's core does not use */
    }
    va_end(ap);
    if (size)
        *o.p = 0;
    return (int)o.n;
}

double lamp_vm_strtod(const char *s, char **end)
{
    const char *p = s;
    uint64_t mant = 0;
    int exp10 = 0, sign = 1, any = 0;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (mant < 1000000000000000000ull) mant = mant * 10 + (uint64_t)(*p - '0');
        else exp10++; /* past 19 digits only the magnitude counts */
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1)
            if (mant < 1000000000000000000ull) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                exp10--;
            }
    if (!any) {
        if (end) *end = (char *)s; /* no conversion */
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int esign = 1, e = 0, edigits = 0;
        if (*q == '+' || *q == '-')
            esign = *q++ == '-' ? -1 : 1;
        for (; *q >= '0' && *q <= '9'; q++, edigits++)
            if (e < 10000) e = e * 10 + (*q - '0');
        if (edigits) {
            exp10 += esign * e;
            p = q;
        }
    }
    if (end) *end = (char *)p;
    if (mant == 0) return sign * 0.0;
    if (exp10 > 400) return sign * __builtin_inf();
    if (exp10 < -400) return sign * 0.0;
    return sign * scale10((double)mant, exp10);
}

/* Seeds only (Lua's string hashing, math.random, table.sort's pivot): the
 * VM has no clock of its own, and a fixed seed keeps runs reproducible. */
long long lamp_vm_time(long long *t)
{
    if (t) *t = 0;
    return 0;
}

long lamp_vm_clock(void)
{
    return 0;
}
