/* bench/tls_native.c: the native baseline of bench/tls_fleet.sh: the same
 * TLS 1.2 handshakes a lamp makes (ECDHE-ECDSA-AES128-GCM-SHA256, P-256,
 * client certificate, server verified against the cloud CA) against the
 * same broker, with host OpenSSL; N full handshakes, then N resumed ones
 * (the session of the first).  Prints CPU-second rates (user + system of
 * this process: the broker's share is not counted, as for the lamps).
 * Usage: tls_native HOST PORT CA_CERT CLIENT_CERT CLIENT_KEY N */
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
    int fd = -1;

    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* One handshake; offers *session if set, keeps the new one. Returns 1 if
 * it was resumed, 0 if full, -1 on failure. */
static int handshake(SSL_CTX *ctx, const char *host, const char *port, SSL_SESSION **session)
{
    int fd = dial(host, port), rc = -1;
    SSL *ssl = fd >= 0 ? SSL_new(ctx) : NULL;

    if (!ssl)
        goto out;
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    if (*session)
        SSL_set_session(ssl, *session);
    if (SSL_connect(ssl) == 1) {
        rc = SSL_session_reused(ssl) ? 1 : 0;
        if (!*session)
            *session = SSL_get1_session(ssl);
        SSL_shutdown(ssl);
    } else {
        ERR_print_errors_fp(stderr);
    }
out:
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    SSL_CTX *ctx;
    SSL_SESSION *session = NULL;
    int n, resumed = 0;
    double t0, t1, t2;

    if (argc != 7 || (n = atoi(argv[6])) <= 0) {
        fprintf(stderr, "usage: tls_native HOST PORT CA_CERT CLIENT_CERT CLIENT_KEY N\n");
        return 2;
    }
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256") ||
        !SSL_CTX_set1_groups_list(ctx, "P-256") ||
        SSL_CTX_load_verify_locations(ctx, argv[3], NULL) != 1 ||
        SSL_CTX_use_certificate_file(ctx, argv[4], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[5], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    t0 = cpu_seconds();
    for (int i = 0; i < n; i++) {
        SSL_SESSION *none = NULL;
        if (handshake(ctx, argv[1], argv[2], &none) != 0) {
            fprintf(stderr, "tls_native: full handshake %d failed\n", i);
            return 1;
        }
        if (i == 0)
            session = none;
        else
            SSL_SESSION_free(none);
    }
    t1 = cpu_seconds();
    for (int i = 0; i < n; i++) {
        int r = handshake(ctx, argv[1], argv[2], &session);
        if (r < 0) {
            fprintf(stderr, "tls_native: resumed handshake %d failed\n", i);
            return 1;
        }
        resumed += r;
    }
    t2 = cpu_seconds();
    printf("native_full_handshakes: %d\n", n);
    printf("native_full_handshakes_per_cpu_s: %.1f\n", n / (t1 - t0));
    printf("native_resumed_handshakes: %d\n", resumed);
    printf("native_resumed_handshakes_per_cpu_s: %.1f\n", resumed / (t2 - t1));
    SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    return resumed == n ? 0 : 1;
}
