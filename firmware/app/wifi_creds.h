/* firmware/app/wifi_creds.h: the WiFi credentials the lamp holds, kept in
 * nvstore with its commissioning key (commission_store.h). */
#ifndef LAMP_WIFI_CREDS_H
#define LAMP_WIFI_CREDS_H

#include <stdint.h>

struct wifi_creds {
    char ssid[33];
    char passphrase[64];
    char proxy[64];   /* "host:port", or empty */
};

/* 0 and the credentials, or -1 when the lamp has none. */
int wifi_creds_load(struct wifi_creds *out);
/* Replaces the credentials, keeping the commissioning key (the console's
 * development stand-in for commissioning); 0, or the FLASHCTL error bits. */
uint32_t wifi_creds_save(const struct wifi_creds *c);

#endif
