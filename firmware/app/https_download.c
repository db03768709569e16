/* firmware/app/https_download.c: see https_download.h.  Every step prints
 * a "<topic>:" console line (the sink's topic); the sink reports status to
 * the cloud. */
#include "https_download.h"

#include "backoff.h"
#include "clock.h"
#include "log.h"
#include "netmgr.h"
#include "tls_dial.h"
#include "uart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOWNLOAD_SOCK 1
#define RESPONSE_TIMEOUT_MS 30000u /* also: no body bytes for this long */
#define MAX_ATTEMPTS 8u
#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS 30000u

enum state {
    D_IDLE, D_WAIT, D_DIALING, D_REQUEST, D_HEADERS, D_BODY,
};
static const char *const state_names[] = {
    "idle", "waiting to resume", NULL /* the dial's step */, "requesting", "reading headers",
    "downloading",
};

static struct {
    enum state state;
    const struct https_download_sink *sink;
    char url[160], host[64], path[96];
    uint16_t port;
    uint32_t ip;        /* the server's address, once known: kept across retries */
    struct tls_dial dial;
    char req[256];
    size_t req_len, req_sent;
    char head[768];
    size_t head_len;
    uint32_t total;     /* the file's size, from the server */
    uint32_t body_left; /* bytes still due in this response */
    unsigned attempts, quarter; /* attempts: in a row, none of them with a byte */
    uint32_t attempt_from;      /* what the sink held when this attempt began */
    uint32_t backoff_ms, deadline; /* deadline: of every state but dialing */
} o;

static void set_deadline(uint32_t ms) { o.deadline = clock_ms() + ms; }

static void close_link(void)
{
    tls_dial_close(&o.dial, false);
}

/* Gives up for good; the sink drops its bytes and reports. */
static void give_up(const char *state, const char *why)
{
    const struct https_download_sink *sink = o.sink;

    tls_dial_release(&o.dial);
    o.state = D_IDLE;
    o.sink = NULL;
    sink->gave_up(state, why);
}

/* A failure worth retrying: resume later from what the sink holds.  An
 * attempt that brought bytes starts the count and the backoff over: only
 * MAX_ATTEMPTS in a row without progress give up.  The wait is jittered
 * as the broker's is (backoff.h): an image server that died under many
 * lamps is not asked by all of them in the same second when it is back. */
static void retry(const char *why)
{
    uint32_t wait;
    bool no_jitter;

    close_link();
    if (o.sink->received() > o.attempt_from) {
        o.attempts = 0;
        o.backoff_ms = BACKOFF_FIRST_MS;
    }
    if (++o.attempts >= MAX_ATTEMPTS) {
        give_up("failed", why);
        return;
    }
    wait = backoff_wait_ms(o.backoff_ms, &no_jitter);
    if (no_jitter)
        LOG_ERR("%s: the RNG failed its health test; retrying without jitter", o.sink->topic);
    LOG_WRN("%s: %s at byte %lu of %lu; resuming in %lu ms", o.sink->topic, why,
            (unsigned long)o.sink->received(), (unsigned long)o.total, (unsigned long)wait);
    o.sink->interrupted(why);
    o.state = D_WAIT;
    set_deadline(wait);
    o.backoff_ms = backoff_next_ceiling(o.backoff_ms, BACKOFF_MAX_MS);
}

/* Splits url into host, port and path (of o); false if it is not one. */
static bool parse_url(const char *url, char *host, size_t host_cap, uint16_t *port, char *path,
                      size_t path_cap)
{
    const char *p = url + 8, *slash, *colon;
    size_t hl;

    if (strncmp(url, "https://", 8) != 0 || strlen(url) >= sizeof(o.url))
        return false;
    slash = strchr(p, '/');
    if (!slash || strlen(slash) >= path_cap)
        return false;
    colon = memchr(p, ':', (size_t)(slash - p));
    hl = (size_t)((colon ? colon : slash) - p);
    if (hl == 0 || hl >= host_cap)
        return false;
    memcpy(host, p, hl);
    host[hl] = 0;
    *port = 443;
    if (colon) {
        char *end;
        unsigned long v = strtoul(colon + 1, &end, 10);
        if (end != slash || v == 0 || v > 65535)
            return false;
        *port = (uint16_t)v;
    }
    strcpy(path, slash);
    return true;
}

bool https_download_url_ok(const char *url)
{
    char host[sizeof(o.host)], path[sizeof(o.path)];
    uint16_t port;

    return parse_url(url, host, sizeof(host), &port, path, sizeof(path));
}

static bool dotted_quad(const char *s, uint32_t *ip)
{
    unsigned a, b, c, d;
    char end;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return false;
    *ip = a << 24 | b << 16 | c << 8 | d;
    return true;
}

/* What became of a dial that failed, in the download's words. */
static void dial_failed(void)
{
    switch (o.dial.failure) {
    case DIAL_E_NO_ADDRESS:
        retry("cannot resolve the image server");
        break;
    case DIAL_E_HANDSHAKE:
        LOG_ERR("%s: tls: %s", o.sink->topic, o.dial.why);
        retry("TLS handshake with the image server failed");
        break;
    case DIAL_E_TIMEOUT:
        retry(o.dial.timed_out == DIAL_RESOLVING ? "DNS timed out"
                                                 : "the image server stopped answering");
        break;
    default: /* the module's refusal (the broker's connection may be
              * resolving: later), the socket's error, TLS setup */
        retry(o.dial.why);
        break;
    }
}

/* Returns whether the dial is up: the request goes next. */
static bool dial_progress(enum tls_dial_state st)
{
    if (st == DIAL_RESOLVED) {
        o.ip = o.dial.ip;
        st = tls_dial_connect(&o.dial);
    }
    if (st == DIAL_FAILED)
        dial_failed();
    return st == DIAL_UP;
}

static void start_attempt(void)
{
    o.attempt_from = o.sink->received();
    if (!o.ip)
        dotted_quad(o.host, &o.ip);
    o.state = D_DIALING;
    dial_progress(tls_dial_start(&o.dial, o.host, o.port, o.ip));
}

bool https_download_start(const struct https_download_sink *sink, const char *url)
{
    if (o.state != D_IDLE ||
        !parse_url(url, o.host, sizeof(o.host), &o.port, o.path, sizeof(o.path)))
        return false;
    strcpy(o.url, url);
    o.sink = sink;
    o.ip = 0;
    o.total = 0;
    o.attempts = 0;
    o.quarter = 0;
    o.backoff_ms = BACKOFF_FIRST_MS;
    start_attempt();
    return true;
}

const struct https_download_sink *https_download_running(void)
{
    return o.state == D_IDLE ? NULL : o.sink;
}

const char *https_download_url(void)
{
    return o.url;
}

static void send_request(void)
{
    uint32_t from = o.sink->received();

    if (from)
        o.req_len = (size_t)snprintf(o.req, sizeof(o.req),
                                     "GET %s HTTP/1.1\r\nHost: %s\r\nRange: bytes=%lu-\r\n"
                                     "Connection: close\r\n\r\n", o.path, o.host,
                                     (unsigned long)from);
    else
        o.req_len = (size_t)snprintf(o.req, sizeof(o.req),
                                     "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                                     o.path, o.host);
    o.req_sent = 0;
    o.head_len = 0;
    o.state = D_REQUEST;
    set_deadline(RESPONSE_TIMEOUT_MS);
}

static const char *header_value(const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(o.head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
        if (!strncasecmp(p + 2, name, n) && p[2 + n] == ':') {
            p += 3 + n;
            while (*p == ' ')
                p++;
            return p;
        }
    return NULL;
}

static void finish_download(void)
{
    const struct https_download_sink *sink = o.sink;

    tls_dial_release(&o.dial); /* the link is not needed soon */
    LOG_INF("%s: downloaded %lu bytes; checking the signature", sink->topic,
            (unsigned long)sink->received());
    o.state = D_IDLE;
    o.sink = NULL;
    sink->complete();
}

static void body(const uint8_t *buf, size_t len)
{
    const char *why;

    if (len > o.body_left)
        len = o.body_left;
    why = o.sink->write(buf, len);
    if (why) {
        give_up("refused", why);
        return;
    }
    o.body_left -= (uint32_t)len;
    set_deadline(RESPONSE_TIMEOUT_MS);
    while (o.total && o.quarter < 3 && o.sink->received() >= o.total / 4 * (o.quarter + 1)) {
        o.quarter++;
        LOG_INF("%s: %u%% (%lu of %lu bytes)", o.sink->topic, o.quarter * 25,
                (unsigned long)o.sink->received(), (unsigned long)o.total);
    }
    if (o.body_left == 0)
        finish_download();
}

/* Status line and headers complete: decide what the body is. */
static void headers_done(size_t body_start)
{
    int code = 0;
    const char *cl = header_value("Content-Length");
    uint32_t from = o.sink->received();

    sscanf(o.head, "HTTP/1.%*c %d", &code);
    if (code == 206) {
        const char *cr = header_value("Content-Range");
        unsigned long a, b, t;
        if (!cr || sscanf(cr, "bytes %lu-%lu/%lu", &a, &b, &t) != 3 || a != from || b < a) {
            retry("the server resumed at the wrong byte");
            return;
        }
        o.total = (uint32_t)t;
        o.body_left = (uint32_t)(b - a + 1);
        LOG_INF("%s: resumed at byte %lu of %lu", o.sink->topic, (unsigned long)from,
                (unsigned long)t);
    } else if (code == 200 && cl) {
        if (from) { /* the server ignored Range: start over */
            const char *why = o.sink->restart();
            if (why) {
                give_up("failed", why);
                return;
            }
        }
        o.total = o.body_left = (uint32_t)strtoul(cl, NULL, 10);
    } else if (code >= 500 || code == 200) {
        retry(code == 200 ? "response without Content-Length" : "server error");
        return;
    } else {
        char why[48];
        snprintf(why, sizeof(why), "the server answered HTTP %d", code);
        give_up("failed", why);
        return;
    }
    if (o.body_left == 0) {
        finish_download();
        return;
    }
    o.state = D_BODY;
    if (body_start < o.head_len)
        body((const uint8_t *)o.head + body_start, o.head_len - body_start);
}

static void step_link(void)
{
    uint8_t buf[1024];
    int n;

    if (o.state == D_REQUEST) {
        n = tls_write(&o.dial.tls, o.req + o.req_sent, o.req_len - o.req_sent);
        if (n < 0) {
            retry("connection lost");
            return;
        }
        o.req_sent += (size_t)n;
        if (o.req_sent < o.req_len)
            return;
        o.state = D_HEADERS;
    }
    while (o.state == D_HEADERS || o.state == D_BODY) {
        if (o.state == D_HEADERS) {
            n = tls_read(&o.dial.tls, o.head + o.head_len, sizeof(o.head) - 1 - o.head_len);
        } else {
            n = tls_read(&o.dial.tls, buf, sizeof(buf));
        }
        if (n < 0) {
            retry("connection lost");
            return;
        }
        if (n == 0)
            return;
        if (o.state == D_BODY) {
            body(buf, (size_t)n);
            continue;
        }
        o.head_len += (size_t)n;
        o.head[o.head_len] = 0;
        char *end = strstr(o.head, "\r\n\r\n");
        if (end) {
            headers_done((size_t)(end + 4 - o.head));
        } else if (o.head_len >= sizeof(o.head) - 1) {
            give_up("failed", "HTTP response headers too long");
            return;
        }
    }
}

static void poll(uint32_t ev)
{
    bool late = (int32_t)(clock_ms() - o.deadline) >= 0;

    switch (o.state) {
    case D_IDLE:
        return;
    case D_WAIT:
        if (late && netmgr_online())
            start_attempt();
        else if (late) /* the broker's connection is being restored first */
            set_deadline(1000);
        return;
    case D_DIALING:
        if (!dial_progress(tls_dial_step(&o.dial, ev)))
            return;
        send_request();
        /* the request goes at once */
        __attribute__((fallthrough));
    default:
        step_link();
        if (o.state != D_IDLE && o.state != D_WAIT && (int32_t)(clock_ms() - o.deadline) >= 0)
            retry("the image server stopped answering");
        return;
    }
}

static uint32_t idle_ms(void)
{
    int32_t left;

    if (o.state == D_IDLE)
        return UINT32_MAX;
    if (o.state == D_DIALING)
        return tls_dial_ms_left(&o.dial);
    left = (int32_t)(o.deadline - clock_ms());
    return left > 0 ? (uint32_t)left : 0;
}

static void print_status(void)
{
    uart_puts("\n  ");
    uart_puts(o.state == D_IDLE ? "download" : o.sink->topic);
    uart_puts(" ");
    uart_puts(o.state == D_DIALING ? tls_dial_state_name(o.dial.state) : state_names[o.state]);
    if (o.state != D_IDLE) {
        uart_puts(" ");
        uart_puts(o.url);
        uart_puts(" ");
        uart_put_dec(o.sink->received());
        uart_puts("/");
        uart_put_dec(o.total);
        uart_puts(" bytes, attempt ");
        uart_put_dec(o.attempts + 1);
    }
}

static const struct netmgr_client client = {
    .poll = poll, .idle_ms = idle_ms, .print_status = print_status,
};

void https_download_init(void)
{
    tls_dial_init(&o.dial, DOWNLOAD_SOCK, TLS_SLOT_OTA);
    if (netmgr_register(&client) != 0)
        LOG_ERR("download: netmgr has no room for the HTTPS downloads; updates and apps come "
                "by console only");
}
