/* sim/update_sender.c: sends an update image over a lamp's console. */
#include "update_sender.h"

#include "sim_error.h"

#include <stdio.h>
#include <string.h>

#define FRAME_DATA 1024u
#define MAX_RETRIES 5u
#define SOF 0xA5u

const struct transfer_kind TRANSFER_UPDATE = { "update", "update", "staged ", false };
const struct transfer_kind TRANSFER_APP_INSTALL = { "app install", "app install", "installed ", true };

struct update_sender {
    struct lamp *lamp;
    const struct transfer_kind *kind;
    GBytes *image;
    bool progress;
    update_done_fn done;
    gpointer user_data;
    enum update_state state;
    char *reason;
    guint seq;          /* frame being sent */
    gsize offset;       /* image bytes acknowledged */
    guint retries;
    bool send_pending;  /* send frame seq after this slice */
    unsigned last_decile;
};

static void finish(struct update_sender *s, enum update_state state, const char *reason)
{
    if (s->state >= UPDATE_STAGED)
        return;
    s->state = state;
    g_free(s->reason);
    s->reason = g_strdup(reason);
    if (s->done)
        s->done(s, state, reason, s->user_data);
}

/* CRC-32 (IEEE, as zlib), the lamp's frame check. */
static guint32 crc32_ieee(guint32 crc, const guint8 *p, gsize n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1u));
    }
    return ~crc;
}

static void send_frame(struct update_sender *s)
{
    gsize size, len;
    const guint8 *img = g_bytes_get_data(s->image, &size);
    guint8 frame[5 + FRAME_DATA + 4];
    guint32 crc;

    len = MIN(FRAME_DATA, size - s->offset);
    frame[0] = SOF;
    frame[1] = (guint8)s->seq;
    frame[2] = (guint8)(s->seq >> 8);
    frame[3] = (guint8)len;
    frame[4] = (guint8)(len >> 8);
    memcpy(frame + 5, img + s->offset, len);
    crc = crc32_ieee(0, frame + 1, 4 + len);
    for (int i = 0; i < 4; i++)
        frame[5 + len + i] = (guint8)(crc >> (8 * i));
    lamp_type(s->lamp, (const char *)frame, 5 + len + 4);
}

static void on_slice_end(struct lamp *lamp, gpointer user_data)
{
    struct update_sender *s = user_data;

    if (s->send_pending) {
        s->send_pending = false;
        send_frame(s);
    }
}

static void show_progress(struct update_sender *s, gsize size)
{
    unsigned decile = (unsigned)(s->offset * 10 / size);

    if (!s->progress || decile == s->last_decile)
        return;
    s->last_decile = decile;
    fprintf(stderr, "lampsim: %s: %zu of %zu bytes sent (%u %%)\n", s->kind->topic, s->offset,
            size, decile * 10);
}

static void on_ack(struct update_sender *s, guint seq)
{
    gsize size;

    g_bytes_get_data(s->image, &size);
    if (s->state != UPDATE_SENDING || seq != s->seq)
        return; /* a repeated ack for an old frame */
    if (s->offset == size) {
        s->state = UPDATE_CHECKING; /* the end frame was acknowledged */
        return;
    }
    s->offset += MIN(FRAME_DATA, size - s->offset);
    s->seq = (s->seq + 1) & 0xFFFF;
    s->retries = 0;
    s->send_pending = true;
    show_progress(s, size);
}

static void on_line(struct lamp *lamp, const char *line, gpointer user_data)
{
    struct update_sender *s = user_data;
    const char *rest;
    guint seq;

    if (!g_str_has_prefix(line, s->kind->topic) || !g_str_has_prefix(line + strlen(s->kind->topic), ": "))
        return;
    rest = line + strlen(s->kind->topic) + 2;
    if (g_str_has_prefix(rest, "ready")) {
        s->state = UPDATE_SENDING;
        s->send_pending = true;
    } else if (sscanf(rest, "ack %u", &seq) == 1) {
        on_ack(s, seq);
    } else if (sscanf(rest, "nak %u", &seq) == 1) {
        if (seq == s->seq && ++s->retries > MAX_RETRIES)
            finish(s, UPDATE_FAILED, "frame refused five times");
        else if (seq == s->seq)
            s->send_pending = true;
    } else if (g_str_has_prefix(rest, "abort ")) {
        finish(s, UPDATE_REFUSED, rest + strlen("abort "));
    } else if (g_str_has_prefix(rest, "refused: ")) {
        finish(s, UPDATE_REFUSED, rest + strlen("refused: "));
    } else if (g_str_has_prefix(rest, "cannot start: ")) {
        finish(s, UPDATE_FAILED, rest);
    } else if (g_str_has_prefix(rest, s->kind->accepted)) {
        finish(s, UPDATE_STAGED, rest);
    }
}

struct update_sender *update_sender_start(struct lamp *lamp, const char *path, bool progress,
                                          update_done_fn done, gpointer user_data,
                                          GError **error)
{
    return update_sender_start_kind(lamp, &TRANSFER_UPDATE, path, progress, done, user_data,
                                    error);
}

struct update_sender *update_sender_start_kind(struct lamp *lamp, const struct transfer_kind *kind,
                                               const char *path, bool progress,
                                               update_done_fn done, gpointer user_data,
                                               GError **error)
{
    g_autofree char *command = NULL;
    struct update_sender *s;
    gchar *data;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, error)) {
        g_prefix_error(error, "%s: ", kind->topic);
        return NULL;
    }
    if (len == 0) {
        g_free(data);
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "%s: %s is empty", kind->topic, path);
        return NULL;
    }
    s = g_new0(struct update_sender, 1);
    s->lamp = lamp;
    s->kind = kind;
    s->image = g_bytes_new_take(data, len);
    s->progress = progress;
    s->done = done;
    s->user_data = user_data;
    s->last_decile = 0;
    lamp_watch_lines(lamp, on_line, s);
    lamp_on_slice_end(lamp, on_slice_end, s);
    command = kind->with_length ? g_strdup_printf("%s %zu", kind->command, len)
                                : g_strdup(kind->command);
    lamp_queue_input_line(lamp, command);
    return s;
}

enum update_state update_sender_state(const struct update_sender *s) { return s->state; }
const char *update_sender_reason(const struct update_sender *s) { return s->reason; }

void update_sender_free(struct update_sender *s)
{
    if (!s)
        return;
    lamp_unwatch_lines(s->lamp, on_line, s);
    lamp_remove_slice_end(s->lamp, on_slice_end, s);
    g_bytes_unref(s->image);
    g_free(s->reason);
    g_free(s);
}
