/* emu/host_io.c: the host I/O reactor (host_io.h).  One epoll set per
 * GMainContext, found through a registry keyed by the context: the only
 * state shared between threads, so it is the only state under a lock.
 * Everything else belongs to the thread that iterates the context. */
#include "host_io.h"
#include "machine.h" /* MACHINE_ERROR */

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

struct host_io_watch {
    struct host_io *io;
    int fd;
    GIOCondition events;
    bool registered; /* in the epoll set (events != 0) */
    bool dead;       /* unwatched during a dispatch; freed after it */
    host_io_fn fn;
    gpointer user_data;
    GDestroyNotify destroy;
};

struct host_io {
    GSource source;
    GMainContext *ctx;
    int epfd;
    int refs;             /* users; under registry_lock */
    unsigned dispatching; /* > 0 while callbacks run */
    GHashTable *watches;  /* set of struct host_io_watch *, alive or dead */
    GPtrArray *dead;      /* unwatched inside a dispatch */
    struct host_io_stats stats;
};

static GMutex registry_lock;
static GHashTable *registry; /* GMainContext * -> struct host_io * */

static uint32_t to_epoll(GIOCondition c)
{
    return (c & G_IO_IN ? EPOLLIN : 0) | (c & G_IO_OUT ? EPOLLOUT : 0) |
           (c & G_IO_PRI ? EPOLLPRI : 0);
}

static GIOCondition from_epoll(uint32_t e)
{
    return (e & EPOLLIN ? G_IO_IN : 0) | (e & EPOLLOUT ? G_IO_OUT : 0) |
           (e & EPOLLPRI ? G_IO_PRI : 0) | (e & EPOLLHUP ? G_IO_HUP : 0) |
           (e & EPOLLERR ? G_IO_ERR : 0);
}

static void watch_free(struct host_io_watch *w)
{
    if (w->destroy)
        w->destroy(w->user_data);
    g_free(w);
}

static gboolean host_io_dispatch(GSource *source, GSourceFunc unused, gpointer unused_data)
{
    struct host_io *io = (struct host_io *)source;
    struct epoll_event evs[HOST_IO_BATCH];
    int n = epoll_wait(io->epfd, evs, HOST_IO_BATCH, 0);

    if (n < 0) {
        /* Only EINTR can happen on our own epoll fd with a zero timeout. */
        if (errno != EINTR)
            io->stats.wait_errors++;
        return G_SOURCE_CONTINUE;
    }
    if (n == 0)
        return G_SOURCE_CONTINUE;
    io->stats.dispatches++;
    io->dispatching++;
    for (int i = 0; i < n; i++) {
        struct host_io_watch *w = evs[i].data.ptr;
        GIOCondition ready;

        /* An earlier callback of this batch may have unwatched w or
         * changed what it watches. */
        if (w->dead || !w->registered)
            continue;
        ready = from_epoll(evs[i].events) & (w->events | G_IO_HUP | G_IO_ERR);
        if (!ready)
            continue;
        io->stats.callbacks++;
        w->fn(w->fd, ready, w->user_data);
    }
    io->dispatching--;
    if (io->dispatching == 0 && io->dead->len) {
        for (guint i = 0; i < io->dead->len; i++) {
            struct host_io_watch *w = g_ptr_array_index(io->dead, i);
            g_hash_table_remove(io->watches, w);
            watch_free(w);
        }
        g_ptr_array_set_size(io->dead, 0);
    }
    return G_SOURCE_CONTINUE;
}

static void host_io_finalize(GSource *source)
{
    struct host_io *io = (struct host_io *)source;
    GHashTableIter it;
    gpointer w;

    /* Watches left behind by a careless owner: their destroy still runs. */
    g_hash_table_iter_init(&it, io->watches);
    while (g_hash_table_iter_next(&it, &w, NULL))
        watch_free(w);
    g_hash_table_unref(io->watches);
    g_ptr_array_unref(io->dead);
    close(io->epfd);
    g_main_context_unref(io->ctx);
}

static GSourceFuncs host_io_funcs = {
    .dispatch = host_io_dispatch,
    .finalize = host_io_finalize,
};

static struct host_io *host_io_new(GMainContext *ctx, GError **error)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct host_io *io;

    if (epfd < 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "host I/O: epoll_create1: %s (raise the open-file limit, ulimit -n)",
                    g_strerror(errno));
        return NULL;
    }
    io = (struct host_io *)g_source_new(&host_io_funcs, sizeof(struct host_io));
    io->ctx = g_main_context_ref(ctx);
    io->epfd = epfd;
    io->refs = 1;
    io->watches = g_hash_table_new(g_direct_hash, g_direct_equal);
    io->dead = g_ptr_array_new();
    g_source_set_name(&io->source, "lampsim host I/O");
    g_source_set_priority(&io->source, HOST_IO_PRIORITY);
    g_source_add_unix_fd(&io->source, epfd, G_IO_IN);
    g_source_attach(&io->source, ctx);
    return io;
}

struct host_io *host_io_get(GMainContext *ctx, GError **error)
{
    struct host_io *io;

    if (!ctx)
        ctx = g_main_context_default();
    g_mutex_lock(&registry_lock);
    if (!registry)
        registry = g_hash_table_new(g_direct_hash, g_direct_equal);
    io = g_hash_table_lookup(registry, ctx);
    if (io) {
        io->refs++;
    } else if ((io = host_io_new(ctx, error)) != NULL) {
        g_hash_table_insert(registry, ctx, io);
    }
    g_mutex_unlock(&registry_lock);
    return io;
}

struct host_io *host_io_ref(struct host_io *io)
{
    g_mutex_lock(&registry_lock);
    io->refs++;
    g_mutex_unlock(&registry_lock);
    return io;
}

void host_io_unref(struct host_io *io)
{
    bool last;

    if (!io)
        return;
    g_mutex_lock(&registry_lock);
    last = --io->refs == 0;
    if (last)
        g_hash_table_remove(registry, io->ctx);
    g_mutex_unlock(&registry_lock);
    if (last) {
        /* Inside our own dispatch GLib holds the source until it returns. */
        g_source_destroy(&io->source);
        g_source_unref(&io->source);
    }
}

static bool epoll_apply(struct host_io_watch *w, GIOCondition events, GError **error)
{
    struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
    int op = !events ? EPOLL_CTL_DEL : w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    w->io->stats.ctl_calls++;
    if (epoll_ctl(w->io->epfd, op, w->fd, &ev) != 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "host I/O: watching fd %d for%s%s: %s", w->fd,
                    events & G_IO_IN ? " input" : "", events & G_IO_OUT ? " output" : "",
                    g_strerror(errno));
        return false;
    }
    if (w->registered != (events != 0))
        w->io->stats.registered += events ? 1 : -1;
    w->registered = events != 0;
    return true;
}

bool host_io_after_fork(GMainContext *ctx, GError **error)
{
    int fresh = epoll_create1(EPOLL_CLOEXEC);
    struct host_io *io;
    GHashTableIter it;
    gpointer key;

    if (fresh < 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "host I/O after fork: epoll_create1: %s", g_strerror(errno));
        return false;
    }
    if (!ctx)
        ctx = g_main_context_default();
    g_mutex_lock(&registry_lock);
    io = registry ? g_hash_table_lookup(registry, ctx) : NULL;
    g_mutex_unlock(&registry_lock);
    if (!io) {
        close(fresh);
        return true;
    }
    g_hash_table_iter_init(&it, io->watches);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        struct host_io_watch *w = key;
        struct epoll_event ev = { .events = to_epoll(w->events), .data.ptr = w };
        if (w->dead || !w->registered)
            continue;
        if (epoll_ctl(fresh, EPOLL_CTL_ADD, w->fd, &ev) != 0) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                        "host I/O after fork: watching fd %d: %s", w->fd, g_strerror(errno));
            close(fresh);
            return false;
        }
    }
    /* Under the same number: the context polls it already. */
    if (dup3(fresh, io->epfd, O_CLOEXEC) < 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "host I/O after fork: dup3: %s", g_strerror(errno));
        close(fresh);
        return false;
    }
    close(fresh);
    return true;
}

struct host_io_watch *host_io_watch(struct host_io *io, int fd, GIOCondition events,
                                    host_io_fn fn, gpointer user_data, GDestroyNotify destroy,
                                    GError **error)
{
    struct host_io_watch *w = g_new0(struct host_io_watch, 1);

    w->io = io;
    w->fd = fd;
    w->fn = fn;
    w->user_data = user_data;
    if (events && !epoll_apply(w, events, error)) {
        g_free(w);
        return NULL;
    }
    w->events = events;
    w->destroy = destroy;
    g_hash_table_add(io->watches, w);
    io->stats.watches++;
    return w;
}

bool host_io_watch_set_events(struct host_io_watch *w, GIOCondition events, GError **error)
{
    events &= G_IO_IN | G_IO_OUT | G_IO_PRI;
    if (w->dead || events == w->events)
        return true;
    if (!epoll_apply(w, events, error))
        return false;
    w->events = events;
    return true;
}

GIOCondition host_io_watch_events(const struct host_io_watch *w)
{
    return w->events;
}

void host_io_unwatch(struct host_io_watch *w)
{
    struct host_io *io;

    if (!w || w->dead)
        return;
    io = w->io;
    if (w->registered) {
        /* ENOENT or EBADF mean the fd was closed first, which already took
         * it out of the set: the outcome is the same. */
        io->stats.ctl_calls++;
        (void)epoll_ctl(io->epfd, EPOLL_CTL_DEL, w->fd, NULL);
        w->registered = false;
        io->stats.registered--;
    }
    io->stats.watches--;
    w->dead = true;
    if (io->dispatching) {
        g_ptr_array_add(io->dead, w);
        return;
    }
    g_hash_table_remove(io->watches, w);
    watch_free(w);
}

void host_io_get_stats(const struct host_io *io, struct host_io_stats *out)
{
    *out = io->stats;
}
