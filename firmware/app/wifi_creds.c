/* firmware/app/wifi_creds.c: the WiFi credentials, as part of the
 * commissioning record. */
#include "wifi_creds.h"
#include "commission_store.h"

int wifi_creds_load(struct wifi_creds *out)
{
    struct commission_state s;

    if (commission_store_load(&s) != 0 || !s.has_creds)
        return -1;
    *out = s.creds;
    return 0;
}

uint32_t wifi_creds_save(const struct wifi_creds *c)
{
    struct commission_state s;

    if (commission_store_load(&s) != 0)
        return 1u << 31; /* no commissioning key: the keystore is not intact */
    s.creds = *c;
    s.has_creds = true;
    return commission_store_save(&s);
}
