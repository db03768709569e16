/* firmware/app/ota.c: the OTA client.  One download at a time, on NET
 * socket 1 beside the broker's, over its own TLS link (the broker's session
 * is kept; the image server's is resumed across retries).  Bytes go
 * straight into staging (staging.c), which checks the header at 256 bytes
 * and the signature, epoch and content at the end: nothing unverified is
 * ever marked installable.  A dropped connection is resumed from the byte
 * staging holds, with an HTTP Range request, after a backoff; the staging
 * state is in RAM, so a reset restarts the download from the beginning.
 * Every step prints an "ota:" console line and is reported on
 * lamp/SERIAL/ota/status.  A netmgr client: notifications come on
 * lamp/SERIAL/ota, and netmgr's passes run the download. */
#include "ota.h"

#include "cJSON.h"
#include "clock.h"
#include "hw.h"
#include "image.h"
#include "log.h"
#include "netmgr.h"
#include "shadow.h"
#include "staging.h"
#include "tls_dial.h"
#include "uart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OTA_SOCK 1
#define RESPONSE_TIMEOUT_MS 30000u /* also: no body bytes for this long */
#define MAX_ATTEMPTS 8u
#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS 30000u
#define REBOOT_DELAY_MS 1000u      /* lets the "staged" status reach the broker */

enum state {
    O_IDLE, O_WAIT, O_DIALING, O_REQUEST, O_HEADERS, O_BODY, O_REBOOT,
};
static const char *const state_names[] = {
    "idle", "waiting to resume", NULL /* the dial's step */, "requesting", "reading headers",
    "downloading", "rebooting to install",
};

static struct {
    enum state state;
    char url[160], host[64], path[96], version[16];
    uint16_t port;
    uint32_t ip;        /* the server's address, once known: kept across retries */
    struct tls_dial dial;
    char req[256];
    size_t req_len, req_sent;
    char head[768];
    size_t head_len;
    uint32_t total;     /* the image's size, from the server */
    uint32_t body_left; /* bytes still due in this response */
    unsigned attempts, quarter;
    uint32_t backoff_ms, deadline; /* deadline: of every state but dialing */
} o;

static void status(const char *state, const char *why)
{
    char json[200];

    snprintf(json, sizeof(json), "{\"state\":\"%s\",\"version\":\"%s\",\"received\":%lu%s%s%s}",
             state, o.version, (unsigned long)staging_received(), why ? ",\"why\":\"" : "",
             why ? why : "", why ? "\"" : "");
    netmgr_publish("ota/status", json, false, NULL);
}

static void set_deadline(uint32_t ms) { o.deadline = clock_ms() + ms; }

static void close_link(void)
{
    tls_dial_close(&o.dial, false);
}

/* Gives up for good: the staged bytes are dropped, the firmware stays. */
static void give_up(const char *state, const char *why)
{
    tls_dial_release(&o.dial);
    staging_abort();
    LOG_ERR("ota: %s: %s; the running firmware stays", state, why);
    status(state, why);
    o.state = O_IDLE;
}

/* A failure worth retrying: resume later from what staging holds. */
static void retry(const char *why)
{
    close_link();
    if (++o.attempts >= MAX_ATTEMPTS) {
        give_up("failed", why);
        return;
    }
    LOG_WRN("ota: %s at byte %lu of %lu; resuming in %lu ms", why,
            (unsigned long)staging_received(), (unsigned long)o.total,
            (unsigned long)o.backoff_ms);
    status("interrupted", why);
    o.state = O_WAIT;
    set_deadline(o.backoff_ms);
    o.backoff_ms = o.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : o.backoff_ms * 2;
}

static bool parse_url(const char *url)
{
    const char *p = url + 8, *slash, *colon;
    size_t hl;

    if (strncmp(url, "https://", 8) != 0 || strlen(url) >= sizeof(o.url))
        return false;
    slash = strchr(p, '/');
    if (!slash || strlen(slash) >= sizeof(o.path))
        return false;
    colon = memchr(p, ':', (size_t)(slash - p));
    hl = (size_t)((colon ? colon : slash) - p);
    if (hl == 0 || hl >= sizeof(o.host))
        return false;
    memcpy(o.host, p, hl);
    o.host[hl] = 0;
    o.port = 443;
    if (colon) {
        char *end;
        unsigned long v = strtoul(colon + 1, &end, 10);
        if (end != slash || v == 0 || v > 65535)
            return false;
        o.port = (uint16_t)v;
    }
    strcpy(o.path, slash);
    strcpy(o.url, url);
    return true;
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

/* What became of a dial that failed, in the OTA client's words. */
static void dial_failed(void)
{
    switch (o.dial.failure) {
    case DIAL_E_NO_ADDRESS:
        retry("cannot resolve the image server");
        break;
    case DIAL_E_HANDSHAKE:
        LOG_ERR("ota: tls: %s", o.dial.why);
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
    if (!o.ip)
        dotted_quad(o.host, &o.ip);
    o.state = O_DIALING;
    dial_progress(tls_dial_start(&o.dial, o.host, o.port, o.ip));
}

static void version_text(uint32_t v, char *out, size_t cap)
{
    snprintf(out, cap, "%lu.%lu.%lu", (unsigned long)(v >> 16), (unsigned long)((v >> 8) & 0xFF),
             (unsigned long)(v & 0xFF));
}

static void offer(const cJSON *n)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(n, "url");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(n, "version");
    const struct image_header *running = (const struct image_header *)SLOT_A_ADDR;
    char current[16];
    const char *why;

    if (!cJSON_IsString(url) || !cJSON_IsString(ver) || strlen(ver->valuestring) >= 16) {
        LOG_WRN("ota: notification without a url and version: ignored");
        return;
    }
    if (o.state != O_IDLE) {
        if (strcmp(url->valuestring, o.url) != 0)
            LOG_INF("ota: busy with %s", o.url);
        return;
    }
    version_text(running->fw_version, current, sizeof(current));
    strcpy(o.version, ver->valuestring);
    if (!strcmp(o.version, current)) {
        LOG_INF("ota: already running %s", current);
        status("current", NULL);
        return;
    }
    if (!parse_url(url->valuestring)) {
        LOG_ERR("ota: refused: not an https://host[:port]/path URL: %s", url->valuestring);
        status("refused", "bad url");
        return;
    }
    why = staging_begin();
    if (why) {
        LOG_ERR("ota: refused: cannot stage: %s", why);
        status("refused", why);
        return;
    }
    o.ip = 0;
    o.total = 0;
    o.attempts = 0;
    o.quarter = 0;
    o.backoff_ms = BACKOFF_FIRST_MS;
    LOG_INF("ota: downloading %s", o.url);
    status("downloading", NULL);
    start_attempt();
}

static void send_request(void)
{
    uint32_t from = staging_received();

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
    o.state = O_REQUEST;
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
    const struct image_header *h = staging_header();
    const char *why;

    close_link();
    LOG_INF("ota: downloaded %lu bytes; checking the signature",
            (unsigned long)staging_received());
    why = staging_finish();
    if (why) {
        give_up("refused", why);
        return;
    }
    char ver[16];
    version_text(h->fw_version, ver, sizeof(ver));
    LOG_INF("ota: image %s epoch %lu staged; rebooting to install", ver,
            (unsigned long)h->security_epoch);
    status("staged", NULL);
    o.state = O_REBOOT;
    set_deadline(REBOOT_DELAY_MS);
}

static void body(const uint8_t *buf, size_t len)
{
    const char *why;

    if (len > o.body_left)
        len = o.body_left;
    why = staging_write(buf, len);
    if (why) {
        give_up("refused", why);
        return;
    }
    o.body_left -= (uint32_t)len;
    set_deadline(RESPONSE_TIMEOUT_MS);
    while (o.total && o.quarter < 3 && staging_received() >= o.total / 4 * (o.quarter + 1)) {
        o.quarter++;
        LOG_INF("ota: %u%% (%lu of %lu bytes)", o.quarter * 25,
                (unsigned long)staging_received(), (unsigned long)o.total);
    }
    if (o.body_left == 0)
        finish_download();
}

/* Status line and headers complete: decide what the body is. */
static void headers_done(size_t body_start)
{
    int code = 0;
    const char *cl = header_value("Content-Length");
    uint32_t from = staging_received();

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
        LOG_INF("ota: resumed at byte %lu of %lu", (unsigned long)from, (unsigned long)t);
    } else if (code == 200 && cl) {
        if (from) { /* the server ignored Range: start over */
            const char *why = staging_begin();
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
    o.state = O_BODY;
    if (body_start < o.head_len)
        body((const uint8_t *)o.head + body_start, o.head_len - body_start);
}

static void step_link(void)
{
    uint8_t buf[1024];
    int n;

    if (o.state == O_REQUEST) {
        n = tls_write(&o.dial.tls, o.req + o.req_sent, o.req_len - o.req_sent);
        if (n < 0) {
            retry("connection lost");
            return;
        }
        o.req_sent += (size_t)n;
        if (o.req_sent < o.req_len)
            return;
        o.state = O_HEADERS;
    }
    while (o.state == O_HEADERS || o.state == O_BODY) {
        if (o.state == O_HEADERS) {
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
        if (o.state == O_BODY) {
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
    case O_IDLE:
        return;
    case O_WAIT:
        if (late && netmgr_online())
            start_attempt();
        else if (late) /* the broker's connection is being restored first */
            set_deadline(1000);
        return;
    case O_REBOOT:
        if (late) {
            SCB_AIRCR = AIRCR_RESET;
            dsb_isb();
            for (;;)
                ;
        }
        return;
    case O_DIALING:
        if (!dial_progress(tls_dial_step(&o.dial, ev)))
            return;
        send_request();
        /* the request goes at once */
        __attribute__((fallthrough));
    default:
        step_link();
        if (o.state != O_IDLE && o.state != O_WAIT && o.state != O_REBOOT &&
            (int32_t)(clock_ms() - o.deadline) >= 0)
            retry("the image server stopped answering");
        return;
    }
}

static uint32_t idle_ms(void)
{
    int32_t left;

    if (o.state == O_IDLE)
        return UINT32_MAX;
    if (o.state == O_DIALING)
        return tls_dial_ms_left(&o.dial);
    left = (int32_t)(o.deadline - clock_ms());
    return left > 0 ? (uint32_t)left : 0;
}

static void print_status(void)
{
    uart_puts("\n  ota ");
    uart_puts(o.state == O_DIALING ? tls_dial_state_name(o.dial.state) : state_names[o.state]);
    if (o.state != O_IDLE) {
        uart_puts(" ");
        uart_puts(o.url);
        uart_puts(" ");
        uart_put_dec(staging_received());
        uart_puts("/");
        uart_put_dec(o.total);
        uart_puts(" bytes, attempt ");
        uart_put_dec(o.attempts + 1);
    }
}

static void on_notification(const char *suffix, const char *payload, size_t len)
{
    shadow_json_message(suffix, payload, len, offer);
}

static const struct netmgr_client client = {
    .topic = "ota", .message = on_notification, .poll = poll, .idle_ms = idle_ms,
    .print_status = print_status,
};

void ota_init(void)
{
    tls_dial_init(&o.dial, OTA_SOCK, TLS_SLOT_OTA);
    if (netmgr_register(&client) != 0)
        LOG_ERR("ota: netmgr has no room for the OTA client; updates come by console only");
}
