/* sim/serve_events.c: Server-Sent Events (serve_events.h). */
#include "serve_events.h"

#include <cjson/cJSON.h>
#include <string.h>

struct client {
    struct serve_events *ev;
    SoupServerMessage *msg;
    char *serial;          /* NULL: every lamp */
    guint mask;
    gsize backlog;         /* bytes appended, not yet written */
    guint64 dropped;       /* events not sent since the last `dropped` */
};

struct serve_events {
    struct event_hub *hub;
    struct fleet *fleet;
    GPtrArray *clients;    /* struct client * */
    guint drain, keepalive;
    guint64 sent, dropped;
};

static void client_write(struct client *c, const char *text)
{
    gsize n = strlen(text);

    soup_message_body_append(soup_server_message_get_response_body(c->msg), SOUP_MEMORY_COPY, text, n);
    c->backlog += n;
    soup_server_message_unpause(c->msg);
}

static void client_event(struct client *c, const char *kind, const char *serial, const char *data)
{
    g_autoptr(GString) s = g_string_new(NULL);

    if (c->backlog > SERVE_EVENTS_BACKLOG) {
        c->dropped++;
        c->ev->dropped++;
        return;
    }
    if (c->dropped) {
        g_string_append_printf(s, "event: dropped\ndata: {\"dropped\":%" G_GUINT64_FORMAT "}\n\n",
                               c->dropped);
        c->dropped = 0;
    }
    g_string_append_printf(s, "event: %s\n", kind);
    /* SSE data lines: one per line of the payload (ours have none) */
    if (data && !strcmp(kind, "console")) {
        /* escaped as JSON by cJSON: g_strescape's octal escapes of
         * non-ASCII bytes ("\302\260") are no JSON */
        cJSON *o = cJSON_CreateObject();
        char *json;
        cJSON_AddStringToObject(o, "serial", serial);
        cJSON_AddStringToObject(o, "line", data);
        json = cJSON_PrintUnformatted(o);
        g_string_append_printf(s, "data: %s\n\n", json);
        cJSON_free(json);
        cJSON_Delete(o);
    } else if (data) {
        g_string_append_printf(s, "data: %s\n\n", data);
    } else {
        g_string_append_printf(s, "data: {\"serial\":\"%s\"}\n\n", serial);
    }
    client_write(c, s->str);
    c->ev->sent++;
}

static void client_free(struct client *c)
{
    for (unsigned k = 0; k < EVENT_KINDS; k++)
        if (c->mask & (1u << k))
            event_hub_listen(c->ev->hub, k, -1);
    g_signal_handlers_disconnect_by_data(c->msg, c);
    g_object_unref(c->msg);
    g_free(c->serial);
    g_free(c);
}

static void on_wrote_data(SoupServerMessage *msg, guint size, gpointer data)
{
    struct client *c = data;

    c->backlog = size > c->backlog ? 0 : c->backlog - size;
}

static void on_finished(SoupServerMessage *msg, gpointer data)
{
    struct client *c = data;

    g_ptr_array_remove(c->ev->clients, c); /* frees it */
}

static gboolean drain(gpointer data)
{
    struct serve_events *ev = data;
    guint64 dropped;
    g_autoptr(GPtrArray) events = event_hub_drain(ev->hub, &dropped);

    ev->dropped += dropped;
    for (guint i = 0; i < events->len; i++) {
        const struct hub_event *e = g_ptr_array_index(events, i);
        for (guint j = 0; j < ev->clients->len; j++) {
            struct client *c = g_ptr_array_index(ev->clients, j);
            if (!(c->mask & (1u << e->kind)) || (c->serial && strcmp(c->serial, e->serial)))
                continue;
            client_event(c, event_kind_name(e->kind), e->serial, e->data);
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean keepalive(gpointer data)
{
    struct serve_events *ev = data;

    for (guint j = 0; j < ev->clients->len; j++) {
        struct client *c = g_ptr_array_index(ev->clients, j);
        if (c->backlog <= SERVE_EVENTS_BACKLOG)
            client_write(c, ": keepalive\n\n");
    }
    return G_SOURCE_CONTINUE;
}

struct serve_events *serve_events_new(struct event_hub *hub, struct fleet *f)
{
    struct serve_events *ev = g_new0(struct serve_events, 1);

    ev->hub = hub;
    ev->fleet = f;
    ev->clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);
    ev->drain = g_timeout_add(100, drain, ev);
    ev->keepalive = g_timeout_add_seconds(SERVE_EVENTS_KEEPALIVE_S, keepalive, ev);
    return ev;
}

void serve_events_free(struct serve_events *ev)
{
    if (!ev)
        return;
    g_source_remove(ev->drain);
    g_source_remove(ev->keepalive);
    /* each stream ends; "finished" may not come before the server goes */
    while (ev->clients->len) {
        struct client *c = g_ptr_array_steal_index(ev->clients, ev->clients->len - 1);
        soup_message_body_complete(soup_server_message_get_response_body(c->msg));
        soup_server_message_unpause(c->msg);
        client_free(c);
    }
    g_ptr_array_unref(ev->clients);
    g_free(ev);
}

void serve_events_attach(struct serve_events *ev, SoupServerMessage *msg, const char *serial,
                         guint mask)
{
    struct client *c = g_new0(struct client, 1);
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

    c->ev = ev;
    c->msg = g_object_ref(msg);
    c->serial = g_strdup(serial);
    c->mask = mask;
    for (unsigned k = 0; k < EVENT_KINDS; k++)
        if (mask & (1u << k))
            event_hub_listen(ev->hub, k, +1);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    soup_message_headers_set_content_type(h, "text/event-stream", NULL);
    soup_message_headers_replace(h, "Cache-Control", "no-cache");
    soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
    soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
    g_signal_connect(msg, "wrote-body-data", G_CALLBACK(on_wrote_data), c);
    g_signal_connect(msg, "finished", G_CALLBACK(on_finished), c);
    g_ptr_array_add(ev->clients, c);
    client_write(c, ": lampsim event stream (docs/api.md#events)\n\n");
    if (serial && (mask & (1u << EVENT_TWIN))) {
        struct twin_record rec;
        gint i = fleet_find(ev->fleet, serial);
        if (i >= 0 && fleet_twin_get(ev->fleet, (guint)i, &rec)) {
            g_autofree char *json = twin_to_json(&rec);
            client_event(c, "twin", serial, json);
        }
    }
}

guint serve_events_clients(struct serve_events *ev) { return ev->clients->len; }
guint64 serve_events_sent(struct serve_events *ev) { return ev->sent; }
guint64 serve_events_dropped(struct serve_events *ev)
{
    return ev->dropped + event_hub_dropped_total(ev->hub);
}
