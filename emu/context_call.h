/* emu/context_call.h: run a function on the thread an object belongs to.
 * Objects of a lamp live on the thread that made them (docs/emulator.md
 * #threads); another thread hands them work through that thread's main
 * context.  Unlike g_main_context_invoke, a thread never runs the function
 * itself by acquiring a context that is not its own: a thread that has not
 * pushed a thread-default context would otherwise acquire the global one
 * while its owner is busy outside its main loop. */
#ifndef LAMPSIM_EMU_CONTEXT_CALL_H
#define LAMPSIM_EMU_CONTEXT_CALL_H

#include <glib.h>

/* fn(data) now if this is the owner thread, else soon from ctx's main loop;
 * destroy(data) after it either way. */
static inline void context_call(GMainContext *ctx, GThread *owner, GSourceFunc fn, gpointer data,
                                GDestroyNotify destroy)
{
    GSource *s;

    if (g_thread_self() == owner) {
        fn(data);
        destroy(data);
        return;
    }
    s = g_idle_source_new();
    g_source_set_callback(s, fn, data, destroy);
    g_source_attach(s, ctx);
    g_source_unref(s);
}

#endif
