/* firmware/vm/vm_libc.c: the few C library routines Lua needs that
 * newlib cannot give the VM.  newlib's snprintf, strtod, time and clock
 * reach its global state (_impure_ptr, the locale, the RTC through
 * _gettimeofday), which lies in privileged SRAM: called from the VM they
 * fault.  The Lua sources are compiled with these names in place of
 * theirs (firmware/meson.build), and nothing here touches memory outside
 * the caller's arguments.  The formatter is vm_format.c.  Limits, on
 * purpose: strtod reads decimal notation (within 1-2 ulp, not always
 * correctly rounded; hex floats are not numbers). */
#include "vm_format.h"

#include <stddef.h>
#include <stdint.h>

double lamp_vm_strtod(const char *s, char **end);
long long lamp_vm_time(long long *t);
long lamp_vm_clock(void);

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
    return sign * lamp_vm_scale10((double)mant, exp10);
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
