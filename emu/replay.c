/* emu/replay.c: replaying a recording (docs/debugging.md#record-and-replay).
 * Inputs are applied between runs at the instruction count they were
 * recorded at: machine_run stops only between translation blocks, at a
 * WFI or at an event, and every input was recorded at such a point (between
 * two machine_run calls), so running the difference as the budget stops
 * exactly there; a run that passes it has diverged. */
#include "machine_internal.h"
#include "record.h"
#include "replay.h"
#include "rr.h"

#include <inttypes.h>
#include <string.h>
#include <zlib.h>

struct replayer {
    struct replay_log_reader *log;
    struct machine *m;
    struct replay_start start;
    GQueue answers;                 /* struct replay_log_record *, before next */
    struct replay_log_record next;  /* the next input */
    bool have_next;
    enum replay_state state;
    GString *msg;
    uint64_t inputs;
    replay_run_fn run;              /* NULL: machine_run */
    void *run_user;
};

static bool is_answer(uint32_t kind)
{
    return kind == RR_ENTROPY || kind == RR_WALL_CLOCK || kind == RR_NET_JOIN ||
           kind == RR_NET_CALL;
}

static void set_state(struct replayer *rp, enum replay_state st, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void set_state(struct replayer *rp, enum replay_state st, const char *fmt, ...)
{
    va_list ap;

    if (rp->state != REPLAY_RUNNING)
        return;
    rp->state = st;
    g_string_truncate(rp->msg, 0);
    va_start(ap, fmt);
    g_string_append_vprintf(rp->msg, fmt, ap);
    va_end(ap);
    if (rp->m && st != REPLAY_DONE) {
        rp->m->rr_halt = true;
        machine_stop_cpu(rp->m);
    }
}

#define diverge(rp, ...) set_state(rp, REPLAY_DIVERGED, __VA_ARGS__)

void rr_diverged(struct machine *m, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    if (!m->replayer)
        return;
    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    diverge(m->replayer, "at instruction %" PRIu64 ": %s", m->icount, what);
}

/* Reads the log up to the next input, queueing the answers before it. */
static bool fill_next(struct replayer *rp)
{
    g_autoptr(GError) error = NULL;
    struct replay_log_record rec;

    while (!rp->have_next && rp->state == REPLAY_RUNNING) {
        switch (replay_log_next(rp->log, &rec, &error)) {
        case REPLAY_LOG_RECORD:
            if (is_answer(rec.kind))
                g_queue_push_tail(&rp->answers, g_memdup2(&rec, sizeof(rec)));
            else {
                rp->next = rec;
                rp->have_next = true;
            }
            break;
        case REPLAY_LOG_EOF:
        case REPLAY_LOG_TRUNCATED:
            set_state(rp, REPLAY_CUT_SHORT,
                      "the recording stops at instruction %" PRIu64 " without its end record "
                      "(the recorded run was cut short); replayed identically up to there",
                      rp->m->icount);
            return false;
        case REPLAY_LOG_CORRUPT:
            set_state(rp, REPLAY_BAD_FILE, "%s", error->message);
            return false;
        }
    }
    return rp->have_next;
}

const uint8_t *replay_take_answer(struct machine *m, uint32_t kind, size_t *len)
{
    struct replayer *rp = m->replayer;
    g_autofree struct replay_log_record *rec = NULL;
    struct replay_log_record r;
    g_autoptr(GError) error = NULL;

    *len = 0;
    if (rp->state != REPLAY_RUNNING)
        return NULL;
    rec = g_queue_pop_head(&rp->answers);
    if (!rec && !rp->have_next) {
        /* An input being applied: its answers follow it. */
        enum replay_log_status st = replay_log_next(rp->log, &r, &error);
        if (st == REPLAY_LOG_RECORD && is_answer(r.kind))
            rec = g_memdup2(&r, sizeof(r));
        else if (st == REPLAY_LOG_RECORD) {
            rp->next = r;
            rp->have_next = true;
        }
    }
    if (!rec) {
        diverge(rp, "at instruction %" PRIu64 ": the lamp asked the host for %s, which the "
                "recording does not have here%s%s", m->icount, replay_kind_name(kind),
                rp->have_next ? "; its next record is " : "",
                rp->have_next ? replay_kind_name(rp->next.kind) : "");
        return NULL;
    }
    if (rec->kind != kind) {
        diverge(rp, "at instruction %" PRIu64 ": the lamp asked the host for %s, the recording "
                "has %s (recorded at instruction %" PRIu64 ")", m->icount, replay_kind_name(kind),
                replay_kind_name(rec->kind), rec->icount);
        return NULL;
    }
    *len = rec->len;
    return rec->payload;
}

/* ---- the start record ---- */

static GBytes *get_compressed(struct replay_cursor *c, size_t want, const char *what,
                              GError **error)
{
    size_t size = replay_get_u32(c), zlen;
    const uint8_t *z = replay_get_bytes(c, &zlen);
    uLongf out_len = (uLongf)size;
    g_autofree uint8_t *out = NULL;

    if (c->bad || size != want) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording: start record: %s of %zu bytes (this lampsim's is %zu)", what,
                    size, want);
        return NULL;
    }
    out = g_malloc(size);
    if (uncompress(out, &out_len, z, (uLong)zlen) != Z_OK || out_len != size) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording: start record: the %s image does not decompress (corrupted)",
                    what);
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&out), size);
}

static double get_double(struct replay_cursor *c)
{
    uint64_t v = replay_get_u64(c);
    double d;
    memcpy(&d, &v, sizeof(d));
    return d;
}

void replay_get_env(struct replay_cursor *c, struct machine_light_env *env)
{
    env->daylight_lux = get_double(c);
    env->occupied = replay_get_u32(c) != 0;
    env->ambient_temp_c = get_double(c);
}

static bool read_start(struct replayer *rp, GError **error)
{
    struct replay_log_record rec;
    struct replay_cursor c;
    struct replay_start *s = &rp->start;
    const uint8_t *p;
    size_t len;

    if (replay_log_next(rp->log, &rec, error) != REPLAY_LOG_RECORD || rec.kind != RR_START) {
        if (error && !*error)
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                        "recording: it does not begin with a whole start record");
        return false;
    }
    c = (struct replay_cursor){ rec.payload, rec.len, false };
    s->time_mode = replay_get_u32(&c);
    s->rng_seeded = replay_get_u32(&c) != 0;
    s->seed = replay_get_u64(&c);
    s->variant = replay_get_u32(&c);
    replay_get_env(&c, &s->env);
    p = replay_get_bytes(&c, &len);
    s->name = g_strndup((const char *)p, len);
    if (!(s->flash = get_compressed(&c, FLASH_SIZE, "flash", error)) ||
        !(s->otp = get_compressed(&c, OTP_SIZE, "OTP", error)))
        return false;
    p = replay_get_bytes(&c, &len);
    if (c.bad || len != 32 || s->time_mode > MACHINE_TIME_DETERMINISTIC) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording: start record: malformed");
        return false;
    }
    memcpy(s->hash, p, 32);
    return true;
}

struct replay *replay_open(const char *path, GError **error)
{
    struct replayer *rp = g_new0(struct replayer, 1);

    rp->msg = g_string_new("replaying");
    g_queue_init(&rp->answers);
    rp->log = replay_log_open(path, error);
    if (!rp->log || !read_start(rp, error)) {
        replay_free((struct replay *)rp);
        return NULL;
    }
    return (struct replay *)rp;
}

const struct replay_start *replay_get_start(const struct replay *rp)
{
    return &((const struct replayer *)rp)->start;
}

bool replay_attach(struct replay *r, struct machine *m, GError **error)
{
    struct replayer *rp = (struct replayer *)r;
    uint8_t hash[32];

    if (m->powered || m->recorder || m->replayer || rp->m) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "replay: the machine must be new and powered off");
        return false;
    }
    record_flash_hash(m, hash);
    if (memcmp(hash, rp->start.hash, sizeof(hash)) != 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "replay: the lamp's flash and OTP are not the recording's starting ones "
                    "(SHA-256 differs)");
        return false;
    }
    rp->m = m;
    m->replayer = rp;
    m->deadline_valid = false;
    return true;
}

/* ---- comparing ---- */

static void compare_state(struct replayer *rp, const struct replay_log_record *rec,
                          struct replay_cursor *c)
{
    struct machine *m = rp->m;
    g_autoptr(GByteArray) now = g_byte_array_new();
    struct replay_cursor mine;
    uint32_t pc, rpc;
    uint64_t ns, rns, bytes, rbytes, hash, rhash;

    record_state(m, now);
    mine = (struct replay_cursor){ now->data, now->len, false };
    pc = replay_get_u32(&mine), rpc = replay_get_u32(c);
    ns = replay_get_u64(&mine), rns = replay_get_u64(c);
    bytes = replay_get_u64(&mine), rbytes = replay_get_u64(c);
    hash = replay_get_u64(&mine), rhash = replay_get_u64(c);
    if (c->bad)
        set_state(rp, REPLAY_BAD_FILE, "recording: %s record at offset %zu: malformed",
                  replay_kind_name(rec->kind), rec->offset);
    else if (pc != rpc)
        diverge(rp, "at instruction %" PRIu64 ": PC 0x%08x, recorded 0x%08x", m->icount, pc, rpc);
    else if (bytes != rbytes || hash != rhash)
        diverge(rp, "at instruction %" PRIu64 ": console output differs (%" PRIu64
                " bytes so far, recorded %" PRIu64 "%s)", m->icount, bytes, rbytes,
                bytes == rbytes ? ", same length, other bytes" : "");
    else if (ns != rns)
        diverge(rp, "at instruction %" PRIu64 ": virtual time %" PRIu64 " ns, recorded %" PRIu64
                " ns", m->icount, ns, rns);
}

static void compare_end(struct replayer *rp, const struct replay_log_record *rec,
                        struct replay_cursor *c)
{
    uint8_t hash[32];
    const uint8_t *rhash;
    size_t len;

    compare_state(rp, rec, c);
    rhash = replay_get_bytes(c, &len);
    if (rp->state != REPLAY_RUNNING)
        return;
    record_flash_hash(rp->m, hash);
    if (!rhash || len != 32) {
        set_state(rp, REPLAY_BAD_FILE, "recording: end record malformed");
    } else if (memcmp(hash, rhash, 32) != 0) {
        diverge(rp, "at the end (instruction %" PRIu64 "): flash and OTP differ from the "
                "recorded run's (SHA-256)", rp->m->icount);
    } else {
        set_state(rp, REPLAY_DONE, "replay matched the recording: %" PRIu64 " instructions, "
                  "%" PRIu64 " inputs, %" PRIu64 " console bytes, flash+OTP SHA-256 "
                  "%02x%02x%02x%02x%02x%02x%02x%02x... as recorded", rp->m->icount, rp->inputs,
                  rp->m->console_bytes, hash[0], hash[1], hash[2], hash[3], hash[4], hash[5],
                  hash[6], hash[7]);
    }
}

/* ---- applying inputs ---- */

static void apply(struct replayer *rp, const struct replay_log_record *rec)
{
    struct machine *m = rp->m;
    struct replay_cursor c = { rec->payload, rec->len, false };
    struct machine_light_env env;
    uint64_t v;
    uint32_t a;

    rp->inputs++;
    switch (rec->kind) {
    case RR_CHECK: compare_state(rp, rec, &c); return;
    case RR_END: compare_end(rp, rec, &c); return;
    case RR_TIME:
        v = replay_get_u64(&c);
        if (!c.bad)
            machine_time_set_skipped(m, v);
        break;
    case RR_CONSOLE: uart_rx_push(m->uart, rec->payload, rec->len); return;
    case RR_LIGHT_ENV:
        replay_get_env(&c, &env);
        if (!c.bad && !machine_light_set_env(m, &env, NULL))
            diverge(rp, "at instruction %" PRIu64 ": the recorded room is out of range",
                    m->icount);
        break;
    case RR_MOTION: machine_light_motion(m); return;
    case RR_SENSOR_FAULT:
        a = replay_get_u32(&c);
        v = replay_get_u32(&c);
        if (!c.bad && a < MACHINE_LIGHT_SENSORS)
            machine_light_set_sensor_fault(m, a, (enum machine_light_fault)v);
        break;
    case RR_POWER_CUT:
        v = replay_get_u64(&c);
        a = replay_get_u32(&c);
        if (!c.bad)
            machine_inject_power_cut(m, v, a != 0);
        break;
    case RR_RNG_FAILURE: machine_inject_rng_failure(m); return;
    case RR_NET_FAULT:
        a = replay_get_u32(&c);
        v = replay_get_u32(&c);
        if (!c.bad)
            machine_net_fault(m, a, (uint32_t)v);
        break;
    case RR_NET_IO:
    case RR_NET_DNS:
        net_replay_input(m->net, rec->kind, &c);
        break;
    case RR_BLE:
        ble_replay_input(m->ble, &c);
        break;
    case RR_POWER:
        if (replay_get_u32(&c))
            machine_power_on(m);
        else
            machine_power_off(m, "power off (recorded)");
        break;
    default:
        set_state(rp, REPLAY_BAD_FILE, "recording: record at offset %zu: %s (kind %u) is not "
                  "an input this lampsim knows", rec->offset, replay_kind_name(rec->kind),
                  rec->kind);
        return;
    }
    if (c.bad)
        set_state(rp, REPLAY_BAD_FILE, "recording: %s record at offset %zu: malformed",
                  replay_kind_name(rec->kind), rec->offset);
}

void replay_set_runner(struct replay *r, replay_run_fn run, void *user)
{
    struct replayer *rp = (struct replayer *)r;

    rp->run = run;
    rp->run_user = user;
}

enum replay_state replay_step(struct replay *r, uint64_t max_insns)
{
    struct replayer *rp = (struct replayer *)r;
    struct machine *m = rp->m;
    uint64_t left = max_insns;

    while (rp->state == REPLAY_RUNNING && fill_next(rp)) {
        if (m->icount == rp->next.icount) {
            struct replay_log_record rec = rp->next;
            if (!g_queue_is_empty(&rp->answers)) {
                diverge(rp, "at instruction %" PRIu64 ": the recording has %u host answers "
                        "(first: %s) the lamp did not ask for before this %s", m->icount,
                        g_queue_get_length(&rp->answers),
                        replay_kind_name(((struct replay_log_record *)
                                          g_queue_peek_head(&rp->answers))->kind),
                        replay_kind_name(rec.kind));
                break;
            }
            rp->have_next = false;
            apply(rp, &rec);
            continue;
        }
        if (m->icount > rp->next.icount) {
            diverge(rp, "at instruction %" PRIu64 ": the lamp ran past instruction %" PRIu64
                    ", where the recording has %s", m->icount, rp->next.icount,
                    replay_kind_name(rp->next.kind));
            break;
        }
        if (left == 0)
            break;
        enum machine_state st = machine_state(m);
        if (st == MACHINE_HALTED)
            break; /* a debugger holds it: the run goes on when it lets go */
        if (st != MACHINE_RUNNABLE) {
            diverge(rp, "at instruction %" PRIu64 ": the lamp is %s, but the recording has it "
                    "run on to %s at instruction %" PRIu64, m->icount,
                    st == MACHINE_SLEEPING ? "asleep" : st == MACHINE_OFF ? "off" : "locked up",
                    replay_kind_name(rp->next.kind), rp->next.icount);
            break;
        }
        uint64_t before = m->icount, n = MIN(left, rp->next.icount - m->icount);
        if (rp->run)
            rp->run(rp->run_user, n);
        else
            machine_run(m, n);
        left -= MIN(left, m->icount - before);
        if (m->icount == before && machine_state(m) == MACHINE_RUNNABLE)
            left = 0; /* nothing ran (a divergence stopped it): come back */
    }
    return rp->state;
}

const char *replay_message(const struct replay *rp)
{
    return ((const struct replayer *)rp)->msg->str;
}

uint64_t replay_inputs_applied(const struct replay *rp)
{
    return ((const struct replayer *)rp)->inputs;
}

void replay_free(struct replay *r)
{
    struct replayer *rp = (struct replayer *)r;

    if (!rp)
        return;
    if (rp->m)
        rp->m->replayer = NULL;
    g_queue_clear_full(&rp->answers, g_free);
    replay_log_close_reader(rp->log);
    g_free(rp->start.name);
    if (rp->start.flash)
        g_bytes_unref(rp->start.flash);
    if (rp->start.otp)
        g_bytes_unref(rp->start.otp);
    g_string_free(rp->msg, TRUE);
    g_free(rp);
}
