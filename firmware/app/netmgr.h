/* firmware/app/netmgr.h: the lamp's cloud connection (docs/cloud.md):
 * WiFi join, DNS, TCP, TLS 1.2, MQTT; kept open with keepalive pings; on
 * any loss, reconnect with exponential backoff and jitter, resuming the
 * TLS session; the hub through which the subsystems (its clients, below)
 * take and send their messages.  Driven from the main loop, never
 * blocking. */
#ifndef LAMP_NETMGR_H
#define LAMP_NETMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A subsystem that works over the cloud connection (the shadow, OTA,
 * commissioning's key report, crash reports) registers once at boot;
 * netmgr then asks its clients, in the order they registered, and names
 * none of them.  Any member may be NULL. */
struct netmgr_client {
    /* The suffix of the topic it takes (lamp/SERIAL/<topic>), subscribed
     * at every connect, and what to do with a message on it.  A topic
     * ending in "/+" (MQTT's single-level wildcard) takes every topic one
     * level below; message's suffix is the message's own ("appctl/NAME"). */
    const char *topic;
    void (*message)(const char *suffix, const char *payload, size_t len);
    /* The broker accepted the lamp: what the cloud must hear at once. */
    void (*online)(void);
    /* The broker acknowledged the QoS 1 publish with this packet id. */
    void (*acked)(uint16_t packet_id);
    /* Every main-loop pass while the network runs, with the NET events
     * (NET_EV_*) netmgr took from the module this pass. */
    void (*poll)(uint32_t net_events);
    /* ms until poll must run even if nothing happens (UINT32_MAX: never). */
    uint32_t (*idle_ms)(void);
    /* Its lines of the `net` console command. */
    void (*print_status)(void);
    /* Its members of the telemetry object, each as ,"key":value (out is
     * empty when it has none now). */
    void (*telemetry)(char *out, size_t cap);
    /* Topics that come and go at run time (the partner apps'): at every
     * connect netmgr has it name them all through subscribe; a message on
     * a topic no client's `topic` names goes to the first client whose
     * takes() accepts its suffix, through message. */
    void (*resubscribe)(void (*subscribe)(const char *suffix));
    bool (*takes)(const char *suffix);
};

/* 0, or -1 when netmgr has no room for another client.  c stays the
 * caller's and must live as long as the lamp runs. */
int netmgr_register(const struct netmgr_client *c);

/* At boot: reads credentials and the cloud endpoint, starts joining. */
void netmgr_start(void);
/* Does whatever is due now; called on every main-loop pass. */
void netmgr_poll(void);
/* The WiFi module has news netmgr_poll has not taken yet: do not sleep. */
bool netmgr_pending(void);
/* ms until netmgr_poll must run again even if nothing happens (for the
 * wake-up timer). */
uint32_t netmgr_idle_ms(void);
/* New credentials from the console `wifi` (saved here). */
void netmgr_set_wifi(const char *ssid, const char *passphrase);
/* Credentials commissioning has saved: join with them now. */
struct wifi_creds;
void netmgr_use_wifi(const struct wifi_creds *c);
/* Closes the cloud connection and connects again (console `net reconnect
 * [full]`; full: without offering the saved TLS session). */
void netmgr_reconnect(bool full);
/* The `net` console command. */
void netmgr_print_status(void);
bool netmgr_online(void);
/* Publishes on the lamp's topic suffix (QoS 1); 0 if queued, and
 * *packet_id (if not NULL) is what the client's acked will be given. */
int netmgr_publish(const char *suffix, const char *json, bool retain, uint16_t *packet_id);
/* Subscribes lamp/SERIAL/<suffix> now (QoS 1) for a client with
 * `takes`; 0, or -1 when offline (its resubscribe names it at the next
 * connect).  Nothing unsubscribes: a topic a client no longer takes is
 * dropped on arrival until the next connect. */
int netmgr_subscribe(const char *suffix);

#endif
