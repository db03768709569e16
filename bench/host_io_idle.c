/* bench/host_io_idle.c: what N idle connected TCP sockets cost a GLib main
 * loop that iterates 100 times a second (an idle fleet's scheduler wakes
 * its lamps with 10 ms of slack), watched two ways in the same run: a
 * GSource per socket, as emu/net.c did (GLib polls every fd at every
 * iteration), and the host I/O reactor (emu/host_io.c: one epoll fd in the
 * poll set).  Prints each one's CPU as a percentage of a core and the
 * ratio; read the ratio, the machine is shared.
 * Usage: host_io_idle [N_SOCKETS (default 5000)] [SECONDS per way (default 5)] */
#include "host_io.h"

#include <glib-unix.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* n connected loopback pairs: the lamp's ends in mine[], the peers' in theirs[]. */
static bool connect_pairs(int n, int *mine, int *theirs)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 512) ||
        getsockname(l, (struct sockaddr *)&sa, &len))
        return false;
    for (int i = 0; i < n; i++) {
        mine[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (mine[i] < 0 || connect(mine[i], (struct sockaddr *)&sa, sizeof(sa)) ||
            (theirs[i] = accept(l, NULL, NULL)) < 0) {
            perror("host_io_idle: connecting a pair (raise ulimit -n?)");
            return false;
        }
    }
    close(l);
    return true;
}

static gboolean on_glib_ready(gint fd, GIOCondition c, gpointer unused)
{
    return G_SOURCE_CONTINUE; /* never: the sockets stay idle */
}

static void on_reactor_ready(int fd, GIOCondition c, gpointer unused)
{
}

static gboolean tick(gpointer counter)
{
    (*(unsigned *)counter)++;
    return G_SOURCE_CONTINUE;
}

/* Iterates ctx for `seconds` with a 10 ms tick; returns the CPU in % of a core. */
static double run(GMainContext *ctx, double seconds, unsigned *iterations)
{
    GSource *t = g_timeout_source_new(10);
    double c0 = cpu_s();
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

    *iterations = 0;
    g_source_set_callback(t, tick, iterations, NULL);
    g_source_attach(t, ctx);
    while (g_get_monotonic_time() < end)
        g_main_context_iteration(ctx, TRUE);
    g_source_destroy(t);
    g_source_unref(t);
    return (cpu_s() - c0) * 100 / seconds;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5000;
    double seconds = argc > 2 ? atof(argv[2]) : 5;
    int *mine = g_new(int, n), *theirs = g_new(int, n);
    g_autoptr(GError) error = NULL;
    unsigned it_glib, it_reactor;
    double glib_pct, reactor_pct;

    if (n < 1 || seconds <= 0 || !connect_pairs(n, mine, theirs))
        return 2;

    /* The old way: a GSource per socket. */
    GMainContext *a = g_main_context_new();
    GSource **src = g_new(GSource *, n);
    for (int i = 0; i < n; i++) {
        src[i] = g_unix_fd_source_new(mine[i], G_IO_IN | G_IO_HUP | G_IO_ERR);
        g_source_set_callback(src[i], (GSourceFunc)(void (*)(void))on_glib_ready, NULL, NULL);
        g_source_attach(src[i], a);
    }
    glib_pct = run(a, seconds, &it_glib);
    for (int i = 0; i < n; i++) {
        g_source_destroy(src[i]);
        g_source_unref(src[i]);
    }
    g_main_context_unref(a);

    /* The reactor. */
    GMainContext *b = g_main_context_new();
    struct host_io *io = host_io_get(b, &error);
    struct host_io_watch **w = g_new(struct host_io_watch *, n);
    if (!io) {
        fprintf(stderr, "host_io_idle: %s\n", error->message);
        return 2;
    }
    for (int i = 0; i < n; i++)
        if (!(w[i] = host_io_watch(io, mine[i], G_IO_IN, on_reactor_ready, NULL, NULL, &error))) {
            fprintf(stderr, "host_io_idle: %s\n", error->message);
            return 2;
        }
    reactor_pct = run(b, seconds, &it_reactor);
    for (int i = 0; i < n; i++)
        host_io_unwatch(w[i]);
    host_io_unref(io);
    g_main_context_unref(b);

    printf("idle_sockets: %d\n", n);
    printf("glib_sources_iterations_per_s: %.0f\n", it_glib / seconds);
    printf("glib_sources_cpu_percent_of_core: %.2f\n", glib_pct);
    printf("glib_sources_us_per_iteration: %.1f\n", glib_pct / 100 * seconds * 1e6 / it_glib);
    printf("reactor_iterations_per_s: %.0f\n", it_reactor / seconds);
    printf("reactor_cpu_percent_of_core: %.3f\n", reactor_pct);
    printf("reactor_us_per_iteration: %.1f\n", reactor_pct / 100 * seconds * 1e6 / it_reactor);
    printf("glib_over_reactor: %.0fx\n", reactor_pct > 0 ? glib_pct / reactor_pct : 0.0);
    for (int i = 0; i < n; i++) {
        close(mine[i]);
        close(theirs[i]);
    }
    g_free(mine);
    g_free(theirs);
    g_free(src);
    g_free(w);
    return 0;
}
