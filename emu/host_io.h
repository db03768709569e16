/* emu/host_io.h: the host I/O reactor, one per GMainContext.  GLib polls
 * every fd of every GSource at each main-loop iteration, which for a fleet
 * of thousands of mostly idle lamp sockets costs more than the lamps do.
 * Here all of a context's fds sit in one epoll set, attached to the
 * context as a single GSource (g_source_add_unix_fd on the epoll fd), so an
 * iteration costs O(fds with events).  Callbacks run in the thread that
 * iterates the context; each context has its own reactor, made on first
 * use and shared by everything in it that watches fds (docs/emulator.md,
 * "Host I/O"). */
#ifndef LAMPSIM_EMU_HOST_IO_H
#define LAMPSIM_EMU_HOST_IO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The reactor's GSource priority.  The lamp scheduler (sim/scheduler.c)
 * runs at the same one so that each main-loop iteration serves both: host
 * events in a bounded batch, then a slice for every runnable lamp.  At a
 * higher priority, a storm of socket events would keep the lamps that
 * answer them from running. */
#define HOST_IO_PRIORITY G_PRIORITY_DEFAULT_IDLE
/* At most this many events are handled per iteration (the rest stay
 * ready: watches are level-triggered). */
#define HOST_IO_BATCH 256

struct host_io;
typedef struct host_io host_io; /* for g_autoptr(host_io) */
struct host_io_watch;

/* ready: what holds now, from G_IO_IN, G_IO_OUT, G_IO_PRI, G_IO_HUP and
 * G_IO_ERR (the last two are reported whenever events are watched). */
typedef void (*host_io_fn)(int fd, GIOCondition ready, gpointer user_data);

/* The reactor of ctx (NULL: the global default context), made and
 * attached on first use; returns a new reference. */
struct host_io *host_io_get(GMainContext *ctx, GError **error);
struct host_io *host_io_ref(struct host_io *io);
/* In a child after fork(): the epoll set of ctx's reactor (NULL: the
 * default context's) is the kernel's, shared with the parent, so that
 * every watch the child changed would change the parent's too.  This gives
 * the child a set of its own with the same watches, under the same fd.
 * Nothing to do when the context has no reactor. */
bool host_io_after_fork(GMainContext *ctx, GError **error);
/* The last reference detaches the reactor from its context.  Its watches
 * must be gone by then. */
void host_io_unref(struct host_io *io);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(host_io, host_io_unref)

/* Watches fd (which stays the caller's: unwatch before closing it) for
 * events (G_IO_IN and/or G_IO_OUT, or 0 for nothing yet).  fn is called
 * while a watched condition holds (level-triggered); destroy (may be
 * NULL) gets user_data once fn can no longer be called. */
struct host_io_watch *host_io_watch(struct host_io *io, int fd, GIOCondition events,
                                    host_io_fn fn, gpointer user_data, GDestroyNotify destroy,
                                    GError **error);
/* Changes what is watched; costs a system call only when it changes.
 * 0 takes the fd out of the epoll set, so not even HUP or ERR call back
 * (a reset peer must not spin the loop while the lamp is not reading). */
bool host_io_watch_set_events(struct host_io_watch *w, GIOCondition events, GError **error);
GIOCondition host_io_watch_events(const struct host_io_watch *w);
/* Stops watching.  Safe from any callback, including w's own: no callback
 * for w comes after this, even for an event already collected in the same
 * iteration.  destroy runs now, or after the current callback returns when
 * called from inside a dispatch. */
void host_io_unwatch(struct host_io_watch *w);

struct host_io_stats {
    guint watches;       /* alive now */
    guint registered;    /* of those, in the epoll set now */
    uint64_t dispatches; /* iterations in which the reactor had events */
    uint64_t callbacks;  /* callbacks made */
    uint64_t ctl_calls;  /* epoll_ctl system calls */
    uint64_t wait_errors;/* epoll_wait failures other than EINTR (never expected) */
};
void host_io_get_stats(const struct host_io *io, struct host_io_stats *out);

#endif
