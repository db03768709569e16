/* emu/record.c: recording a machine's run (docs/debugging.md#record-and-replay):
 * the starting flash and OTP, then every input and host answer as it
 * happens, checkpoints, and the final hashes (docs/formats.md#recording);
 * and the clock of a recorded realtime lamp, which counts instructions,
 * kept on the host's (catch-ups recorded, a lamp ahead paced). */
#include "machine_internal.h"
#include "record.h"
#include "rr.h"

#include <string.h>
#include <zlib.h>

struct recorder {
    struct replay_log_writer *log;
    GError *error;             /* the first write that failed: recording stopped */
    uint64_t last_check;       /* icount of the last checkpoint */
};

static void pace_done(void *opaque);

/* Compressed copy of [p, p + len): erased flash is mostly 0xFF. */
static bool put_compressed(GByteArray *b, const uint8_t *p, size_t len, GError **error)
{
    uLongf zlen = compressBound((uLong)len);
    g_autofree uint8_t *z = g_malloc(zlen);

    if (compress2(z, &zlen, p, (uLong)len, 6) != Z_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "recording: compressing %zu bytes of lamp memory failed", len);
        return false;
    }
    replay_put_u32(b, (uint32_t)len);
    replay_put_bytes(b, z, zlen);
    return true;
}

static uint64_t double_bits(double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    return v;
}

void record_put_env(GByteArray *b, const struct machine_light_env *env)
{
    replay_put_u64(b, double_bits(env->daylight_lux));
    replay_put_u32(b, env->occupied);
    replay_put_u64(b, double_bits(env->ambient_temp_c));
}

void record_flash_hash(struct machine *m, uint8_t out[32])
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize len = 32;

    g_checksum_update(sum, m->flash, FLASH_SIZE);
    g_checksum_update(sum, m->otp, OTP_SIZE);
    g_checksum_get_digest(sum, out, &len);
}

/* The lamp as it is now, before power on: what replay starts from. */
static bool write_start(struct machine *m, GError **error)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    struct machine_light_env env;
    uint8_t hash[32];

    machine_light_get_env(m, &env);
    replay_put_u32(b, m->cfg.time_mode);
    replay_put_u32(b, m->cfg.rng_seeded);
    replay_put_u64(b, m->cfg.seed);
    replay_put_u32(b, flashctl_variant(m->flashctl));
    record_put_env(b, &env);
    replay_put_bytes(b, m->name, strlen(m->name));
    if (!put_compressed(b, m->flash, FLASH_SIZE, error) ||
        !put_compressed(b, m->otp, OTP_SIZE, error))
        return false;
    record_flash_hash(m, hash);
    replay_put_bytes(b, hash, sizeof(hash));
    return replay_log_append(m->recorder->log, RR_START, m->icount, b->data, b->len, error);
}

bool machine_record_start(struct machine *m, const char *path, GError **error)
{
    struct recorder *rec;

    if (m->recorder || m->replayer || m->powered) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording %s: %s", path,
                    m->powered ? "the lamp is already running (record from power on)"
                               : "this lamp is already being recorded or replayed");
        return false;
    }
    if (m->cfg.wall_clock_s) {
        /* The recording's start does not carry it: a replay would differ. */
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording %s: a lamp whose RTC starts at a set time cannot be recorded", path);
        return false;
    }
    rec = g_new0(struct recorder, 1);
    rec->log = replay_log_create(path, error);
    if (!rec->log) {
        g_free(rec);
        return false;
    }
    m->recorder = rec;
    if (m->cfg.time_mode == MACHINE_TIME_REALTIME)
        m->pace_timer = machine_timer_new(m, pace_done, m);
    if (!write_start(m, error)) {
        g_clear_pointer(&m->pace_timer, machine_timer_free);
        replay_log_close(rec->log);
        g_free(rec);
        m->recorder = NULL;
        return false;
    }
    return true;
}

static void append(struct machine *m, uint32_t kind, const void *p, size_t len)
{
    struct recorder *rec = m->recorder;

    if (rec->error)
        return;
    if (!replay_log_append(rec->log, kind, m->icount, p, len, &rec->error))
        machine_log(m, MACHINE_LOG_INFO, "recording stopped: %s", rec->error->message);
}

void record_input(struct machine *m, uint32_t kind, const void *p, size_t len)
{
    /* Replay applies inputs between runs only (replay.c). */
    if (m->in_run)
        machine_log(m, MACHINE_LOG_UNIMP, "recording: a %s arrived while the lamp ran, "
                    "between two instructions replay cannot stop at: the replay will diverge "
                    "there", replay_kind_name(kind));
    append(m, kind, p, len);
}

void record_answer(struct machine *m, uint32_t kind, const void *p, size_t len)
{
    append(m, kind, p, len);
}

void record_state(struct machine *m, GByteArray *b)
{
    core_enter(m->core, m);
    replay_put_u32(b, cpu_reg(m, UC_ARM_REG_PC));
    replay_put_u64(b, machine_now_ns(m));
    replay_put_u64(b, m->console_bytes);
    replay_put_u64(b, m->console_hash);
}

void record_slice_end(struct machine *m)
{
    g_autoptr(GByteArray) b = NULL;

    if (m->icount - m->recorder->last_check < RECORD_CHECK_INSNS || !m->powered)
        return;
    m->recorder->last_check = m->icount;
    b = g_byte_array_new();
    record_state(m, b);
    append(m, RR_CHECK, b->data, b->len);
}

void record_time_jumped(struct machine *m)
{
    uint8_t p[8];

    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(m->sleep_skipped_ns >> (8 * i));
    append(m, RR_TIME, p, sizeof(p));
}

static uint64_t host_ns(struct machine *m)
{
    gint64 us = g_get_monotonic_time() - m->poweron_host_us - m->host_lag_us;

    return us > 0 ? (uint64_t)us * 1000 : 0;
}

/* The host has reached the paced lamp's time: it runs on.  (No effect the
 * guest sees: replay has no pacing and needs none.) */
static void pace_done(void *opaque)
{
    struct machine *m = opaque;

    m->paced = false;
    if (m->state == MACHINE_SLEEPING && !m->sleeping) {
        m->state = MACHINE_RUNNABLE;
        /* The wait was the lamp's own, not the host's lateness: were it
         * taken off the clock (absorb_host_lag), the host would never
         * catch up. */
        m->last_slice_end_us = g_get_monotonic_time();
    }
}

bool record_pace(struct machine *m)
{
    uint64_t now = machine_now_ns(m);

    if (!m->pace_timer || !m->powered || now <= host_ns(m) + RECORD_PACE_LEAD_NS)
        return false;
    /* A deadline at the lamp's own time: the scheduler wakes it when the
     * host clock gets there (machine_next_deadline_host_us). */
    m->paced = true;
    machine_timer_arm(m->pace_timer, now);
    return true;
}

/* Realtime: the lamp's clock counts instructions while it runs, and
 * catches up with the host only here, each catch-up an input. */
void record_resync(struct machine *m, uint64_t min_ns)
{
    uint64_t host = host_ns(m), now = machine_now_ns(m);

    if (m->cfg.time_mode != MACHINE_TIME_REALTIME || !m->powered || host <= now + min_ns)
        return;
    m->sleep_skipped_ns += host - now;
    m->deadline_valid = false;
    record_time_jumped(m);
}

bool machine_record_finish(struct machine *m, GError **error)
{
    struct recorder *rec = m->recorder;
    g_autoptr(GByteArray) b = g_byte_array_new();
    uint8_t hash[32];
    bool ok;

    if (!rec)
        return true;
    record_state(m, b);
    record_flash_hash(m, hash);
    replay_put_bytes(b, hash, sizeof(hash));
    append(m, RR_END, b->data, b->len);
    ok = rec->error == NULL;
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&rec->error));
    replay_log_close(rec->log);
    g_free(rec);
    m->recorder = NULL;
    g_clear_pointer(&m->pace_timer, machine_timer_free);
    if (m->paced)
        pace_done(m);
    return ok;
}

uint64_t machine_record_bytes(const struct machine *m)
{
    return m->recorder ? replay_log_bytes(m->recorder->log) : 0;
}

void record_free(struct machine *m)
{
    if (!m->recorder)
        return;
    g_clear_error(&m->recorder->error);
    replay_log_close(m->recorder->log);
    g_clear_pointer(&m->recorder, g_free);
    g_clear_pointer(&m->pace_timer, machine_timer_free);
}
