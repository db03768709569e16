/* firmware/lib/version_text.c: version_text.h. */
#include "version_text.h"

#include <stdio.h>

void version_text(uint32_t v, char *out, size_t cap)
{
    snprintf(out, cap, "%lu.%lu.%lu", (unsigned long)((v >> 16) & 0xFF),
             (unsigned long)((v >> 8) & 0xFF), (unsigned long)(v & 0xFF));
}
