/* emu/wdt.c: the watchdog (docs/hardware.md#wdt): once enabled it cannot
 * be stopped, and if not kicked in time it resets the lamp. */
#include "periph.h"
#include "wdt_hw.h"
#include "machine_internal.h"

struct wdt {
    struct machine *m;
    uint32_t cr, load;
    uint64_t kicked_ns;
    struct machine_timer *timer;
};

static void wdt_kick(struct wdt *w)
{
    w->kicked_ns = machine_now_ns(w->m);
    if (w->cr & WDT_CR_EN)
        machine_timer_arm(w->timer, w->kicked_ns + (uint64_t)w->load * 1000000ull);
}

static void wdt_fire(void *opaque)
{
    struct wdt *w = opaque;
    /* where the lamp was: what a firmware developer asks first */
    machine_log(w->m, MACHINE_LOG_INFO, "wdt: not kicked for %u ms (pc 0x%08x): resetting",
                w->load, cpu_reg(w->m, UC_ARM_REG_PC));
    machine_request_reset(w->m, MACHINE_RESET_WDT);
}

static void *wdt_new(struct machine *m, GError **error)
{
    struct wdt *w = g_new0(struct wdt, 1);
    w->m = m;
    w->timer = machine_timer_new(m, wdt_fire, w);
    w->load = WDT_LOAD_RESET_MS;
    return w;
}

static uint32_t wdt_read(void *opaque, uint32_t offset, unsigned size)
{
    struct wdt *w = opaque;

    switch (offset) {
    case WDT_REG_CR: return w->cr;
    case WDT_REG_LOAD: return w->load;
    case WDT_REG_KICK: return 0;
    case WDT_REG_VALUE: {
        if (!(w->cr & WDT_CR_EN))
            return w->load;
        uint64_t ms = (machine_now_ns(w->m) - w->kicked_ns) / 1000000ull;
        return ms >= w->load ? 0 : w->load - (uint32_t)ms;
    }
    }
    machine_log(w->m, MACHINE_LOG_GUEST_ERROR, "wdt: read of 0x%03x", offset);
    return 0;
}

static void wdt_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct wdt *w = opaque;

    switch (offset) {
    case WDT_REG_CR:
        if ((w->cr & WDT_CR_EN) && !(value & WDT_CR_EN))
            machine_log(w->m, MACHINE_LOG_GUEST_ERROR, "wdt: cannot be disabled once enabled");
        if (!(w->cr & WDT_CR_EN) && (value & WDT_CR_EN)) {
            w->cr |= WDT_CR_EN;
            wdt_kick(w);
        }
        return;
    case WDT_REG_LOAD:
        w->load = value ? value : 1;
        return;
    case WDT_REG_KICK:
        if (value == WDT_KICK_KEY)
            wdt_kick(w);
        else
            machine_log(w->m, MACHINE_LOG_GUEST_ERROR, "wdt: KICK with wrong key 0x%08x", value);
        return;
    }
    machine_log(w->m, MACHINE_LOG_GUEST_ERROR, "wdt: write to 0x%03x", offset);
}

static void wdt_reset(void *opaque, uint32_t cause)
{
    struct wdt *w = opaque;
    w->cr = 0;
    w->load = WDT_LOAD_RESET_MS;
    machine_timer_cancel(w->timer);
}

static void wdt_free(void *opaque)
{
    struct wdt *w = opaque;
    machine_timer_free(w->timer);
    g_free(w);
}

const struct periph_ops wdt_ops = {
    .create = wdt_new,
    .name = "wdt", .read = wdt_read, .write = wdt_write, .reset = wdt_reset, .free = wdt_free,
};
