/* firmware/app/ota.c: the OTA client.  A notification on lamp/SERIAL/ota
 * starts a download through the HTTPS engine (https_download.c) whose
 * bytes go straight into staging (staging.c), which checks the header at
 * 256 bytes and the signature, epoch and content at the end: nothing
 * unverified is ever marked installable.  The staging state is in RAM, so
 * a reset restarts the download from the beginning.  Every step prints an
 * "ota:" console line and is reported on lamp/SERIAL/ota/status.  A
 * netmgr client: notifications come on lamp/SERIAL/ota; its passes reboot
 * into the bootloader once an image is staged.  While an app package
 * downloads (one download at a time), the latest notification waits and
 * starts when the engine is free. */
#include "ota.h"

#include "cJSON.h"
#include "clock.h"
#include "hw.h"
#include "https_download.h"
#include "image.h"
#include "log.h"
#include "netmgr.h"
#include "shadow.h"
#include "staging.h"
#include "version_text.h"

#include <stdio.h>
#include <string.h>

#define REBOOT_DELAY_MS 1000u      /* lets the "staged" status reach the broker */

static struct {
    char version[16];
    bool rebooting;
    uint32_t reboot_at;
    /* A notification that came while an app downloaded. */
    bool waiting;
    char waiting_url[160], waiting_version[16];
} o;

static void status(const char *state, const char *why)
{
    char json[200];

    snprintf(json, sizeof(json), "{\"state\":\"%s\",\"version\":\"%s\",\"received\":%lu%s%s%s}",
             state, o.version, (unsigned long)staging_received(), why ? ",\"why\":\"" : "",
             why ? why : "", why ? "\"" : "");
    netmgr_publish("ota/status", json, false, NULL);
}

/* Gives up for good: the staged bytes are dropped, the firmware stays. */
static void gave_up(const char *state, const char *why)
{
    staging_abort();
    LOG_ERR("ota: %s: %s; the running firmware stays", state, why);
    status(state, why);
}

static void interrupted(const char *why)
{
    status("interrupted", why);
}

static void complete(void)
{
    const struct image_header *h = staging_header();
    const char *why = staging_finish();
    char ver[16];

    if (why) {
        gave_up("refused", why);
        return;
    }
    version_text(h->fw_version, ver, sizeof(ver));
    LOG_INF("ota: image %s epoch %lu staged; rebooting to install", ver,
            (unsigned long)h->security_epoch);
    status("staged", NULL);
    o.rebooting = true;
    o.reboot_at = clock_ms() + REBOOT_DELAY_MS;
}

static const struct https_download_sink sink = {
    .topic = "ota", .write = staging_write, .received = staging_received,
    .restart = staging_begin, .complete = complete, .interrupted = interrupted,
    .gave_up = gave_up,
};

static void offer_download(const char *url, const char *version)
{
    const struct image_header *running = (const struct image_header *)SLOT_A_ADDR;
    const struct https_download_sink *busy = https_download_running();
    char current[16];
    const char *why;

    if (busy == &sink || o.rebooting) {
        if (strcmp(url, https_download_url()) != 0)
            LOG_INF("ota: busy with %s", https_download_url());
        return;
    }
    if (busy) {
        LOG_INF("ota: %s waits until the %s download ends", url, busy->topic);
        o.waiting = true;
        strcpy(o.waiting_url, url);
        strcpy(o.waiting_version, version);
        return;
    }
    version_text(running->fw_version, current, sizeof(current));
    strcpy(o.version, version);
    if (!strcmp(o.version, current)) {
        LOG_INF("ota: already running %s", current);
        status("current", NULL);
        return;
    }
    if (!https_download_url_ok(url)) {
        LOG_ERR("ota: refused: not an https://host[:port]/path URL: %s", url);
        status("refused", "bad url");
        return;
    }
    why = staging_begin();
    if (why) {
        LOG_ERR("ota: refused: cannot stage: %s", why);
        status("refused", why);
        return;
    }
    LOG_INF("ota: downloading %s", url);
    status("downloading", NULL);
    if (!https_download_start(&sink, url)) /* checked above: cannot happen */
        gave_up("failed", "the download could not start");
}

static void offer(const cJSON *n)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(n, "url");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(n, "version");

    if (!cJSON_IsString(url) || !cJSON_IsString(ver) || strlen(ver->valuestring) >= 16 ||
        strlen(url->valuestring) >= sizeof(o.waiting_url)) {
        LOG_WRN("ota: notification without a url and version: ignored");
        return;
    }
    offer_download(url->valuestring, ver->valuestring);
}

static void poll(uint32_t ev)
{
    (void)ev;
    if (o.waiting && !https_download_running()) {
        o.waiting = false;
        offer_download(o.waiting_url, o.waiting_version);
    }
    if (o.rebooting && (int32_t)(clock_ms() - o.reboot_at) >= 0) {
        SCB_AIRCR = AIRCR_RESET;
        dsb_isb();
        for (;;)
            ;
    }
}

static uint32_t idle_ms(void)
{
    int32_t left;

    if (o.waiting && !https_download_running())
        return 0;
    if (!o.rebooting)
        return UINT32_MAX;
    left = (int32_t)(o.reboot_at - clock_ms());
    return left > 0 ? (uint32_t)left : 0;
}

static void on_notification(const char *suffix, const char *payload, size_t len)
{
    shadow_json_message(suffix, payload, len, offer);
}

static const struct netmgr_client client = {
    .topic = "ota", .message = on_notification, .poll = poll, .idle_ms = idle_ms,
};

void ota_init(void)
{
    https_download_init();
    if (netmgr_register(&client) != 0)
        LOG_ERR("ota: netmgr has no room for the OTA client; updates come by console only");
}
