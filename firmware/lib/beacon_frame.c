/* firmware/lib/beacon_frame.c: iBeacon and Eddystone-UID frames as
 * advertising data (beacon_frame.h). */
#include "beacon_frame.h"

#include <string.h>

/* An AD structure's header; returns where its data goes. */
static uint8_t *ad_structure(uint8_t *p, uint8_t type, unsigned data_len)
{
    p[AD_OFF_LEN] = (uint8_t)(1u + data_len);
    p[AD_OFF_TYPE] = type;
    return p + AD_OFF_DATA;
}

static uint8_t *put_flags(uint8_t *p)
{
    uint8_t *d = ad_structure(p, AD_TYPE_FLAGS, AD_FLAGS_LEN - AD_HEADER_LEN);

    d[0] = BEACON_FLAGS;
    return p + AD_FLAGS_LEN;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

int beacon_ibeacon_frame(const struct ibeacon_id *id, uint8_t out[BLE_ADV_MAX])
{
    uint8_t *d = ad_structure(put_flags(out), AD_TYPE_MANUFACTURER, IBEACON_MSD_LEN);

    put_le16(d + IBEACON_OFF_COMPANY, IBEACON_COMPANY_ID);
    d[IBEACON_OFF_TYPE] = IBEACON_TYPE;
    d[IBEACON_OFF_LEN] = IBEACON_PAYLOAD_LEN;
    memcpy(d + IBEACON_OFF_UUID, id->uuid, IBEACON_UUID_LEN);
    put_be16(d + IBEACON_OFF_MAJOR, id->major);
    put_be16(d + IBEACON_OFF_MINOR, id->minor);
    d[IBEACON_OFF_POWER] = (uint8_t)id->measured_power;
    return IBEACON_FRAME_LEN;
}

int beacon_eddystone_uid_frame(const struct eddystone_uid_id *id, uint8_t out[BLE_ADV_MAX])
{
    uint8_t *p, *d;

    if (id->ranging_power < EDDYSTONE_UID_POWER_MIN || id->ranging_power > EDDYSTONE_UID_POWER_MAX)
        return -BEACON_E_RANGE;
    p = put_flags(out);
    put_le16(ad_structure(p, AD_TYPE_UUID16_ALL, EDDYSTONE_UUID_LIST_LEN - AD_HEADER_LEN),
             EDDYSTONE_UUID16);
    d = ad_structure(p + EDDYSTONE_UUID_LIST_LEN, AD_TYPE_SERVICE_DATA16, EDDYSTONE_UID_SD_LEN);
    put_le16(d + EDDYSTONE_OFF_UUID, EDDYSTONE_UUID16);
    d[EDDYSTONE_OFF_FRAME_TYPE] = EDDYSTONE_FRAME_UID;
    d[EDDYSTONE_UID_OFF_POWER] = (uint8_t)id->ranging_power;
    memcpy(d + EDDYSTONE_UID_OFF_NAMESPACE, id->namespace_id, EDDYSTONE_UID_NAMESPACE_LEN);
    memcpy(d + EDDYSTONE_UID_OFF_INSTANCE, id->instance_id, EDDYSTONE_UID_INSTANCE_LEN);
    memset(d + EDDYSTONE_UID_OFF_RESERVED, 0, EDDYSTONE_UID_RESERVED_LEN);
    return EDDYSTONE_UID_FRAME_LEN;
}
