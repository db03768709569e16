/* tests/unit/periph/test_host_io.c: the host I/O reactor (emu/host_io.c):
 * one reactor per context, one fd in the context's poll set whatever is
 * watched, callbacks only for ready fds, interest changes, and watches
 * removed from inside callbacks. */
#include "host_io.h"

#include <CUnit/Basic.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANY 1000

static GMainContext *ctx;
static struct host_io *io;

struct probe {
    int fd;
    unsigned calls, destroyed;
    unsigned destroyed_in_callback; /* destroyed, seen right after the unwatch */
    GIOCondition last;
    struct host_io_watch *w, *victim; /* victim: unwatched by our callback */
    GThread *thread;                  /* where the callback ran */
};

static int setup(void)
{
    ctx = g_main_context_new();
    io = host_io_get(ctx, NULL);
    return io ? 0 : 1;
}

static int teardown(void)
{
    host_io_unref(io);
    g_main_context_unref(ctx);
    return 0;
}

static void on_ready(int fd, GIOCondition ready, gpointer user_data)
{
    struct probe *p = user_data;

    p->calls++;
    p->last = ready;
    p->thread = g_thread_self();
    if (p->victim) {
        host_io_unwatch(p->victim);
        p->victim = NULL;
        p->destroyed_in_callback = p->destroyed;
    }
}

static void on_destroy(gpointer user_data)
{
    ((struct probe *)user_data)->destroyed++;
}

static void iterate(GMainContext *c)
{
    for (int i = 0; i < 10 && g_main_context_iteration(c, FALSE); i++)
        ;
}

static void signal_fd(int fd)
{
    uint64_t one = 1;
    CU_ASSERT_EQUAL(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

static void watch_probe(struct probe *p, GIOCondition events)
{
    p->w = host_io_watch(io, p->fd, events, on_ready, p, on_destroy, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->w);
}

/* How many fds the context would poll now. */
static gint poll_set_size(GMainContext *c)
{
    GPollFD fds[64];
    gint prio, timeout;

    g_main_context_acquire(c);
    g_main_context_prepare(c, &prio);
    gint n = g_main_context_query(c, G_MAXINT, &timeout, fds, G_N_ELEMENTS(fds));
    g_main_context_check(c, G_MAXINT, fds, MIN(n, (gint)G_N_ELEMENTS(fds)));
    g_main_context_release(c);
    return n;
}

static void one_reactor_per_context(void)
{
    g_autoptr(GMainContext) other = g_main_context_new();
    struct host_io *again = host_io_get(ctx, NULL), *there = host_io_get(other, NULL);

    CU_ASSERT_PTR_EQUAL(again, io);
    CU_ASSERT_PTR_NOT_NULL(there);
    CU_ASSERT_PTR_NOT_EQUAL(there, io);
    host_io_unref(again);
    host_io_unref(there);
}

static void many_watches_leave_one_fd_in_the_poll_set_and_call_only_the_ready(void)
{
    static struct probe p[MANY];
    g_autoptr(GMainContext) bare = g_main_context_new();
    struct host_io_stats st;
    gint base = poll_set_size(bare), with_reactor;

    for (int i = 0; i < MANY; i++) {
        p[i] = (struct probe){ .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
        CU_ASSERT_TRUE_FATAL(p[i].fd >= 0);
        watch_probe(&p[i], G_IO_IN);
    }
    with_reactor = poll_set_size(ctx);
    CU_ASSERT_EQUAL(with_reactor, base + 1);
    host_io_get_stats(io, &st);
    CU_ASSERT_EQUAL(st.watches, MANY);
    CU_ASSERT_EQUAL(st.registered, MANY);

    signal_fd(p[3].fd);
    signal_fd(p[500].fd);
    signal_fd(p[MANY - 1].fd);
    uint64_t before = st.callbacks;
    g_main_context_iteration(ctx, FALSE);
    host_io_get_stats(io, &st);
    CU_ASSERT_EQUAL(st.callbacks - before, 3);
    for (int i = 0; i < MANY; i++) {
        bool ready = i == 3 || i == 500 || i == MANY - 1;
        CU_ASSERT_EQUAL(p[i].calls, ready ? 1u : 0u);
        if (ready)
            CU_ASSERT_EQUAL(p[i].last, G_IO_IN);
    }
    for (int i = 0; i < MANY; i++) {
        host_io_unwatch(p[i].w);
        CU_ASSERT_EQUAL(p[i].destroyed, 1u);
        close(p[i].fd);
    }
    host_io_get_stats(io, &st);
    CU_ASSERT_EQUAL(st.watches, 0);
    CU_ASSERT_EQUAL(st.registered, 0);
}

static void level_triggered_until_drained_and_silent_after_unwatch(void)
{
    struct probe p = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
    uint64_t v;

    watch_probe(&p, G_IO_IN);
    signal_fd(p.fd);
    g_main_context_iteration(ctx, FALSE);
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(p.calls, 2u); /* not read: still ready */
    CU_ASSERT_EQUAL(read(p.fd, &v, sizeof(v)), (ssize_t)sizeof(v));
    iterate(ctx);
    CU_ASSERT_EQUAL(p.calls, 2u);
    signal_fd(p.fd);
    host_io_unwatch(p.w);
    CU_ASSERT_EQUAL(p.destroyed, 1u);
    iterate(ctx);
    CU_ASSERT_EQUAL(p.calls, 2u);
    close(p.fd);
}

/* The epoll set is the kernel's, shared across fork(): a child that stops
 * watching an fd in it would stop the parent's watch too, unless it took
 * a set of its own first (the whole-lamp fuzzer's children). */
static void a_forked_child_changes_only_its_own_watches(void)
{
    struct probe p = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
    int status;

    watch_probe(&p, G_IO_IN);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        /* its own set serves it, and stops watching there only */
        bool ok = host_io_after_fork(ctx, NULL);
        signal_fd(p.fd);
        g_main_context_iteration(ctx, FALSE);
        ok = ok && p.calls == 1 && host_io_watch_set_events(p.w, 0, NULL);
        _exit(ok ? 0 : 1);
    }
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the child's signal is still there: the parent's watch sees it */
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(p.calls, 1u);
    host_io_unwatch(p.w);
    close(p.fd);
}

static void no_events_means_not_even_hangup(void)
{
    int fds[2];
    struct probe p;
    struct host_io_stats st;

    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    p = (struct probe){ .fd = fds[0] };
    watch_probe(&p, G_IO_IN);
    close(fds[1]);
    iterate(ctx);
    CU_ASSERT_TRUE(p.calls >= 1);
    CU_ASSERT_TRUE(p.last & G_IO_HUP);
    CU_ASSERT_TRUE(host_io_watch_set_events(p.w, 0, NULL));
    host_io_get_stats(io, &st);
    CU_ASSERT_EQUAL(st.registered, 0);
    unsigned calls = p.calls;
    iterate(ctx);
    CU_ASSERT_EQUAL(p.calls, calls);
    CU_ASSERT_TRUE(host_io_watch_set_events(p.w, G_IO_IN, NULL));
    iterate(ctx);
    CU_ASSERT_TRUE(p.calls > calls);
    host_io_unwatch(p.w);
    close(fds[0]);
}

static void interest_changes_cost_a_system_call_only_when_they_change(void)
{
    struct probe p = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
    struct host_io_stats a, b;

    watch_probe(&p, 0);
    host_io_get_stats(io, &a);
    CU_ASSERT_TRUE(host_io_watch_set_events(p.w, 0, NULL));
    CU_ASSERT_TRUE(host_io_watch_set_events(p.w, G_IO_OUT, NULL));
    CU_ASSERT_TRUE(host_io_watch_set_events(p.w, G_IO_OUT, NULL));
    CU_ASSERT_EQUAL(host_io_watch_events(p.w), G_IO_OUT);
    host_io_get_stats(io, &b);
    CU_ASSERT_EQUAL(b.ctl_calls - a.ctl_calls, 1);
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(p.calls, 1u); /* an eventfd is always writable */
    CU_ASSERT_EQUAL(p.last, G_IO_OUT);
    host_io_unwatch(p.w);
    close(p.fd);
}

static void a_callback_removes_another_ready_watch_and_itself(void)
{
    struct probe a = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
    struct probe b = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };

    watch_probe(&a, G_IO_IN);
    watch_probe(&b, G_IO_IN);
    /* Whichever comes first removes the other: the second, though
     * collected in the same epoll_wait, must not be called. */
    a.victim = b.w;
    b.victim = a.w;
    signal_fd(a.fd);
    signal_fd(b.fd);
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(a.calls + b.calls, 1u);
    CU_ASSERT_EQUAL(a.destroyed + b.destroyed, 1u);
    struct probe *survivor = a.calls ? &a : &b;
    /* Now the survivor removes itself from its own callback. */
    survivor->victim = survivor->w;
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(survivor->calls, 2u);
    CU_ASSERT_EQUAL(a.destroyed, 1u);
    CU_ASSERT_EQUAL(b.destroyed, 1u);
    iterate(ctx);
    CU_ASSERT_EQUAL(a.calls + b.calls, 2u);
    close(a.fd);
    close(b.fd);
}

static void destroy_waits_for_the_running_callback(void)
{
    struct probe p = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };

    watch_probe(&p, G_IO_IN);
    p.victim = p.w;
    signal_fd(p.fd);
    g_main_context_iteration(ctx, FALSE);
    CU_ASSERT_EQUAL(p.calls, 1u);
    CU_ASSERT_EQUAL(p.destroyed_in_callback, 0u);
    CU_ASSERT_EQUAL(p.destroyed, 1u);
    close(p.fd);
}

struct worker {
    int fd;
    struct probe probe;
    GMutex lock;
    GCond cond;
    bool ready, done;
    struct host_io *io;
};

static gpointer worker_main(gpointer data)
{
    struct worker *w = data;
    g_autoptr(GMainContext) c = g_main_context_new();

    g_main_context_push_thread_default(c);
    w->io = host_io_get(c, NULL);
    w->probe.fd = w->fd;
    w->probe.w = host_io_watch(w->io, w->fd, G_IO_IN, on_ready, &w->probe, NULL, NULL);
    g_mutex_lock(&w->lock);
    w->ready = true;
    g_cond_signal(&w->cond);
    g_mutex_unlock(&w->lock);
    while (w->probe.calls == 0)
        g_main_context_iteration(c, TRUE);
    host_io_unwatch(w->probe.w);
    host_io_unref(w->io);
    g_main_context_pop_thread_default(c);
    return NULL;
}

static void each_worker_thread_has_its_own_reactor_and_callbacks_run_there(void)
{
    struct worker w = { .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
    GThread *t;

    g_mutex_init(&w.lock);
    g_cond_init(&w.cond);
    t = g_thread_new("host-io-worker", worker_main, &w);
    g_mutex_lock(&w.lock);
    while (!w.ready)
        g_cond_wait(&w.cond, &w.lock);
    g_mutex_unlock(&w.lock);
    CU_ASSERT_PTR_NOT_NULL(w.io);
    CU_ASSERT_PTR_NOT_EQUAL(w.io, io);
    signal_fd(w.fd);
    g_thread_join(t);
    CU_ASSERT_EQUAL(w.probe.calls, 1u);
    CU_ASSERT_PTR_EQUAL(w.probe.thread, t);
    close(w.fd);
    g_mutex_clear(&w.lock);
    g_cond_clear(&w.cond);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("host_io", setup, teardown);
    CU_add_test(s, "one_reactor_per_context", one_reactor_per_context);
    CU_add_test(s, "many_watches_leave_one_fd_in_the_poll_set_and_call_only_the_ready",
                many_watches_leave_one_fd_in_the_poll_set_and_call_only_the_ready);
    CU_add_test(s, "level_triggered_until_drained_and_silent_after_unwatch",
                level_triggered_until_drained_and_silent_after_unwatch);
    CU_add_test(s, "no_events_means_not_even_hangup", no_events_means_not_even_hangup);
    CU_add_test(s, "a_forked_child_changes_only_its_own_watches",
                a_forked_child_changes_only_its_own_watches);
    CU_add_test(s, "interest_changes_cost_a_system_call_only_when_they_change",
                interest_changes_cost_a_system_call_only_when_they_change);
    CU_add_test(s, "a_callback_removes_another_ready_watch_and_itself",
                a_callback_removes_another_ready_watch_and_itself);
    CU_add_test(s, "destroy_waits_for_the_running_callback", destroy_waits_for_the_running_callback);
    CU_add_test(s, "each_worker_thread_has_its_own_reactor_and_callbacks_run_there",
                each_worker_thread_has_its_own_reactor_and_callbacks_run_there);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
