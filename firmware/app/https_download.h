/* firmware/app/https_download.h: the HTTPS download engine shared by the
 * OTA client (ota.c: update images into slot B) and app delivery
 * (app_delivery.c: packages into the app store).  One download at a time,
 * on NET socket 1 beside the broker's, over its own TLS link with the
 * lamp's client certificate (TLS session slot `ota`, resumed across
 * retries); a dropped connection is resumed after a backoff from the byte
 * the sink holds, with an HTTP Range request.  Bytes go straight into the
 * sink, which verifies at the end: nothing is trusted on the way. */
#ifndef LAMP_HTTPS_DOWNLOAD_H
#define LAMP_HTTPS_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the bytes go; the engine's console lines start "<topic>: ". */
struct https_download_sink {
    const char *topic;
    /* The next bytes, at offset received().  NULL, or why refused. */
    const char *(*write)(const uint8_t *data, size_t len);
    uint32_t (*received)(void);
    /* The server ignored Range: start the file over.  NULL or why not. */
    const char *(*restart)(void);
    /* Every byte arrived and the link is closed: verify, commit, report. */
    void (*complete)(void);
    /* The connection failed; the download resumes after a backoff. */
    void (*interrupted)(const char *why);
    /* Given up ("failed" after retries or an HTTP error, "refused" when
     * write refused): the sink drops what it holds and reports. */
    void (*gave_up)(const char *state, const char *why);
};

/* At boot: registers the engine's passes with netmgr. */
void https_download_init(void);
/* Whether url is an https://host[:port]/path this engine can fetch. */
bool https_download_url_ok(const char *url);
/* Starts fetching url (https_download_url_ok) into sink; the sink has
 * begun its file (received() is 0).  False when a download runs. */
bool https_download_start(const struct https_download_sink *sink, const char *url);
/* The sink of the download that runs, or NULL when idle. */
const struct https_download_sink *https_download_running(void);
/* The URL of the download that runs. */
const char *https_download_url(void);

#endif
