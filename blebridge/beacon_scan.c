/* blebridge/beacon_scan.c: beacon frames read out of advertising data
 * (beacon_scan.h). */
#include "beacon_scan.h"

#include "ble.h"
#include "hex.h"

#include <glib.h>
#include <string.h>

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Manufacturer data d (n bytes) as an iBeacon. */
static bool read_ibeacon(const uint8_t *d, size_t n, struct ibeacon_id *out)
{
    if (n != IBEACON_MSD_LEN || le16(d + IBEACON_OFF_COMPANY) != IBEACON_COMPANY_ID ||
        d[IBEACON_OFF_TYPE] != IBEACON_TYPE || d[IBEACON_OFF_LEN] != IBEACON_PAYLOAD_LEN)
        return false;
    memcpy(out->uuid, d + IBEACON_OFF_UUID, IBEACON_UUID_LEN);
    out->major = be16(d + IBEACON_OFF_MAJOR);
    out->minor = be16(d + IBEACON_OFF_MINOR);
    out->measured_power = (int8_t)d[IBEACON_OFF_POWER];
    return true;
}

/* 16-bit service data d (n bytes) as an Eddystone-UID frame, with or
 * without its reserved bytes. */
static bool read_eddystone_uid(const uint8_t *d, size_t n, struct eddystone_uid_id *out)
{
    if ((n != EDDYSTONE_UID_SD_LEN && n != EDDYSTONE_UID_SD_MIN) ||
        le16(d + EDDYSTONE_OFF_UUID) != EDDYSTONE_UUID16 ||
        d[EDDYSTONE_OFF_FRAME_TYPE] != EDDYSTONE_FRAME_UID)
        return false;
    out->ranging_power = (int8_t)d[EDDYSTONE_UID_OFF_POWER];
    memcpy(out->namespace_id, d + EDDYSTONE_UID_OFF_NAMESPACE, EDDYSTONE_UID_NAMESPACE_LEN);
    memcpy(out->instance_id, d + EDDYSTONE_UID_OFF_INSTANCE, EDDYSTONE_UID_INSTANCE_LEN);
    return true;
}

enum beacon_kind beacon_scan(const uint8_t *ad, size_t len, struct beacon *out)
{
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    while (i + AD_HEADER_LEN <= len && ad[i + AD_OFF_LEN] &&
           i + 1u + ad[i + AD_OFF_LEN] <= len) {
        const uint8_t *d = ad + i + AD_OFF_DATA;
        size_t n = ad[i + AD_OFF_LEN] - 1u;
        uint8_t type = ad[i + AD_OFF_TYPE];
        if (type == AD_TYPE_MANUFACTURER && read_ibeacon(d, n, &out->ibeacon))
            return out->kind = BEACON_IBEACON;
        if (type == AD_TYPE_SERVICE_DATA16 && read_eddystone_uid(d, n, &out->eddystone_uid))
            return out->kind = BEACON_EDDYSTONE_UID;
        i += 1u + ad[i + AD_OFF_LEN];
    }
    return out->kind = BEACON_NONE;
}

char *beacon_scan_line(const char *addr, const uint8_t *ad, size_t len)
{
    struct beacon b;

    switch (beacon_scan(ad, len, &b)) {
    case BEACON_IBEACON: {
        char uuid[37];
        ble_uuid_format(b.ibeacon.uuid, uuid);
        return g_strdup_printf("ibeacon %s %s %u %u %d", addr, uuid, b.ibeacon.major,
                               b.ibeacon.minor, b.ibeacon.measured_power);
    }
    case BEACON_EDDYSTONE_UID: {
        g_autofree char *ns = hex_encode(b.eddystone_uid.namespace_id, EDDYSTONE_UID_NAMESPACE_LEN);
        g_autofree char *inst = hex_encode(b.eddystone_uid.instance_id, EDDYSTONE_UID_INSTANCE_LEN);
        return g_strdup_printf("eddystone-uid %s %s %s %d", addr, ns, inst,
                               b.eddystone_uid.ranging_power);
    }
    case BEACON_NONE:
        break;
    }
    {
        g_autofree char *h = hex_encode(ad, len);
        return g_strdup_printf("broadcast %s %s", addr, len ? h : "-");
    }
}
