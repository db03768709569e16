/* firmware/app/netmgr.h: the lamp's cloud connection (docs/cloud.md):
 * WiFi join, DNS, TCP, TLS 1.2, MQTT; kept open with keepalive pings; on
 * any loss, reconnect with exponential backoff and jitter, resuming the
 * TLS session.  Driven from the main loop, never blocking. */
#ifndef LAMP_NETMGR_H
#define LAMP_NETMGR_H

#include <stdbool.h>
#include <stdint.h>

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
/* Publishes on the lamp's topic suffix (QoS 1); 0 if queued. */
int netmgr_publish(const char *suffix, const char *json, bool retain);

#endif
