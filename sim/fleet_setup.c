/* sim/fleet_setup.c: the phases fleet and serve share (fleet_setup.h). */
#include "fleet_setup.h"

#include "fleet_limits.h"
#include "medium.h"
#include "net_env.h"
#include "state_lock.h"

#include <string.h>
#include <sys/resource.h>

void fleet_setup_init(struct fleet_setup *s)
{
    memset(s, 0, sizeof(*s));
    lamp_options_init(&s->lamp);
    fleet_options_init(&s->fleet);
    s->env = net_env_new();
    s->medium = ble_medium_new();
}

void fleet_setup_add_options(struct fleet_setup *s, GOptionContext *ctx, enum sim_cmd_kind kind)
{
    lamp_options_add(ctx, &s->lamp, kind);
    fleet_options_add(ctx, &s->fleet, kind);
}

bool fleet_setup_check(struct fleet_setup *s, enum sim_cmd_kind kind, GError **error)
{
    if (!lamp_options_check(&s->lamp, kind, fleet_options_networked(&s->fleet), &s->cfg, error) ||
        !fleet_options_check(&s->fleet, &s->cfg, s->env, error))
        return false;
    s->cfg.ble_medium = s->medium;
    return true;
}

double fleet_setup_cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

bool fleet_setup_prepare(struct fleet_setup *s, GError **error)
{
    double cpu0;

    /* One lock for the whole fleet: its lamps hold no descriptor each. */
    if (!fleet_check_limits(MAX(s->fleet.lamps, 1u), fleet_options_networked(&s->fleet), error) ||
        !lamp_state_dir_usable(s->lamp.state_dir, error) ||
        !(s->lock = state_lock_fleet(s->lamp.state_dir, error)))
        return false;
    if (s->lamp.ble_socket && !ble_medium_listen(s->medium, s->lamp.ble_socket, error))
        return false;
    cpu0 = fleet_setup_cpu_seconds();
    if (!fleet_provision(&s->cfg, s->lamp.state_dir, &s->fleet.shard, (guint)s->fleet.count,
                         (guint)s->fleet.provision_threads, &s->prov, error))
        return false;
    s->provision_cpu_s = fleet_setup_cpu_seconds() - cpu0;
    return true;
}

struct fleet *fleet_setup_start(struct fleet_setup *s, guint twin_ms, struct event_hub *hub,
                                lamp_line_fn fn, gpointer user_data, GError **error)
{
    struct fleet *f = fleet_new(fleet_options_threads(&s->fleet), error);

    if (!f)
        return NULL;
    if (twin_ms)
        fleet_keep_twin(f, twin_ms, hub);
    if (!fleet_boot(f, &s->cfg, s->lamp.state_dir, &s->fleet.shard, (guint)s->fleet.count,
                    s->cfg.seed, fn, user_data, error)) {
        fleet_free(f);
        return NULL;
    }
    return f;
}

void fleet_setup_clear(struct fleet_setup *s)
{
    lamp_options_clear(&s->lamp);
    fleet_options_clear(&s->fleet);
    g_clear_pointer(&s->lock, state_lock_fleet_release);
    g_clear_pointer(&s->medium, ble_medium_free);
    g_clear_pointer(&s->env, net_env_unref);
}
