/* firmware/app/commission.c: the commissioning GATT service
 * (docs/commissioning.md): lamp info with a fresh nonce and a proof of the
 * key state, the credentials blob checked and decrypted under K(n), the
 * move to K(n+1), and the outcome on the status characteristic. */
#include "commission.h"

#include "ble.h"
#include "commission_blob.h"
#include "commission_format.h"
#include "commission_store.h"
#include "hw.h"
#include "log.h"
#include "netmgr.h"
#include "rng.h"
#include "uart.h"

#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

#include <stdio.h>
#include <string.h>

/* Layouts and UUIDs: commission_format.h (docs/commissioning.md). */
#define SERIAL16 COMMISSION_SERIAL16
#define BLOB_MAX COMMISSION_BLOB_MAX

/* In SRAM: the controller's DMA does not reach flash. */
static uint8_t uuid_service[16] = COMMISSION_UUID_BYTES(COMMISSION_SERVICE_N),
               uuid_info[16] = COMMISSION_UUID_BYTES(COMMISSION_INFO_N),
               uuid_creds[16] = COMMISSION_UUID_BYTES(COMMISSION_CREDS_N),
               uuid_status[16] = COMMISSION_UUID_BYTES(COMMISSION_STATUS_N);

static bool ready;
static uint16_t h_info, h_creds, h_status;
static uint8_t serial16[SERIAL16];
static uint8_t nonce[COMMISSION_NONCE_LEN];
static uint8_t info[COMMISSION_INFO_LEN];
static uint8_t blob[BLOB_MAX + 1]; /* one more: a longer blob is seen as such */
static char status_text[COMMISSION_STATUS_MAX];
static uint8_t adv[BLE_ADV_MAX];
static uint32_t accepted, rejected;

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static int hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                       const uint8_t *b, size_t b_len, uint8_t out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    int ret;

    mbedtls_md_init(&ctx);
    ret = mbedtls_md_setup(&ctx, md, 1);
    if (!ret)
        ret = mbedtls_md_hmac_starts(&ctx, key, key_len);
    if (!ret)
        ret = mbedtls_md_hmac_update(&ctx, a, a_len);
    if (!ret && b_len)
        ret = mbedtls_md_hmac_update(&ctx, b, b_len);
    if (!ret)
        ret = mbedtls_md_hmac_finish(&ctx, out);
    mbedtls_md_free(&ctx);
    return ret;
}

/* K(n+1) = HKDF-SHA256(salt none, IKM K(n), info n big endian, L 16). */
static int next_key(const uint8_t key[16], uint32_t n, uint8_t out[16])
{
    static const uint8_t zero_salt[32];
    uint8_t prk[32], t[32], info_n[5] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                                           (uint8_t)n, 1 };
    int ret = hmac_sha256(zero_salt, sizeof(zero_salt), key, 16, NULL, 0, prk);

    if (!ret)
        ret = hmac_sha256(prk, sizeof(prk), info_n, sizeof(info_n), NULL, 0, t);
    memcpy(out, t, 16);
    mbedtls_platform_zeroize(prk, sizeof(prk));
    mbedtls_platform_zeroize(t, sizeof(t));
    return ret;
}

/* Lamp info with a new nonce and the proof under the current key. */
static bool refresh_info(void)
{
    struct commission_state s;
    uint8_t mac[32];
    bool ok;

    if (commission_store_load(&s) != 0 || rng_read(nonce, sizeof(nonce)) != 0)
        return false;
    memset(info, 0, sizeof(info));
    info[COMMISSION_INFO_OFF_VERSION] = COMMISSION_INFO_VERSION;
    info[COMMISSION_INFO_OFF_FLAGS] = s.has_creds ? COMMISSION_INFO_FLAG_HAS_CREDS : 0;
    memcpy(info + COMMISSION_INFO_OFF_SERIAL, serial16, SERIAL16);
    put_le32(info + COMMISSION_INFO_OFF_N, s.n);
    memcpy(info + COMMISSION_INFO_OFF_NONCE, nonce, COMMISSION_NONCE_LEN);
    ok = hmac_sha256(s.key, COMMISSION_KEY_LEN, (const uint8_t *)COMMISSION_INFO_PROOF_LABEL,
                     COMMISSION_INFO_PROOF_LABEL_LEN, info, COMMISSION_INFO_PROVED, mac) == 0;
    memcpy(info + COMMISSION_INFO_OFF_PROOF, mac, COMMISSION_PROOF_LEN);
    mbedtls_platform_zeroize(&s, sizeof(s));
    return ok && ble_set_value(h_info, info, sizeof(info)) == 0;
}

/* Tells the central and the console what became of the blob (status_text). */
static void answer(void)
{
    /* a new nonce before the answer: a blob works once, and a central
     * that reads lamp info after the answer gets the new one */
    refresh_info();
    ble_notify(h_status, status_text, (uint32_t)strlen(status_text));
    LOG_INF("commission: %s", status_text);
}

static void reject(const char *reason, const char *text)
{
    rejected++;
    snprintf(status_text, sizeof(status_text), "rejected %s: %s", reason, text);
    answer();
}

static void handle_blob(size_t len)
{
    const struct commission_refusal *why;
    struct commission_state s;
    uint32_t ct_len, err;
    struct wifi_creds c;

    if ((why = commission_blob_check(blob, len, serial16, &ct_len)) != NULL) {
        reject(why->reason, why->text);
        return;
    }
    if (commission_store_load(&s) != 0) {
        reject("flash", "no commissioning key in the keystore");
        return;
    }
    if ((why = commission_blob_open(blob, ct_len, s.n, s.key, nonce, &c)) != NULL) {
        reject(why->reason, why->text);
        goto out;
    }
    if (next_key(s.key, s.n, s.key) != 0) {
        reject("flash", "key derivation failed");
        goto out;
    }
    s.n++;
    s.creds = c;
    s.has_creds = true;
    if ((err = commission_store_save(&s)) != 0) {
        reject("flash", "the record could not be written");
        goto out;
    }
    accepted++;
    snprintf(status_text, sizeof(status_text), "accepted n=%lu", (unsigned long)s.n);
    answer();
    netmgr_use_wifi(&c);
out:
    mbedtls_platform_zeroize(&s, sizeof(s));
    mbedtls_platform_zeroize(&c, sizeof(c));
}

static bool build_service(void)
{
    size_t name_len = strnlen((const char *)serial16, SERIAL16), i = 0;

    h_info = ble_add_service(uuid_service)
                 ? ble_add_char(uuid_info, BLE_PROP_READ, COMMISSION_INFO_LEN) : 0;
    h_creds = h_info ? ble_add_char(uuid_creds, BLE_PROP_WRITE, BLOB_MAX) : 0;
    h_status = h_creds ? ble_add_char(uuid_status, BLE_PROP_READ | BLE_PROP_NOTIFY,
                                      COMMISSION_STATUS_MAX) : 0;
    if (!h_status)
        return false;
    /* flags, the service UUID (little endian in AD), and as much of the
     * serial as fits as the shortened name */
    adv[i++] = 2, adv[i++] = 0x01, adv[i++] = 0x06;
    adv[i++] = 17, adv[i++] = 0x07;
    for (int b = 15; b >= 0; b--)
        adv[i++] = uuid_service[b];
    if (name_len > sizeof(adv) - i - 2)
        name_len = sizeof(adv) - i - 2;
    adv[i++] = (uint8_t)(name_len + 1), adv[i++] = 0x08;
    memcpy(adv + i, serial16, name_len);
    i += name_len;
    memcpy(status_text, "idle", 5); /* the controller's DMA reads SRAM only */
    return ble_set_adv(adv, (uint32_t)i) == 0 && refresh_info() &&
           ble_set_value(h_status, status_text, 4) == 0 && ble_advertise(true) == 0;
}

/* The key counter, after every connect, so the cloud moves its copy of the
 * key forward (docs/commissioning.md#key-advance). */
static void report_key_counter(void)
{
    char json[24];

    snprintf(json, sizeof(json), "{\"n\":%lu}", (unsigned long)commission_key_counter());
    netmgr_publish("commissioned", json, false, NULL);
}

static const struct netmgr_client key_report = { .online = report_key_counter };

void commission_start(void)
{
    size_t len = strnlen(OTP_SERIAL, SERIAL16 - 1);

    if (netmgr_register(&key_report) != 0)
        LOG_ERR("commission: netmgr has no room for the key report; the cloud's key stays behind");
    memset(serial16, 0, sizeof(serial16));
    memcpy(serial16, OTP_SERIAL, len);
    if (!ble_init()) {
        LOG_ERR("ble: no controller; commissioning unavailable");
        return;
    }
    if (!build_service()) {
        LOG_ERR("ble: the commissioning service could not be set up: controller error %lu "
                "(docs/hardware.md#ble)", (unsigned long)ble_last_error());
        return;
    }
    ready = true;
}

void commission_poll(void)
{
    struct ble_event ev;

    if (!ready)
        return;
    while ((ev = ble_next_event(blob, sizeof(blob))).type != BLE_EV_NONE) {
        switch (ev.type) {
        case BLE_EV_DISCONNECTED:
            /* a new nonce for the next link; the lamp is not connectable
             * until it advertises again, so no central reads the old one */
            refresh_info();
            ble_advertise(true);
            break;
        case BLE_EV_WRITE:
            if (ev.handle == h_creds)
                handle_blob(ev.len > sizeof(blob) ? sizeof(blob) : ev.len);
            break;
        default:
            break;
        }
    }
}

bool commission_pending(void)
{
    return ready && ble_pending();
}

void commission_print_status(void)
{
    struct commission_state s;

    uart_puts("commission: ");
    if (!ready) {
        uart_puts("unavailable\n");
        return;
    }
    if (commission_store_load(&s) != 0) {
        uart_puts("no key in the keystore\n");
        return;
    }
    uart_puts(s.has_creds ? "commissioned" : "not commissioned");
    uart_puts(", key n=");
    uart_put_dec(s.n);
    uart_puts(", blobs accepted ");
    uart_put_dec(accepted);
    uart_puts(", rejected ");
    uart_put_dec(rejected);
    uart_puts("\n");
    mbedtls_platform_zeroize(&s, sizeof(s));
}

uint32_t commission_key_counter(void)
{
    struct commission_state s;
    uint32_t n = commission_store_load(&s) == 0 ? s.n : 0;
    mbedtls_platform_zeroize(&s, sizeof(s));
    return n;
}
