/* emu/replay_log.c: the recording file (docs/formats.md#recording). */
#include "replay_log.h"
#include "machine.h" /* MACHINE_ERROR */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define HEADER_SIZE 16u        /* magic, version, reserved */
#define RECORD_HEAD_SIZE 16u   /* kind, length, instruction count */
#define RECORD_CRC_SIZE 4u

static const char *const kind_names[] = {
    [RR_START] = "start", [RR_END] = "end", [RR_CHECK] = "checkpoint", [RR_TIME] = "time",
    [RR_CONSOLE] = "console input", [RR_LIGHT_ENV] = "room", [RR_MOTION] = "motion",
    [RR_SENSOR_FAULT] = "sensor fault", [RR_POWER_CUT] = "power-cut injection",
    [RR_RNG_FAILURE] = "RNG failure injection", [RR_NET_FAULT] = "network fault",
    [RR_ENTROPY] = "host entropy", [RR_WALL_CLOCK] = "wall clock", [RR_NET_JOIN] = "WiFi join",
    [RR_NET_IO] = "socket ready", [RR_NET_DNS] = "DNS answer", [RR_NET_CALL] = "socket call",
    [RR_BLE] = "BLE central request", [RR_POWER] = "power",
};

const char *replay_kind_name(uint32_t kind)
{
    if (kind < G_N_ELEMENTS(kind_names) && kind_names[kind])
        return kind_names[kind];
    return "unknown record";
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* ---- writing ---- */

struct replay_log_writer {
    int fd;
    char *path;
    uint64_t bytes;
    GByteArray *buf;
};

static bool write_all(struct replay_log_writer *w, const uint8_t *p, size_t len, GError **error)
{
    while (len) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "recording %s: write: %s",
                        w->path, g_strerror(errno));
            return false;
        }
        p += n;
        len -= (size_t)n;
        w->bytes += (uint64_t)n;
    }
    return true;
}

struct replay_log_writer *replay_log_create(const char *path, GError **error)
{
    struct replay_log_writer *w = g_new0(struct replay_log_writer, 1);
    uint8_t head[HEADER_SIZE] = { 0 };

    w->path = g_strdup(path);
    w->buf = g_byte_array_new();
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "recording %s: cannot create (%s); pick another path", path,
                    g_strerror(errno));
        replay_log_close(w);
        return NULL;
    }
    memcpy(head, REPLAY_LOG_MAGIC, 8);
    put_le32(head + 8, REPLAY_LOG_VERSION);
    if (!write_all(w, head, sizeof(head), error)) {
        replay_log_close(w);
        return NULL;
    }
    return w;
}

bool replay_log_append(struct replay_log_writer *w, uint32_t kind, uint64_t icount,
                       const void *payload, size_t len, GError **error)
{
    uint8_t head[RECORD_HEAD_SIZE], crc_le[RECORD_CRC_SIZE];
    uLong crc;

    if (len > REPLAY_LOG_PAYLOAD_MAX) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "recording %s: a %s record of %zu bytes is over the %u-byte limit", w->path,
                    replay_kind_name(kind), len, REPLAY_LOG_PAYLOAD_MAX);
        return false;
    }
    put_le32(head, kind);
    put_le32(head + 4, (uint32_t)len);
    put_le64(head + 8, icount);
    crc = crc32(0, head, sizeof(head));
    crc = crc32(crc, payload, (uInt)len);
    put_le32(crc_le, (uint32_t)crc);
    /* One write per record: a crash leaves at worst the last one torn. */
    g_byte_array_set_size(w->buf, 0);
    g_byte_array_append(w->buf, head, sizeof(head));
    if (len)
        g_byte_array_append(w->buf, payload, (guint)len);
    g_byte_array_append(w->buf, crc_le, sizeof(crc_le));
    return write_all(w, w->buf->data, w->buf->len, error);
}

uint64_t replay_log_bytes(const struct replay_log_writer *w) { return w->bytes; }

void replay_log_close(struct replay_log_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    g_byte_array_unref(w->buf);
    g_free(w->path);
    g_free(w);
}

/* ---- reading ---- */

struct replay_log_reader {
    char *path;
    uint8_t *data;
    size_t size, pos;
};

struct replay_log_reader *replay_log_open(const char *path, GError **error)
{
    struct replay_log_reader *r = g_new0(struct replay_log_reader, 1);
    gsize size = 0;

    r->path = g_strdup(path);
    if (!g_file_get_contents(path, (char **)&r->data, &size, error)) {
        g_prefix_error(error, "recording: ");
        replay_log_close_reader(r);
        return NULL;
    }
    r->size = size;
    if (r->size < HEADER_SIZE || memcmp(r->data, REPLAY_LOG_MAGIC, 8) != 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "%s: not a lampsim recording (no %s magic)", path, REPLAY_LOG_MAGIC);
        replay_log_close_reader(r);
        return NULL;
    }
    if (get_le32(r->data + 8) != REPLAY_LOG_VERSION) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "%s: recording format version %u; this lampsim reads version %u only "
                    "(replay it with the lampsim that recorded it)", path,
                    get_le32(r->data + 8), REPLAY_LOG_VERSION);
        replay_log_close_reader(r);
        return NULL;
    }
    r->pos = HEADER_SIZE;
    return r;
}

enum replay_log_status replay_log_next(struct replay_log_reader *r,
                                       struct replay_log_record *out, GError **error)
{
    const uint8_t *p = r->data + r->pos;
    size_t left = r->size - r->pos, len;
    uLong crc;

    if (left == 0)
        return REPLAY_LOG_EOF;
    if (left < RECORD_HEAD_SIZE)
        return REPLAY_LOG_TRUNCATED;
    len = get_le32(p + 4);
    if (len > REPLAY_LOG_PAYLOAD_MAX) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "%s: record at offset %zu: length %zu is past the %u-byte limit (corrupted)",
                    r->path, r->pos, len, REPLAY_LOG_PAYLOAD_MAX);
        return REPLAY_LOG_CORRUPT;
    }
    if (left < RECORD_HEAD_SIZE + len + RECORD_CRC_SIZE)
        return REPLAY_LOG_TRUNCATED;
    crc = crc32(0, p, (uInt)(RECORD_HEAD_SIZE + len));
    if ((uint32_t)crc != get_le32(p + RECORD_HEAD_SIZE + len)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "%s: record at offset %zu (%s, %zu bytes): CRC mismatch (corrupted)",
                    r->path, r->pos, replay_kind_name(get_le32(p)), len);
        return REPLAY_LOG_CORRUPT;
    }
    *out = (struct replay_log_record){
        .kind = get_le32(p), .icount = get_le64(p + 8), .payload = p + RECORD_HEAD_SIZE,
        .len = len, .offset = r->pos,
    };
    r->pos += RECORD_HEAD_SIZE + len + RECORD_CRC_SIZE;
    return REPLAY_LOG_RECORD;
}

void replay_log_close_reader(struct replay_log_reader *r)
{
    if (!r)
        return;
    g_free(r->data);
    g_free(r->path);
    g_free(r);
}

/* ---- payloads ---- */

void replay_put_u32(GByteArray *b, uint32_t v)
{
    uint8_t p[4];
    put_le32(p, v);
    g_byte_array_append(b, p, 4);
}

void replay_put_u64(GByteArray *b, uint64_t v)
{
    uint8_t p[8];
    put_le64(p, v);
    g_byte_array_append(b, p, 8);
}

void replay_put_bytes(GByteArray *b, const void *p, size_t len)
{
    replay_put_u32(b, (uint32_t)len);
    if (len)
        g_byte_array_append(b, p, (guint)len);
}

static const uint8_t *take(struct replay_cursor *c, size_t n)
{
    const uint8_t *p = c->p;

    if (c->bad || c->left < n) {
        c->bad = true;
        return NULL;
    }
    c->p += n;
    c->left -= n;
    return p;
}

uint32_t replay_get_u32(struct replay_cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? get_le32(p) : 0;
}

uint64_t replay_get_u64(struct replay_cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p ? get_le64(p) : 0;
}

const uint8_t *replay_get_bytes(struct replay_cursor *c, size_t *len)
{
    uint32_t n = replay_get_u32(c);
    const uint8_t *p = c->bad ? NULL : take(c, n);

    *len = p ? n : 0;
    return p;
}
