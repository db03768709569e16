/* emu/rr.c: the seam between the models and record/replay (rr.h), and the
 * host answers every model takes through it. */
#include "machine_internal.h"
#include "record.h"
#include "rr.h"

#include <string.h>
#include <sys/random.h>

bool rr_recording(const struct machine *m) { return m->recorder != NULL; }
bool rr_replaying(const struct machine *m) { return m->replayer != NULL; }

void rr_note_input(struct machine *m, uint32_t kind, const void *p, size_t len)
{
    if (m->recorder)
        record_input(m, kind, p, len);
}

void rr_note_answer(struct machine *m, uint32_t kind, const void *p, size_t len)
{
    if (m->recorder)
        record_answer(m, kind, p, len);
}

const uint8_t *rr_take_answer(struct machine *m, uint32_t kind, size_t *len)
{
    return replay_take_answer(m, kind, len);
}

bool rr_host_entropy(struct machine *m, void *buf, size_t len)
{
    const uint8_t *p;
    size_t got;

    if (m->replayer) {
        p = rr_take_answer(m, RR_ENTROPY, &got);
        if (!p || got != len)
            return false;
        memcpy(buf, p, len);
        return true;
    }
    if (getrandom(buf, len, 0) != (ssize_t)len)
        return false;
    rr_note_answer(m, RR_ENTROPY, buf, len);
    return true;
}

static uint64_t live_wall_ns(void *arg)
{
    return (uint64_t)g_get_real_time() * 1000;
}

uint64_t rr_host_wall_ns(struct machine *m)
{
    return rr_host_number(m, RR_WALL_CLOCK, 8, live_wall_ns, NULL);
}

uint64_t rr_host_number(struct machine *m, uint32_t kind, unsigned width,
                        uint64_t (*live)(void *), void *arg)
{
    uint8_t p[8];
    const uint8_t *r;
    size_t len;
    uint64_t v = 0;

    if (m->replayer) {
        r = rr_take_answer(m, kind, &len);
        for (size_t i = len; r && len == width && i-- > 0;)
            v = v << 8 | r[i];
        return v;
    }
    v = live(arg);
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    rr_note_answer(m, kind, p, width);
    return v;
}
