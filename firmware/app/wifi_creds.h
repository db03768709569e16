/* firmware/app/wifi_creds.h: the WiFi credentials in nvstore
 * (docs/formats.md#nvstore).  Two sectors written in turn, each record
 * sequence-numbered with its magic programmed last, so a power cut while
 * saving leaves the previous credentials. */
#ifndef LAMP_WIFI_CREDS_H
#define LAMP_WIFI_CREDS_H

#include <stdint.h>

struct wifi_creds {
    char ssid[33];
    char passphrase[64];
};

/* 0 and the newest valid record, or -1 when the lamp has none. */
int wifi_creds_load(struct wifi_creds *out);
/* 0, or the FLASHCTL error bits. */
uint32_t wifi_creds_save(const struct wifi_creds *c);

#endif
