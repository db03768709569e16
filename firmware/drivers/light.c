/* firmware/drivers/light.c: the light engine.  Its interrupt is level:
 * high while an enabled event is latched.  The handler masks it at the
 * engine and the main loop takes the events, which unmasks it. */
#include "light.h"
#include "hw.h"

static volatile bool woken;

void LIGHT_IRQHandler(void);
void LIGHT_IRQHandler(void)
{
    LIGHT_CTRL &= ~LIGHT_CTRL_IE;
    woken = true;
}

bool light_init(void)
{
    if (LIGHT_ID != LIGHT_ID_VALUE)
        return false;
    LIGHT_EVENTS = LIGHT_EV_ALL; /* what happened before we looked is read as state */
    LIGHT_INTEN = LIGHT_EV_ALL;
    LIGHT_CTRL |= LIGHT_CTRL_IE;
    NVIC_ISER0 = 1u << IRQ_LIGHT;
    return true;
}

void light_fade_to(uint32_t level, uint32_t cct_k, uint32_t fade_ms)
{
    if (level > LIGHT_LEVEL_FULL)
        level = LIGHT_LEVEL_FULL;
    if (cct_k < LIGHT_CCT_MIN_K)
        cct_k = LIGHT_CCT_MIN_K;
    if (cct_k > LIGHT_CCT_MAX_K)
        cct_k = LIGHT_CCT_MAX_K;
    if (fade_ms > LIGHT_FADE_MAX_MS)
        fade_ms = LIGHT_FADE_MAX_MS;
    LIGHT_TARGET_LEVEL = level;
    LIGHT_TARGET_CCT = cct_k;
    LIGHT_FADE = fade_ms;
}

void light_enable(bool on)
{
    uint32_t ctrl = LIGHT_CTRL;

    LIGHT_CTRL = on ? ctrl | LIGHT_CTRL_EN : ctrl & ~LIGHT_CTRL_EN;
}

bool light_report(struct light_report *out)
{
    /* A report the engine wrote has SNAPERR clear; a refused address
     * leaves this mark, without a second register access to find out. */
    out->status = LIGHT_STATUS_SNAPERR;
    __asm volatile("" ::: "memory");
    LIGHT_SNAPSHOT = (uint32_t)out;
    __asm volatile("" ::: "memory"); /* the engine wrote *out */
    return !(out->status & LIGHT_STATUS_SNAPERR);
}

uint32_t light_take_events(void)
{
    uint32_t ev = LIGHT_EVENTS;

    woken = false;
    LIGHT_EVENTS = ev;
    LIGHT_CTRL |= LIGHT_CTRL_IE;
    return ev;
}

bool light_pending(void)
{
    return woken;
}

void light_set_lux_window(uint32_t low_centi_lux, uint32_t high_centi_lux)
{
    LIGHT_LUX_LOW = low_centi_lux;
    LIGHT_LUX_HIGH = high_centi_lux;
}

void light_set_temp_limits(int32_t low_centi_c, int32_t high_centi_c)
{
    LIGHT_TEMP_LOW = (uint32_t)low_centi_c;
    LIGHT_TEMP_HIGH = (uint32_t)high_centi_c;
}

void light_set_pir_hold(uint32_t ms)
{
    if (ms < LIGHT_PIR_HOLD_MIN_MS)
        ms = LIGHT_PIR_HOLD_MIN_MS;
    if (ms > LIGHT_PIR_HOLD_MAX_MS)
        ms = LIGHT_PIR_HOLD_MAX_MS;
    LIGHT_PIR_HOLD = ms;
}
