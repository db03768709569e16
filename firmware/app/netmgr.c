/* firmware/app/netmgr.c: the cloud connection's state machine: WiFi join,
 * the dial to the broker (tls_dial.c), MQTT, keepalive and telemetry; the
 * subsystems' topics and messages through their struct netmgr_client.
 * Every transition that matters to a user logs one line starting with
 * "net:", "cloud:", "tls:" or "mqtt:" (docs/cloud.md#connection-life). */
#include "netmgr.h"
#include "backoff.h"
#include "crypto_engine.h"

#include "clock.h"
#include "hw.h"
#include "keystore_read.h"
#include "link_failures.h"
#include "log.h"
#include "mqtt.h"
#include "net.h"
#include "status.h"
#include "telemetry_period.h"
#include "tls_dial.h"
#include "uart.h"
#include "wifi_creds.h"

#include <stdio.h>
#include <string.h>

#define SOCK 0
#define JOIN_TIMEOUT_MS 15000u
#define CONNACK_TIMEOUT_MS 15000u
#define KEEPALIVE_S 60u
#define PING_TIMEOUT_MS 20000u
#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 60000u
#define MAX_CLIENTS 8u /* shadow, OTA, app delivery, app messages, crash reports, ... */

enum state {
    S_NO_CREDS, S_JOINING, S_DIALING, S_CONNACK, S_ONLINE, S_BACKOFF, S_FAILED,
};
static const char *const state_names[] = {
    "no WiFi credentials", "joining WiFi", NULL /* the dial's step */, "MQTT connect", "online",
    "waiting to retry", "failed",
};

static enum state state;
/* The twin's copy of the state (SYSCTL NETSTATE, docs/hardware.md#sysctl). */
static const uint32_t state_register[] = {
    [S_NO_CREDS] = SYSCTL_NETSTATE_NO_CREDS, [S_JOINING] = SYSCTL_NETSTATE_JOINING,
    [S_DIALING] = SYSCTL_NETSTATE_DIALING, [S_CONNACK] = SYSCTL_NETSTATE_MQTT,
    [S_ONLINE] = SYSCTL_NETSTATE_ONLINE, [S_BACKOFF] = SYSCTL_NETSTATE_BACKOFF,
    [S_FAILED] = SYSCTL_NETSTATE_FAILED,
};
static uint32_t deadline;        /* ms: timeout of the current state (but dialing) */
static bool have_deadline;
static uint32_t backoff_ms;      /* next backoff ceiling */
static struct wifi_creds creds;
static char host[64];
static uint16_t port;
static char serial[16];
static char topic_prefix[32];    /* "lamp/<serial>/" */
static struct tls_dial dial;     /* the broker's connection */
static struct mqtt mq;
static uint32_t last_tx_ms;
/* The period is read at every check (telemetry_period.h), so an owner's
 * change counts from the last telemetry sent, not from the next. */
static uint32_t telemetry_sent_ms;
static uint32_t ping_sent_ms;
static uint32_t connects, drops;
static bool config_error;
static const struct netmgr_client *clients[MAX_CLIENTS];
static unsigned n_clients;
/* While the clients publish what the cloud must hear at a connect, their
 * messages wait to leave together, in one TLS record. */
static bool batching;

static void set_state(enum state s)
{
    state = s;
    SYSCTL_NETSTATE = state_register[s];
}

static void set_deadline(uint32_t ms)
{
    deadline = clock_ms() + ms;
    have_deadline = true;
}

static void close_link(bool notify)
{
    tls_dial_close(&dial, notify);
}

/* Exponential backoff with jitter: the next try comes after a random time
 * between half and all of the current ceiling, and the ceiling doubles up
 * to a minute, so a fleet dropped at once does not come back at once. */
static void retry_later(const char *why)
{
    uint32_t wait;
    bool no_jitter;

    close_link(false);
    if (backoff_ms < BACKOFF_MIN_MS)
        backoff_ms = BACKOFF_MIN_MS;
    wait = backoff_wait_ms(backoff_ms, &no_jitter);
    if (no_jitter)
        LOG_ERR("cloud: the RNG failed its health test; retrying without jitter");
    LOG_WRN("cloud: %s; retry in %lu ms", why, (unsigned long)wait);
    backoff_ms = backoff_next_ceiling(backoff_ms, BACKOFF_MAX_MS);
    set_state(S_BACKOFF);
    set_deadline(wait);
}

static void start_join(void)
{
    int r = net_join(creds.ssid, creds.passphrase);

    if (r != 0 && r != NET_E_BUSY) {
        LOG_ERR("net: join refused by the module: %s", net_result_name(r));
        set_state(S_FAILED);
        have_deadline = false;
        return;
    }
    LOG_INF("net: joining %s", creds.ssid);
    set_state(S_JOINING);
    set_deadline(JOIN_TIMEOUT_MS);
}

/* What became of a dial that failed, in the cloud connection's words. */
static void dial_failed(void)
{
    switch (dial.failure) {
    case DIAL_E_NO_ADDRESS:
        LOG_ERR("cloud: cannot resolve %s", host);
        retry_later("DNS failed");
        break;
    case DIAL_E_CONNECT:
        LOG_ERR("cloud: connection failed: %s", dial.why);
        retry_later("cannot connect");
        break;
    case DIAL_E_HANDSHAKE:
        SYSCTL_EVENT = SYSCTL_EVENT_TLS_FAILED;
        LOG_ERR("tls: %s", dial.why);
        retry_later("TLS handshake failed");
        break;
    case DIAL_E_TIMEOUT:
        if (dial.timed_out == DIAL_HANDSHAKE)
            SYSCTL_EVENT = SYSCTL_EVENT_TLS_FAILED;
        retry_later(dial.why);
        break;
    default: /* the module's refusal, TLS setup: as the dial says */
        retry_later(dial.why);
        break;
    }
}

/* The broker's address is resolved afresh for every connection. */
static void start_dial(void)
{
    set_state(S_DIALING);
    have_deadline = false;
    if (tls_dial_start(&dial, host, port, 0) == DIAL_FAILED)
        dial_failed();
}

static void start_connect(void)
{
    uint32_t ip = dial.ip;

    LOG_INF("cloud: connecting to %s:%u (%lu.%lu.%lu.%lu)", host, port,
            (unsigned long)(ip >> 24), (unsigned long)(ip >> 16 & 0xFF),
            (unsigned long)(ip >> 8 & 0xFF), (unsigned long)(ip & 0xFF));
    connects++;
    if (tls_dial_connect(&dial) == DIAL_FAILED)
        dial_failed();
}

static void mqtt_flush(void)
{
    while (mq.out_len > 0) {
        int n = tls_write(&dial.tls, mq.out, mq.out_len);
        if (n < 0) {
            retry_later(dial.tls.why);
            return;
        }
        if (n == 0)
            return;
        mqtt_consumed(&mq, (size_t)n);
        last_tx_ms = clock_ms();
    }
}

static void topic(char *out, size_t cap, const char *suffix)
{
    size_t a = strlen(topic_prefix), b = strlen(suffix);

    if (a + b + 1 > cap)
        b = cap - a - 1;
    memcpy(out, topic_prefix, a);
    memcpy(out + a, suffix, b);
    out[a + b] = 0;
}

int netmgr_register(const struct netmgr_client *c)
{
    if (n_clients == MAX_CLIENTS)
        return -1;
    clients[n_clients++] = c;
    return 0;
}

/* lamp/<serial>/ and the longest suffix: an app's, app/NAME/SUB. */
#define TOPIC_MAX 128u

int netmgr_publish(const char *suffix, const char *json, bool retain, uint16_t *packet_id)
{
    char t[TOPIC_MAX];

    if (state != S_ONLINE)
        return -1;
    topic(t, sizeof(t), suffix);
    if (mqtt_publish(&mq, t, json, strlen(json), 1, retain, packet_id))
        return -1;
    SYSCTL_EVENT = SYSCTL_EVENT_MQTT_TX;
    if (!batching)
        mqtt_flush();
    return 0;
}

static void subscribe_suffix(const char *suffix)
{
    char t[TOPIC_MAX];

    topic(t, sizeof(t), suffix);
    mqtt_subscribe(&mq, t, 1, NULL);
}

int netmgr_subscribe(const char *suffix)
{
    if (state != S_ONLINE)
        return -1;
    subscribe_suffix(suffix);
    if (!batching)
        mqtt_flush();
    return 0;
}

/* Telemetry (docs/cloud.md#telemetry), QoS 0: one is worth nothing once
 * the next is due. */
static void send_telemetry(void)
{
    char json[640], t[48];
    const struct tls_counters *c = tls_counters();
    int n;

    n = snprintf(json, sizeof(json),
                 "{\"uptime_s\":%lu,\"reset_cause\":\"%s\",\"connects\":%lu,\"drops\":%lu,"
                 "\"tls_full\":%lu,\"tls_resumed\":%lu,\"tls_failed\":%lu,\"crypto_ops\":%lu",
                 (unsigned long)(clock_ms() / 1000u), status_reset_cause(), (unsigned long)connects,
                 (unsigned long)drops, (unsigned long)c->full, (unsigned long)c->resumed,
                 (unsigned long)c->failed,
                 (unsigned long)(crypto_engine_present() ? crypto_engine_ops() : 0));
    /* The reasons get at most a third of the message: the rest of the
     * members must still fit (link_failures_json says "more" otherwise). */
    if (n > 0 && (size_t)n + 12 + sizeof(json) / 3 < sizeof(json)) {
        memcpy(json + n, ",\"failures\":", 12);
        n += 12;
        n += (int)link_failures_json(json + n, sizeof(json) / 3);
    }
    for (unsigned i = 0; i < n_clients && n > 0 && (size_t)n < sizeof(json) - 2; i++)
        if (clients[i]->telemetry) {
            clients[i]->telemetry(json + n, sizeof(json) - 2 - (size_t)n);
            n += (int)strlen(json + n);
        }
    if (n < 0 || (size_t)n >= sizeof(json) - 1) {
        LOG_ERR("cloud: telemetry does not fit its buffer; not sent");
        telemetry_sent_ms = clock_ms();
        return;
    }
    json[n++] = '}';
    json[n] = 0;
    topic(t, sizeof(t), "telemetry");
    if (mqtt_publish(&mq, t, json, (size_t)n, 0, false, NULL) == 0)
        SYSCTL_EVENT = SYSCTL_EVENT_MQTT_TX;
    mqtt_flush();
    telemetry_sent_ms = clock_ms();
}

static uint32_t telemetry_due_ms(void)
{
    return telemetry_sent_ms + telemetry_period_s() * 1000u;
}

static void on_connack(void *user, uint8_t rc, bool session_present)
{
    static const char *const reasons[] = {
        "accepted", "unacceptable protocol version", "client identifier rejected",
        "server unavailable", "bad user name or password", "not authorized",
    };
    char t[TOPIC_MAX];

    (void)user;
    (void)session_present;
    if (rc != 0) {
        LOG_ERR("mqtt: broker refused the lamp: %s", rc < 6 ? reasons[rc] : "unknown reason");
        retry_later("refused by the broker");
        return;
    }
    set_state(S_ONLINE);
    have_deadline = false;
    backoff_ms = BACKOFF_MIN_MS;
    LOG_INF("mqtt: connected as %s", serial);
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->topic) {
            topic(t, sizeof(t), clients[i]->topic);
            mqtt_subscribe(&mq, t, 1, NULL);
        }
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->resubscribe)
            clients[i]->resubscribe(subscribe_suffix);
    batching = true;
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->online)
            clients[i]->online();
    batching = false;
    mqtt_flush();
    send_telemetry();
}

/* A client's topic ending in "/+" takes every topic one level below it
 * (MQTT's single-level wildcard); the suffix it is handed names which. */
static bool topic_matches(const char *filter, const char *suffix)
{
    size_t n = strlen(filter);

    if (n >= 2 && !strcmp(filter + n - 2, "/+"))
        return !strncmp(suffix, filter, n - 1) && suffix[n - 1] && !strchr(suffix + n - 1, '/');
    return !strcmp(filter, suffix);
}

static void on_publish(void *user, const char *t, const uint8_t *payload, size_t len)
{
    size_t plen = strlen(topic_prefix);
    bool taken = false;

    (void)user;
    SYSCTL_EVENT = SYSCTL_EVENT_MQTT_RX;
    if (strncmp(t, topic_prefix, plen) != 0)
        return;
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->topic && topic_matches(clients[i]->topic, t + plen)) {
            clients[i]->message(t + plen, (const char *)payload, len);
            taken = true;
        }
    for (unsigned i = 0; i < n_clients && !taken; i++)
        if (clients[i]->takes && clients[i]->takes(t + plen)) {
            clients[i]->message(t + plen, (const char *)payload, len);
            return;
        }
}

static void on_puback(void *user, uint16_t id)
{
    (void)user;
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->acked)
            clients[i]->acked(id);
}

static const struct mqtt_handlers handlers = {
    .connack = on_connack, .publish = on_publish, .puback = on_puback,
};

static void load_endpoint(void)
{
    size_t n, colon;
    const uint8_t *ep = keystore_find(KS_CLOUD_ENDPOINT, &n);
    const uint8_t *sn = keystore_find(KS_SERIAL, &n);

    sn = keystore_find(KS_SERIAL, &n);
    if (!sn || n >= sizeof(serial)) {
        config_error = true;
        return;
    }
    memcpy(serial, sn, n);
    serial[n] = 0;
    memcpy(topic_prefix, "lamp/", 5);
    memcpy(topic_prefix + 5, serial, n);
    memcpy(topic_prefix + 5 + n, "/", 2);
    ep = keystore_find(KS_CLOUD_ENDPOINT, &n);
    if (!ep || n >= sizeof(host) + 6) {
        config_error = true;
        return;
    }
    for (colon = n; colon > 0 && ep[colon - 1] != ':'; colon--)
        ;
    if (colon < 2 || colon - 1 >= sizeof(host)) {
        config_error = true;
        return;
    }
    memcpy(host, ep, colon - 1);
    host[colon - 1] = 0;
    port = 0;
    for (size_t i = colon; i < n; i++)
        port = (uint16_t)(port * 10 + (ep[i] - '0'));
}

void netmgr_start(void)
{
    const char *why;

    mqtt_init(&mq, &handlers);
    tls_dial_init(&dial, SOCK, TLS_SLOT_CLOUD);
    load_endpoint();
    if (config_error) {
        LOG_ERR("cloud: keystore has no serial or cloud endpoint: staying offline");
        set_state(S_FAILED);
        return;
    }
    if (net_init() != 0) {
        LOG_ERR("net: no WiFi module found: staying offline");
        set_state(S_FAILED);
        return;
    }
    if ((why = tls_init()) != NULL) {
        LOG_ERR("tls: %s", why);
        set_state(S_FAILED);
        return;
    }
    if (wifi_creds_load(&creds) != 0) {
        LOG_INF("net: no WiFi credentials (commission the lamp, or type: wifi SSID PASSPHRASE)");
        set_state(S_NO_CREDS);
        return;
    }
    start_join();
}

void netmgr_reconnect(bool full)
{
    if (full)
        tls_forget_session(TLS_SLOT_CLOUD);
    if (state != S_ONLINE && state != S_CONNACK) {
        LOG_INF("cloud: not connected; nothing to reconnect");
        return;
    }
    close_link(true);
    backoff_ms = 0; /* the retry comes at once: this is not a failure */
    set_state(S_BACKOFF);
    if (full)
        LOG_INF("cloud: reconnecting (full handshake)");
    else
        LOG_INF("cloud: reconnecting");
    set_deadline(0);
}

void netmgr_use_wifi(const struct wifi_creds *c)
{
    creds = *c;
    LOG_INF("net: credentials for %s", creds.ssid);
    if (creds.proxy[0])
        LOG_WRN("net: a proxy was given and is kept, but the WiFi module model has no proxy "
                "support; connecting directly");
    if (state == S_FAILED && config_error)
        return;
    if (state != S_NO_CREDS && state != S_FAILED)
        close_link(true);
    start_join();
}

void netmgr_set_wifi(const char *ssid, const char *passphrase)
{
    struct wifi_creds c;
    size_t a = strlen(ssid), b = strlen(passphrase);
    uint32_t err;

    if (a == 0 || a > 32 || b < 8 || b > 63) {
        LOG_ERR("net: an SSID is 1-32 bytes and a WPA2 passphrase 8-63 characters");
        return;
    }
    memset(&c, 0, sizeof(c));
    memcpy(c.ssid, ssid, a);
    memcpy(c.passphrase, passphrase, b);
    if ((err = wifi_creds_save(&c)) != 0) {
        LOG_ERR("net: saving credentials failed: flash error 0x%08lx", (unsigned long)err);
        return;
    }
    creds = c;
    LOG_INF("net: credentials saved for %s", creds.ssid);
    if (state == S_FAILED && config_error)
        return;
    if (state != S_NO_CREDS && state != S_FAILED) {
        close_link(true);
        (void)net_leave();
    }
    backoff_ms = BACKOFF_MIN_MS;
    start_join();
}

/* ---- the state machine ---- */

static void handle_global_events(uint32_t ev)
{
    if (ev & NET_EV_LINK_LOST) {
        LOG_WRN("net: WiFi link lost");
        close_link(false);
        start_join();
        return;
    }
    if (state == S_JOINING && (ev & NET_EV_JOINED)) {
        LOG_INF("net: joined %s", creds.ssid);
        start_dial();
    } else if (state == S_JOINING && (ev & NET_EV_JOIN_FAILED)) {
        LOG_ERR("net: join failed: %s", net_join_error_name());
        /* The link is down: try the join again after the backoff. */
        retry_later("no WiFi");
    }
}

static void pump_online(void)
{
    uint8_t buf[512];
    int n;

    for (;;) {
        n = tls_read(&dial.tls, buf, sizeof(buf));
        if (n < 0) {
            drops++;
            SYSCTL_EVENT = SYSCTL_EVENT_DROP;
            if (dial.tls.fatal) {
                LOG_ERR("tls: connection failed: %s; session forgotten", dial.tls.why);
                retry_later("TLS connection failed");
                return;
            }
            retry_later(dial.tls.why[0] ? dial.tls.why : "connection lost");
            return;
        }
        if (n == 0)
            break;
        if (mqtt_input(&mq, buf, (size_t)n) != 0) {
            retry_later("MQTT protocol error from the broker");
            return;
        }
        if (state != S_ONLINE && state != S_CONNACK)
            return;
    }
    mqtt_flush();
}

static void start_mqtt(void)
{
    if (dial.tls.resumed)
        LOG_INF("tls: session resumed (abbreviated handshake)");
    else
        LOG_INF("tls: full handshake");
    SYSCTL_EVENT = dial.tls.resumed ? SYSCTL_EVENT_TLS_RESUMED : SYSCTL_EVENT_TLS_FULL;
    mqtt_init(&mq, &handlers);
    mqtt_connect(&mq, serial, KEEPALIVE_S, true);
    set_state(S_CONNACK);
    set_deadline(CONNACK_TIMEOUT_MS);
    mqtt_flush();
}

/* ev: this pass's NET events; news: the socket's among them. */
static void step_socket(uint32_t ev, uint32_t news)
{
    if (state == S_DIALING) {
        switch (tls_dial_step(&dial, ev)) {
        case DIAL_RESOLVED:
            start_connect();
            return;
        case DIAL_FAILED:
            dial_failed();
            return;
        case DIAL_UP:
            start_mqtt();
            news = 1; /* the broker may have answered already */
            break;
        default:
            return;
        }
    }
    if ((state == S_CONNACK || state == S_ONLINE) &&
        (news || net_sock_state(SOCK) != NET_SOCK_CONNECTED))
        pump_online();
}

static void check_timers(void)
{
    uint32_t now = clock_ms();

    if (state == S_ONLINE) {
        if (mq.ping_outstanding && now - ping_sent_ms > PING_TIMEOUT_MS) {
            link_failure_count(LF_KEEPALIVE_TIMEOUT);
            drops++;
            SYSCTL_EVENT = SYSCTL_EVENT_DROP;
            retry_later("broker stopped answering (keepalive)");
            return;
        }
        if (!mq.ping_outstanding && now - last_tx_ms >= KEEPALIVE_S * 1000u * 3 / 4) {
            mqtt_ping(&mq);
            ping_sent_ms = now;
            mqtt_flush();
        }
        if ((int32_t)(now - telemetry_due_ms()) >= 0)
            send_telemetry();
        return;
    }
    if (!have_deadline || (int32_t)(now - deadline) < 0)
        return;
    have_deadline = false;
    switch (state) {
    case S_BACKOFF:
        if (!net_link_up())
            start_join();
        else
            start_dial();
        break;
    case S_JOINING: retry_later("WiFi join timed out"); break;
    case S_CONNACK:
        link_failure_count(LF_CONNACK_TIMEOUT);
        retry_later("no CONNACK from the broker");
        break;
    default: break;
    }
}

void netmgr_poll(void)
{
    /* No register access unless the module's interrupt fired: an idle
     * lamp's pass costs nothing here. */
    uint32_t ev = net_take_events();

    if (state != S_FAILED && state != S_NO_CREDS) {
        if (ev & NET_EV_GLOBAL)
            handle_global_events(ev);
        step_socket(ev, ev & NET_EV_SOCK(SOCK));
        check_timers();
        for (unsigned i = 0; i < n_clients; i++)
            if (clients[i]->poll)
                clients[i]->poll(ev);
    }
    /* What this pass wrote leaves now, in one doorbell. */
    net_end_pass();
}

bool netmgr_pending(void)
{
    return net_events_pending();
}

static uint32_t clients_idle_ms(void)
{
    uint32_t left = UINT32_MAX;

    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->idle_ms) {
            uint32_t ms = clients[i]->idle_ms();
            if (ms < left)
                left = ms;
        }
    return left;
}

uint32_t netmgr_idle_ms(void)
{
    uint32_t now, left = UINT32_MAX;

    if (state != S_ONLINE && state != S_DIALING && !have_deadline)
        return clients_idle_ms(); /* no clock read: idle lamps stay cheap */
    now = clock_ms();

    if (state == S_DIALING) {
        left = tls_dial_ms_left(&dial);
    } else if (state == S_ONLINE) {
        uint32_t due = mq.ping_outstanding ? ping_sent_ms + PING_TIMEOUT_MS
                                           : last_tx_ms + KEEPALIVE_S * 1000u * 3 / 4;
        left = (int32_t)(due - now) > 0 ? due - now : 0;
        uint32_t telemetry = telemetry_due_ms();
        if ((int32_t)(telemetry - now) < (int32_t)left)
            left = (int32_t)(telemetry - now) > 0 ? telemetry - now : 0;
    } else if (have_deadline) {
        left = (int32_t)(deadline - now) > 0 ? deadline - now : 0;
    }
    uint32_t theirs = clients_idle_ms();
    return left < theirs ? left : theirs;
}

bool netmgr_online(void)
{
    return state == S_ONLINE;
}

static void print_failure(const char *name, uint32_t n, void *user)
{
    unsigned *printed = user;

    (*printed)++;
    uart_putc(' ');
    uart_puts(name);
    uart_putc(' ');
    uart_put_dec(n);
}

void netmgr_print_status(void)
{
    const struct tls_counters *c = tls_counters();
    unsigned printed = 0;

    uart_puts("cloud: ");
    uart_puts(state == S_DIALING ? tls_dial_state_name(dial.state) : state_names[state]);
    uart_puts("\n  endpoint ");
    uart_puts(host[0] ? host : "-");
    uart_putc(':');
    uart_put_dec(port);
    uart_puts("\n  wifi ");
    uart_puts(creds.ssid[0] ? creds.ssid : "-");
    uart_puts(net_link_up() ? " (link up)" : " (link down)");
    uart_puts("\n  connects ");
    uart_put_dec(connects);
    uart_puts(" drops ");
    uart_put_dec(drops);
    uart_puts("\n  tls full ");
    uart_put_dec(c->full);
    uart_puts(" resumed ");
    uart_put_dec(c->resumed);
    uart_puts(" failed ");
    uart_put_dec(c->failed);
    uart_puts("\n  failures");
    link_failures_each(print_failure, &printed);
    if (!printed)
        uart_puts(" none");
    for (unsigned i = 0; i < n_clients; i++)
        if (clients[i]->print_status)
            clients[i]->print_status();
    uart_puts("\n  crypto engine ");
    if (crypto_engine_present()) {
        uart_put_dec(crypto_engine_ops());
        uart_puts(" ops, ");
        uart_put_dec(crypto_engine_errors());
        uart_puts(" refused");
    } else {
        uart_puts("absent");
    }
    uart_putc('\n');
}
