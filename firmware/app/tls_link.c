/* firmware/app/tls_link.c: the lamp's TLS 1.2 client on mbedTLS.  The
 * session kept for resumption lives in RAM only: a reset costs one full
 * handshake, and nothing secret is ever written to flash. */
#include "tls_link.h"
#include "link_failures.h"
#include "rng.h"
#include "tls_alert.h"

#include "hw.h"
#include "keystore_read.h"
#include "net.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl_internal.h"
#include "mbedtls/x509_crt.h"

#include <stdio.h>
#include <string.h>

#define ERR_CONN_RESET (-0x0050) /* MBEDTLS_ERR_NET_CONN_RESET, without net_sockets.c */

static mbedtls_ssl_config conf;
static mbedtls_x509_crt cloud_ca, own_cert;
static mbedtls_pk_context own_key;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_session saved[TLS_SLOTS];
static bool have_saved[TLS_SLOTS], ready;
/* Handshakes that lost their connection since the last one that worked:
 * the saved session is kept through one (below). */
static uint8_t transport_failures[TLS_SLOTS];
static struct tls_counters counters;

static const int suites[] = { MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0 };
static const mbedtls_ecp_group_id curves[] = { MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE };
static const int sig_hashes[] = { MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE };

static mbedtls_time_t rtc_time(mbedtls_time_t *t)
{
    mbedtls_time_t now = (mbedtls_time_t)RTC_SECONDS;
    if (t)
        *t = now;
    return now;
}

/* Entropy source: the hardware RNG (SECS: health test failed = no entropy). */
static int hw_entropy(void *data, unsigned char *out, size_t len, size_t *olen)
{
    (void)data;
    if (rng_read(out, len) != 0)
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    *olen = len;
    return 0;
}

const char *tls_init(void)
{
    const uint8_t *ca, *cert, *key;
    size_t ca_len, cert_len, key_len;

    if (ready)
        return NULL;
    mbedtls_platform_set_time(rtc_time);
    ca = keystore_find(KS_CLOUD_CA_CERT, &ca_len);
    cert = keystore_find(KS_DEVICE_CERT, &cert_len);
    key = keystore_find(KS_DEVICE_KEY, &key_len);
    if (!ca || !cert || !key)
        return "keystore lacks the cloud CA, device certificate or device key";
    mbedtls_x509_crt_init(&cloud_ca);
    mbedtls_x509_crt_init(&own_cert);
    mbedtls_pk_init(&own_key);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    if (mbedtls_x509_crt_parse_der(&cloud_ca, ca, ca_len))
        return "cloud CA certificate in the keystore does not parse";
    if (mbedtls_x509_crt_parse_der(&own_cert, cert, cert_len))
        return "device certificate in the keystore does not parse";
    if (mbedtls_pk_parse_key(&own_key, key, key_len, NULL, 0))
        return "device key in the keystore does not parse";
    if (mbedtls_entropy_add_source(&entropy, hw_entropy, NULL, 32, MBEDTLS_ENTROPY_SOURCE_STRONG) ||
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)"lamp tls", 8))
        return "no entropy from the hardware RNG";
    if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT))
        return "TLS configuration failed";
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    mbedtls_ssl_conf_curves(&conf, curves);
    mbedtls_ssl_conf_sig_hashes(&conf, sig_hashes);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &cloud_ca, NULL);
    if (mbedtls_ssl_conf_own_cert(&conf, &own_cert, &own_key))
        return "device certificate and key do not go together";
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_session_tickets(&conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    for (unsigned i = 0; i < TLS_SLOTS; i++)
        mbedtls_ssl_session_init(&saved[i]);
    ready = true;
    return NULL;
}

/* The BIO reads and writes the socket's rings in SRAM, so a record costs
 * no register access; what a handshake step writes leaves together at the
 * end of the main-loop pass (net_end_pass), a flight in one doorbell. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct tls_link *t = ctx;
    int n = net_send(t->sock, buf, len); /* refuses a socket not connected */

    if (n < 0)
        return ERR_CONN_RESET;
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct tls_link *t = ctx;
    /* The state before the bytes: a peer that sent and closed is read to
     * the end before its EOF. */
    uint32_t st = net_sock_state(t->sock);
    int n = net_recv(t->sock, buf, len);

    if (n > 0)
        return n;
    if (n < 0 || st == NET_SOCK_ERROR)
        return ERR_CONN_RESET;
    if (st == NET_SOCK_PEER_CLOSED)
        return 0; /* EOF */
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* mbedTLS 2.28 does not look for a parent among the presented
 * certificates unless it is a CA (x509_crt_check_parent), so a chain whose
 * intermediate lacks basicConstraints CA:TRUE fails as NOT_TRUSTED on the
 * leaf, the same as a chain from a stranger.  The callback sees the leaf
 * with the rest of the presented chain behind it: the certificate that
 * names itself the leaf's issuer there, and is no CA, is the reason. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct tls_link *t = ctx;

    if (depth != 0 || !(*flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED))
        return 0;
    for (const mbedtls_x509_crt *c = crt->next; c; c = c->next)
        if (c->subject_raw.len == crt->issuer_raw.len &&
            memcmp(c->subject_raw.p, crt->issuer_raw.p, crt->issuer_raw.len) == 0 &&
            !c->ca_istrue)
            t->intermediate_not_ca = true;
    return 0;
}

/* The reason of a failed verification (flags: mbedTLS's BADCERT bits). */
static enum link_failure cert_failure(const struct tls_link *t, uint32_t flags)
{
    if (t->intermediate_not_ca)
        return LF_CERT_INTERMEDIATE_NOT_CA;
    if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
        return LF_CERT_EXPIRED;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return LF_CERT_NAME_MISMATCH;
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return LF_CERT_NOT_TRUSTED;
    return LF_CERT_OTHER;
}

/* What err means, for a console line. */
static void reason_text(const struct tls_link *t, int err, char *out, size_t cap)
{
    if (err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && t->intermediate_not_ca) {
        snprintf(out, cap, "an intermediate certificate of the chain is not a CA");
    } else if (err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        /* the first reason is enough for one console line */
        int k = mbedtls_x509_crt_verify_info(out, cap, "",
                                             mbedtls_ssl_get_verify_result(&t->ssl));
        char *nl = k > 0 ? strchr(out, '\n') : NULL;
        if (k <= 0)
            snprintf(out, cap, "certificate verification failed");
        else if (nl)
            *nl = 0;
    } else if (err == ERR_CONN_RESET || err == MBEDTLS_ERR_SSL_CONN_EOF) {
        snprintf(out, cap, "the server closed or reset the connection");
    } else if (err == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        uint8_t d = t->ssl.in_msg[1]; /* mbedTLS leaves the alert there */
        const char *name = tls_alert_name(d);
        snprintf(out, cap, "the server sent a fatal alert: %s (%u)", name ? name : "unregistered", d);
    } else if (err == MBEDTLS_ERR_SSL_INVALID_MAC) {
        snprintf(out, cap, "a record failed its integrity check");
    } else {
        mbedtls_strerror(err, out, cap);
    }
}

static void set_why(struct tls_link *t, const char *what, int err)
{
    char reason[96];
    const char *sent = t->alert_sent ? tls_alert_name(t->alert_sent) : NULL;

    if (!err) {
        snprintf(t->why, sizeof(t->why), "%s", what);
        return;
    }
    reason_text(t, err, reason, sizeof(reason));
    if (sent)
        snprintf(t->why, sizeof(t->why), "%s: %s (%s sent)", what, reason, sent);
    else
        snprintf(t->why, sizeof(t->why), "%s: %s", what, reason);
}

/* The record-layer failures mbedTLS 2.28 answers with no alert of its own
 * in this configuration (it sends them only with
 * MBEDTLS_SSL_ALL_ALERT_MESSAGES): RFC 5246 7.2.2 wants one. */
static uint8_t alert_owed(int err)
{
    switch (err) {
    case MBEDTLS_ERR_SSL_INVALID_MAC: return MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC;
    case MBEDTLS_ERR_SSL_INVALID_RECORD: return MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR;
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE: return MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE;
    default: return 0;
    }
}

/* A fatal error on the connection (not the transport's): the alert it
 * owes, if mbedTLS sent none (out_before: the type of the last record
 * written before the failing call), the count by reason, and the session
 * forgotten: RFC 5246 7.2.2, a session that ended on a fatal alert, sent
 * or received, must not be resumed. */
static void on_fatal(struct tls_link *t, int err, int out_before, bool in_handshake)
{
    uint8_t owed = alert_owed(err);
    bool mbedtls_sent = t->ssl.out_msgtype == MBEDTLS_SSL_MSG_ALERT &&
                        out_before != MBEDTLS_SSL_MSG_ALERT;

    /* Before the keys are in use the alert mbedTLS wrote is still legible
     * in its output buffer; after, it is encrypted in place. */
    if (mbedtls_sent && t->ssl.transform_out == NULL)
        t->alert_sent = t->ssl.out_msg[1];

    t->fatal = true;
    if (err == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        link_failure_count_alert(t->ssl.in_msg[1]);
    else if (err == MBEDTLS_ERR_SSL_INVALID_MAC)
        link_failure_count(LF_BAD_RECORD_MAC);
    else if (err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        link_failure_count(cert_failure(t, mbedtls_ssl_get_verify_result(&t->ssl)));
    else
        link_failure_count(in_handshake && !owed ? LF_HANDSHAKE_REFUSED : LF_RECORD_ERROR);
    if (owed && !mbedtls_sent) {
        /* With output still pending, the first call only flushes it. */
        for (int i = 0; i < 2 && t->ssl.out_msgtype != MBEDTLS_SSL_MSG_ALERT; i++)
            if (mbedtls_ssl_send_alert_message(&t->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, owed) != 0)
                break;
        if (t->ssl.out_msgtype == MBEDTLS_SSL_MSG_ALERT)
            t->alert_sent = owed;
    }
    tls_forget_session(t->slot);
}

int tls_open(struct tls_link *t, unsigned sock, const char *host, enum tls_slot slot)
{
    int err;

    t->sock = sock;
    t->slot = slot;
    t->resumed = false;
    t->fatal = false;
    t->intermediate_not_ca = false;
    t->alert_sent = 0;
    t->why[0] = 0;
    if (!t->set_up) {
        mbedtls_ssl_init(&t->ssl);
        if ((err = mbedtls_ssl_setup(&t->ssl, &conf)) != 0) {
            mbedtls_ssl_free(&t->ssl);
            set_why(t, "TLS setup failed (out of memory?)", err);
            return -1;
        }
        t->set_up = true;
    }
    t->open = true;
    if ((err = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0) {
        set_why(t, "TLS setup failed (out of memory?)", err);
        return -1;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
    if (have_saved[slot] && mbedtls_ssl_set_session(&t->ssl, &saved[slot]) != 0)
        tls_forget_session(slot);
    return 0;
}

int tls_handshake(struct tls_link *t)
{
    int err = 0, out_before = 0;

    /* Step by step, to see whether the server agreed to resume (the
     * handshake state that says so is gone once it is over). */
    while (t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        /* A whole flight can be processed in one call; without the CRYPTO
         * engine each of its public-key steps is a large fraction of a
         * second of CPU, together more than the watchdog allows.  Each
         * step is bounded (one message), so the watchdog is kicked between
         * steps, not blindly. */
        WDT_KICK = WDT_KICK_KEY;
        out_before = t->ssl.out_msgtype;
        err = mbedtls_ssl_handshake_step(&t->ssl);
        if (t->ssl.handshake && t->ssl.handshake->resume)
            t->resumed = true;
        if (err)
            break;
    }

    if (err == MBEDTLS_ERR_SSL_WANT_READ || err == MBEDTLS_ERR_SSL_WANT_WRITE)
        return TLS_AGAIN;
    if (err != 0) {
        counters.failed++;
        /* A refused resumption (an alert, a check that failed) must not be
         * offered again.  A connection that died under the handshake says
         * nothing against the session (RFC 5246 7.2.1: since TLS 1.1 an
         * unclean close does not invalidate it): a broker overwhelmed by a
         * reconnect storm drops connections it could not accept in time,
         * and the lamp resumes at the next try.  Kept through one such
         * failure only, so a server that always hangs up on this session
         * gets a full handshake next. */
        if (err == ERR_CONN_RESET || err == MBEDTLS_ERR_SSL_CONN_EOF) {
            link_failure_count(LF_CLOSED_IN_HANDSHAKE);
            set_why(t, "handshake failed", err);
            if (transport_failures[t->slot]++ != 0)
                tls_forget_session(t->slot);
            return -1;
        }
        on_fatal(t, err, out_before, true);
        set_why(t, "handshake failed", err);
        return -1;
    }
    transport_failures[t->slot] = 0;
    if (t->resumed)
        counters.resumed++;
    else
        counters.full++;
    mbedtls_ssl_session_free(&saved[t->slot]);
    mbedtls_ssl_session_init(&saved[t->slot]);
    have_saved[t->slot] = mbedtls_ssl_get_session(&t->ssl, &saved[t->slot]) == 0;
    return 0;
}

int tls_write(struct tls_link *t, const void *buf, size_t len)
{
    int n = mbedtls_ssl_write(&t->ssl, buf, len);

    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (n < 0)
        set_why(t, "write failed", n);
    return n;
}

int tls_read(struct tls_link *t, void *buf, size_t len)
{
    int out_before = t->ssl.out_msgtype;
    int n = mbedtls_ssl_read(&t->ssl, buf, len);

    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        set_why(t, "server closed the connection", 0);
        return -1;
    }
    if (n < 0) {
        /* A lost connection keeps the session (RFC 5246 7.2.1); anything
         * else is fatal. */
        if (n != ERR_CONN_RESET && n != MBEDTLS_ERR_SSL_CONN_EOF)
            on_fatal(t, n, out_before, false);
        set_why(t, "read failed", n);
    }
    return n;
}

void tls_close(struct tls_link *t, bool notify)
{
    if (!t->open)
        return;
    if (notify)
        (void)mbedtls_ssl_close_notify(&t->ssl);
    /* Reset wipes keys and records; reusing the 20 KiB of record buffers
     * spares an allocation and a wipe per reconnect. */
    if (mbedtls_ssl_session_reset(&t->ssl) != 0) {
        mbedtls_ssl_free(&t->ssl);
        t->set_up = false;
    }
    t->open = false;
}

void tls_release(struct tls_link *t)
{
    tls_close(t, false);
    if (t->set_up) {
        mbedtls_ssl_free(&t->ssl);
        t->set_up = false;
    }
}

void tls_forget_session(enum tls_slot slot)
{
    mbedtls_ssl_session_free(&saved[slot]);
    mbedtls_ssl_session_init(&saved[slot]);
    have_saved[slot] = false;
    transport_failures[slot] = 0;
}

const struct tls_counters *tls_counters(void)
{
    return &counters;
}
