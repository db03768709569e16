/* firmware/app/telemetry_period.c: the telemetry period and its nvstore
 * record (telemetry_period.h, docs/formats.md#nvstore). */
#include "telemetry_period.h"

#include "hw.h"
#include "log.h"
#include "nv_record.h"
#include "telemetry_limits.h"
#include "uart.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RECORD_MAGIC 0x314D4C54u /* "TLM1" */

struct record {
    struct nv_record_head head;
    uint32_t period_s;
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");

/* A record whose CRC is good but whose period is out of bounds was written
 * by firmware with other bounds: the default is safer than either edge. */
static bool in_bounds(const void *p)
{
    const struct record *r = p;

    return r->period_s >= TELEMETRY_PERIOD_MIN_S && r->period_s <= TELEMETRY_PERIOD_MAX_S;
}

static const struct nv_record_area area = {
    .base = NVSTORE_TELEMETRY, .magic = RECORD_MAGIC, .size = sizeof(struct record),
    .check = in_bounds,
};

static uint32_t period_s = TELEMETRY_PERIOD_DEFAULT_S;

void telemetry_period_init(void)
{
    const struct record *r = nv_record_newest(&area);

    period_s = r ? r->period_s : TELEMETRY_PERIOD_DEFAULT_S;
}

uint32_t telemetry_period_s(void)
{
    return period_s;
}

int telemetry_period_set(uint32_t s, const char **why)
{
    static struct record r; /* SRAM, off the stack */
    static char text[64];
    uint32_t err;

    if (s < TELEMETRY_PERIOD_MIN_S || s > TELEMETRY_PERIOD_MAX_S) {
        snprintf(text, sizeof(text), "%lu s: the period is %u to %u s", (unsigned long)s,
                 TELEMETRY_PERIOD_MIN_S, TELEMETRY_PERIOD_MAX_S);
        *why = text;
        return -1;
    }
    r.period_s = s;
    if ((err = nv_record_save(&area, &r)) != 0) {
        snprintf(text, sizeof(text), "saving it failed (flash error 0x%02lx)", (unsigned long)err);
        *why = text;
        return -1;
    }
    period_s = s;
    LOG_INF("telemetry: every %lu s", (unsigned long)period_s);
    return 0;
}

void telemetry_period_print(void)
{
    char line[80];

    snprintf(line, sizeof(line), "telemetry: every %lu s (%u to %u; a new lamp %u)\n",
             (unsigned long)period_s, TELEMETRY_PERIOD_MIN_S, TELEMETRY_PERIOD_MAX_S,
             TELEMETRY_PERIOD_DEFAULT_S);
    uart_puts(line);
}
