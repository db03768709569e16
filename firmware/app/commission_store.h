/* firmware/app/commission_store.h: the lamp's commissioning state in
 * nvstore (docs/commissioning.md#keys): the key counter n, the key K(n)
 * and the WiFi credentials it delivered, in one record so that a power cut
 * leaves either the old key with the old credentials or the new key with
 * the new ones.  Two sectors written in turn, each record sequence-numbered
 * with its magic programmed last.  Privileged code only (the MPU keeps
 * nvstore from unprivileged code). */
#ifndef LAMP_COMMISSION_STORE_H
#define LAMP_COMMISSION_STORE_H

#include "wifi_creds.h"

#include <stdbool.h>
#include <stdint.h>

struct commission_state {
    uint32_t n;
    uint8_t key[16];
    bool has_creds;
    struct wifi_creds creds;
};

/* 0 and the newest state: the newest valid record, else n = 0 with K(0)
 * from the keystore (and credentials of the record format before this
 * one, if any); -1 if the keystore has no commissioning key. */
int commission_store_load(struct commission_state *out);
/* 0, or the FLASHCTL error bits. */
uint32_t commission_store_save(const struct commission_state *s);

#endif
