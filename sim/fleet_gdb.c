/* sim/fleet_gdb.c: a GDB server for a chosen lamp of a fleet, made and
 * freed on the lamp's worker (docs/api.md, "/api/lamps/SERIAL/gdb"). */
#include "fleet_gdb.h"

#include "gdb_server.h"
#include "sim_error.h"

struct gdb_job {
    const char *host;
    uint16_t port;
    char *address;  /* out: where the server listens */
    GError *error;
    bool stop;      /* look_on_worker: stop the server too */
};

static char *address_of(const char *host, const struct gdb_server *srv)
{
    return g_strdup_printf("%s:%u", host, (unsigned)gdb_server_port(srv));
}

/* The server keeps its host only in its socket: the lamp keeps the two. */
struct lamp_gdb {
    struct gdb_server *srv;
    char *address;
};

static void lamp_gdb_free(gpointer data)
{
    struct lamp_gdb *lg = data;

    gdb_server_free(lg->srv);
    g_free(lg->address);
    g_free(lg);
}

static void start_on_worker(struct worker *w, struct lamp *lamp, gpointer data)
{
    struct gdb_job *job = data;
    struct lamp_gdb *lg = lamp_debugger(lamp), *made;
    struct gdb_server *srv;

    if (lg) {
        g_set_error(&job->error, SIM_ERROR, SIM_ERROR_BUSY,
                    "lamp %s already has a GDB server on %s", lamp_serial(lamp), lg->address);
        return;
    }
    srv = gdb_server_new(lamp, worker_scheduler(w), g_main_context_get_thread_default(),
                         job->host, job->port, false, &job->error);
    if (!srv)
        return;
    if (gdb_server_refusal(srv)) {
        g_set_error(&job->error, SIM_ERROR, SIM_ERROR_REFUSED, "lamp %s: %s", lamp_serial(lamp),
                    gdb_server_refusal(srv));
        gdb_server_free(srv);
        return;
    }
    made = g_new0(struct lamp_gdb, 1);
    made->srv = srv;
    made->address = address_of(job->host, srv);
    job->address = g_strdup(made->address);
    lamp_set_debugger(lamp, made, lamp_gdb_free);
}

bool fleet_gdb_start(struct fleet *f, guint index, const char *host, uint16_t port,
                     char **address, GError **error)
{
    struct gdb_job job = { .host = host, .port = port };

    if (!fleet_call_worker(f, index, start_on_worker, &job)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "no lamp %u in the fleet", index);
        return false;
    }
    if (job.error) {
        g_propagate_error(error, job.error);
        return false;
    }
    *address = job.address;
    return true;
}

/* The lamp's server's address, and (job->stop) the server stopped. */
static void look_on_worker(struct worker *w, struct lamp *lamp, gpointer data)
{
    struct gdb_job *job = data;
    struct lamp_gdb *lg = lamp_debugger(lamp);

    (void)w;
    job->address = lg ? g_strdup(lg->address) : NULL;
    if (lg && job->stop)
        lamp_set_debugger(lamp, NULL, NULL);
}

static char *look(struct fleet *f, guint index, bool stop)
{
    struct gdb_job job = { .stop = stop };

    if (!fleet_call_worker(f, index, look_on_worker, &job))
        return NULL;
    return job.address;
}

char *fleet_gdb_stop(struct fleet *f, guint index) { return look(f, index, true); }

char *fleet_gdb_address(struct fleet *f, guint index) { return look(f, index, false); }
