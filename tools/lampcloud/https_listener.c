/* tools/lampcloud/https_listener.c: see https_listener.h.  A thread per
 * connection suits both services: lamps are slow readers of large images,
 * and an installer's client keeps a connection alive across many requests.
 * Each socket has 30 s send and receive timeouts, so a silent peer frees
 * its thread. */
#include "https_listener.h"
#include "factory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#define IO_TIMEOUT_S 30
/* above any fleet the tests and benches run (a 1000-lamp OTA downloads at
 * once), below what threads cost the host; more wait for a retry */
#define MAX_CONNECTIONS 2048

struct https_listener {
    char *name;
    SSL_CTX *ctx;
    int fd, port;
    GThread *acceptor;
    https_serve_fn serve;
    void *user;
    volatile gint stopping;
    GMutex lock;
    GCond idle;
    GHashTable *conns; /* struct conn * being served; under lock */
};

struct conn {
    struct https_listener *l;
    int fd;
    char peer[INET_ADDRSTRLEN];
};

bool https_send_all(SSL *ssl, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        int n = SSL_write(ssl, p, (int)MIN(len, 16384u));
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

SSL_CTX *https_server_ctx(const struct cloud_site *s, const char *what, GError **error)
{
    g_autofree char *crt = cloud_site_path(s, "server.crt");
    g_autofree char *key = cloud_site_path(s, "server.key");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        g_autofree char *msg = g_strdup_printf("%s TLS setup (%s, %s)", what, crt, key);
        factory_set_openssl_error(error, msg);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void set_timeouts(int fd)
{
    struct timeval tv = { IO_TIMEOUT_S, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static gpointer serve_conn(gpointer data)
{
    struct conn *c = data;
    struct https_listener *l = c->l;
    SSL *ssl = SSL_new(l->ctx);

    set_timeouts(c->fd);
    if (!ssl || !SSL_set_fd(ssl, c->fd))
        goto out;
    if (SSL_accept(ssl) != 1) {
        unsigned long e = ERR_get_error();
        if (!g_atomic_int_get(&l->stopping))
            cloud_say("%s: %s: TLS handshake refused: %s", l->name, c->peer,
                      e ? ERR_reason_error_string(e) : "connection closed");
        ERR_clear_error();
        goto out;
    }
    l->serve(ssl, c->peer, l->user);
    SSL_shutdown(ssl);
out:
    ERR_clear_error();
    SSL_free(ssl);
    g_mutex_lock(&l->lock);
    g_hash_table_remove(l->conns, c);
    close(c->fd);
    if (g_hash_table_size(l->conns) == 0)
        g_cond_broadcast(&l->idle);
    g_mutex_unlock(&l->lock);
    g_free(c);
    return NULL;
}

/* Registers the connection unless the server is stopping or full. */
static bool admit(struct https_listener *l, struct conn *c)
{
    bool ok;

    g_mutex_lock(&l->lock);
    ok = !g_atomic_int_get(&l->stopping) && g_hash_table_size(l->conns) < MAX_CONNECTIONS;
    if (ok)
        g_hash_table_add(l->conns, c);
    g_mutex_unlock(&l->lock);
    return ok;
}

static gpointer accept_loop(gpointer data)
{
    struct https_listener *l = data;

    while (!g_atomic_int_get(&l->stopping)) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (!g_atomic_int_get(&l->stopping))
                cloud_say("%s: accept failed: %s", l->name, g_strerror(errno));
            break;
        }
        struct conn *c = g_new0(struct conn, 1);
        c->l = l;
        c->fd = fd;
        inet_ntop(AF_INET, &peer.sin_addr, c->peer, sizeof(c->peer));
        if (!admit(l, c)) {
            if (!g_atomic_int_get(&l->stopping))
                cloud_say("%s: %s: refused: %d connections already open", l->name, c->peer,
                          MAX_CONNECTIONS);
            close(fd);
            g_free(c);
            continue;
        }
        g_thread_unref(g_thread_new("https-conn", serve_conn, c));
    }
    return NULL;
}

struct https_listener *https_listener_start(const char *name, const char *host, int port,
                                            SSL_CTX *ctx, https_serve_fn serve, void *user,
                                            GError **error)
{
    struct https_listener *l = g_new0(struct https_listener, 1);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    socklen_t alen = sizeof(addr);
    int one = 1;

    l->name = g_strdup(name);
    l->ctx = ctx;
    l->serve = serve;
    l->user = user;
    l->fd = -1;
    g_mutex_init(&l->lock);
    g_cond_init(&l->idle);
    l->conns = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "--host %s: not an IPv4 address", host);
        goto fail;
    }
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->fd < 0 || setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(l->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(l->fd, 128) != 0 ||
        getsockname(l->fd, (struct sockaddr *)&addr, &alen) != 0) {
        int e = errno;
        g_set_error(error, LAMPCLOUD_ERROR,
                    e == EADDRINUSE ? LAMPCLOUD_ERROR_PORT_BUSY : LAMPCLOUD_ERROR_FAILED,
                    "%s server on %s:%d: %s", name, host, port, g_strerror(e));
        goto fail;
    }
    l->port = ntohs(addr.sin_port);
    l->acceptor = g_thread_new("https-accept", accept_loop, l);
    return l;
fail:
    https_listener_stop(l);
    return NULL;
}

int https_listener_port(const struct https_listener *l)
{
    return l->port;
}

static void shut_conn(gpointer key, gpointer value, gpointer user)
{
    shutdown(((struct conn *)key)->fd, SHUT_RDWR);
}

void https_listener_stop(struct https_listener *l)
{
    if (!l)
        return;
    g_atomic_int_set(&l->stopping, 1);
    if (l->fd >= 0)
        shutdown(l->fd, SHUT_RDWR);
    if (l->acceptor)
        g_thread_join(l->acceptor);
    if (l->fd >= 0)
        close(l->fd);
    /* the threads still serving see their socket end and finish */
    g_mutex_lock(&l->lock);
    g_hash_table_foreach(l->conns, shut_conn, NULL);
    while (g_hash_table_size(l->conns) > 0)
        g_cond_wait(&l->idle, &l->lock);
    g_mutex_unlock(&l->lock);
    g_hash_table_destroy(l->conns);
    g_cond_clear(&l->idle);
    g_mutex_clear(&l->lock);
    SSL_CTX_free(l->ctx);
    g_free(l->name);
    g_free(l);
}
