/* sim/lamp_action.c: actions on a running lamp (lamp_action.h). */
#include "lamp_action.h"

#include "sim_error.h"
#include "update_sender.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *const names[LAMP_ACT_COUNT] = {
    "power_on", "power_off", "power_cut", "reboot", "console", "environment", "sensor_fault",
    "net_fault", "update", "commission",
};

const char *lamp_action_name(enum lamp_action_kind kind)
{
    return kind < LAMP_ACT_COUNT ? names[kind] : "?";
}

int lamp_action_from_name(const char *name)
{
    for (int i = 0; i < LAMP_ACT_COUNT; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

void lamp_action_clear(struct lamp_action *a)
{
    g_clear_pointer(&a->text, g_free);
    g_clear_pointer(&a->passphrase, g_free);
}

/* The members each action takes (NULL-terminated); any other is refused. */
static const char *const *members(enum lamp_action_kind k)
{
    static const char *const none[] = { NULL };
    static const char *const cut[] = { "after_flash_ops", "torn", NULL };
    static const char *const console[] = { "line", NULL };
    static const char *const env[] = { "daylight_lux", "occupied", "ambient_temp_c", "motion", NULL };
    static const char *const sensor[] = { "sensor", "fault", NULL };
    static const char *const net[] = { "fault", "ms", "on", NULL };
    static const char *const update[] = { "image", NULL };
    static const char *const commission[] = { "ssid", "passphrase", NULL };

    switch (k) {
    case LAMP_ACT_POWER_CUT: return cut;
    case LAMP_ACT_CONSOLE: return console;
    case LAMP_ACT_ENVIRONMENT: return env;
    case LAMP_ACT_SENSOR: return sensor;
    case LAMP_ACT_NET: return net;
    case LAMP_ACT_UPDATE: return update;
    case LAMP_ACT_COMMISSION: return commission;
    default: return none;
    }
}

static bool check_members(const cJSON *o, enum lamp_action_kind k, GError **error)
{
    const char *const *allowed = members(k);

    for (const cJSON *m = o->child; m; m = m->next) {
        const char *const *a;
        for (a = allowed; *a && strcmp(*a, m->string); a++)
            ;
        if (!*a) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);
            return sim_error_args(error, "%s: unknown member '%s' (%s takes %s)", m->string, m->string,
                       names[k], *list ? list : "no members");
        }
    }
    return true;
}

/* A string member; required: absent is an error. */
static bool get_string(const cJSON *o, const char *key, bool required, const char **out,
                       GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *out = NULL;
    if (!v)
        return required ? sim_error_args(error, "%s: missing (a string)", key) : true;
    if (!cJSON_IsString(v))
        return sim_error_args(error, "%s: must be a string", key);
    *out = v->valuestring;
    return true;
}

static bool get_number(const cJSON *o, const char *key, bool *given, double *out, GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *given = v != NULL;
    if (!v)
        return true;
    if (!cJSON_IsNumber(v))
        return sim_error_args(error, "%s: must be a number", key);
    *out = v->valuedouble;
    return true;
}

static bool get_bool(const cJSON *o, const char *key, bool *given, bool *out, GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *given = v != NULL;
    if (!v)
        return true;
    if (!cJSON_IsBool(v))
        return sim_error_args(error, "%s: must be true or false", key);
    *out = cJSON_IsTrue(v);
    return true;
}

/* A whole number in [lo, hi]. */
static bool get_uint(const cJSON *o, const char *key, bool *given, double lo, double hi,
                     uint32_t *out, GError **error)
{
    double d = 0;

    if (!get_number(o, key, given, &d, error))
        return false;
    if (!*given)
        return true;
    /* the range first: a negative or huge double cast to an integer is
     * undefined behaviour */
    if (!(d >= lo && d <= hi) || d != (double)(uint64_t)d)
        return sim_error_args(error, "%s: %g is not a whole number from %.0f to %.0f", key, d, lo, hi);
    *out = (uint32_t)d;
    return true;
}

/* No control characters: a line or a credential is typed at the console. */
static bool printable(const char *key, const char *s, size_t max, GError **error)
{
    size_t n = strlen(s);

    if (n > max)
        return sim_error_args(error, "%s: %zu characters; at most %zu", key, n, max);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return sim_error_args(error, "%s: holds a control character (0x%02x); one console line of "
                       "printable text only", key, *p);
    return true;
}

static bool parse_env(const cJSON *o, struct lamp_action *a, GError **error)
{
    bool motion_given = false, motion = false;
    struct machine_light_env env = MACHINE_LIGHT_ENV_DEFAULT;

    if (!get_number(o, "daylight_lux", &a->set_lux, &a->lux, error) ||
        !get_bool(o, "occupied", &a->set_occupied, &a->occupied, error) ||
        !get_number(o, "ambient_temp_c", &a->set_temp, &a->temp_c, error) ||
        !get_bool(o, "motion", &motion_given, &motion, error))
        return false;
    a->motion = motion_given && motion;
    if (!a->set_lux && !a->set_occupied && !a->set_temp && !motion_given)
        return sim_error_args(error, "body: give at least one of daylight_lux, occupied, ambient_temp_c, motion");
    if (a->set_lux) {
        g_autoptr(GError) why = NULL;
        env.daylight_lux = a->lux;
        if (!machine_light_env_valid(&env, &why))
            return sim_error_args(error, "daylight_lux: %s", why->message);
    }
    if (a->set_temp) {
        g_autoptr(GError) why = NULL;
        env = MACHINE_LIGHT_ENV_DEFAULT;
        env.ambient_temp_c = a->temp_c;
        if (!machine_light_env_valid(&env, &why))
            return sim_error_args(error, "ambient_temp_c: %s", why->message);
    }
    return true;
}

static bool parse_sensor(const cJSON *o, struct lamp_action *a, GError **error)
{
    const char *sensor, *fault;
    unsigned i;

    if (!get_string(o, "sensor", true, &sensor, error) || !get_string(o, "fault", true, &fault, error))
        return false;
    for (i = 0; i < MACHINE_LIGHT_SENSORS && strcmp(sensor, machine_light_sensor_name(i)); i++)
        ;
    if (i == MACHINE_LIGHT_SENSORS)
        return sim_error_args(error, "sensor: '%s' is no sensor (lux, pir, temp)", sensor);
    a->sensor = i;
    for (i = 0; i <= MACHINE_LIGHT_FAULT_ABSENT && strcmp(fault, machine_light_fault_name(i)); i++)
        ;
    if (i > MACHINE_LIGHT_FAULT_ABSENT)
        return sim_error_args(error, "fault: '%s' is no sensor fault (none, stuck, noisy, absent)", fault);
    a->fault = i;
    return true;
}

static bool parse_net(const cJSON *o, struct lamp_action *a, GError **error)
{
    static const struct { const char *name; enum machine_net_fault f; } faults[] = {
        { "latency", MACHINE_NET_LATENCY_MS }, { "drop", MACHINE_NET_DROP },
        { "refuse", MACHINE_NET_REFUSE }, { "stall", MACHINE_NET_STALL },
        { "link_loss", MACHINE_NET_LINK_LOSS },
    };
    const char *fault;
    bool ms_given, on_given, on = true;
    unsigned i;

    if (!get_string(o, "fault", true, &fault, error))
        return false;
    for (i = 0; i < G_N_ELEMENTS(faults) && strcmp(fault, faults[i].name); i++)
        ;
    if (i == G_N_ELEMENTS(faults))
        return sim_error_args(error, "fault: '%s' is no network fault (latency, drop, refuse, stall, link_loss)",
                   fault);
    a->net = faults[i].f;
    if (!get_uint(o, "ms", &ms_given, 0, 600000, &a->arg, error) ||
        !get_bool(o, "on", &on_given, &on, error))
        return false;
    if (a->net == MACHINE_NET_LATENCY_MS && !ms_given)
        return sim_error_args(error, "ms: missing (latency takes the one-way delay in ms, 0 to 600000)");
    if (a->net != MACHINE_NET_LATENCY_MS && ms_given)
        return sim_error_args(error, "ms: only the latency fault takes ms");
    if (on_given && a->net != MACHINE_NET_REFUSE && a->net != MACHINE_NET_STALL)
        return sim_error_args(error, "on: only refuse and stall take on (true starts, false ends)");
    if (a->net == MACHINE_NET_REFUSE || a->net == MACHINE_NET_STALL)
        a->arg = on;
    return true;
}

static bool parse_body(const cJSON *o, struct lamp_action *a, GError **error)
{
    const char *s, *p;
    bool given;

    switch (a->kind) {
    case LAMP_ACT_POWER_CUT:
        a->arg = 0;
        if (!get_uint(o, "after_flash_ops", &given, 1, 1e9, &a->arg, error) ||
            !get_bool(o, "torn", &given, &a->torn, error))
            return false;
        if (given && a->arg == 0)
            return sim_error_args(error, "torn: only a cut at a flash operation (after_flash_ops) can tear it");
        return true;
    case LAMP_ACT_CONSOLE:
        if (!get_string(o, "line", true, &s, error) || !printable("line", s, 200, error))
            return false;
        a->text = g_strdup(s);
        return true;
    case LAMP_ACT_ENVIRONMENT:
        return parse_env(o, a, error);
    case LAMP_ACT_SENSOR:
        return parse_sensor(o, a, error);
    case LAMP_ACT_NET:
        return parse_net(o, a, error);
    case LAMP_ACT_UPDATE:
        if (!get_string(o, "image", true, &s, error))
            return false;
        if (!g_path_is_absolute(s))
            return sim_error_args(error, "image: '%s' is not an absolute path (the server's working "
                       "directory is not the client's)", s);
        a->text = g_strdup(s);
        return true;
    case LAMP_ACT_COMMISSION:
        if (!get_string(o, "ssid", true, &s, error) || !get_string(o, "passphrase", true, &p, error))
            return false;
        if (!*s || strlen(s) > 32 || strchr(s, ' '))
            return sim_error_args(error, "ssid: '%s' must be 1-32 characters without spaces", s);
        if (strlen(p) < 8 || strlen(p) > 63 || strchr(p, ' '))
            return sim_error_args(error, "passphrase: must be 8-63 characters without spaces (WPA2)");
        if (!printable("ssid", s, 32, error) || !printable("passphrase", p, 63, error))
            return false;
        a->text = g_strdup(s);
        a->passphrase = g_strdup(p);
        return true;
    default:
        return true;
    }
}

bool lamp_action_parse(const char *name, const char *body, struct lamp_action *out,
                       GError **error)
{
    int kind = lamp_action_from_name(name);
    cJSON *o;
    bool ok;

    memset(out, 0, sizeof(*out));
    if (kind < 0) {
        g_autofree char *list = g_strjoinv(", ", (char **)names);
        return sim_error_args(error, "action: '%s' is no action (%s)", name, list);
    }
    out->kind = kind;
    if (!body || !*body)
        body = "{}";
    o = cJSON_Parse(body);
    if (!o)
        return sim_error_args(error, "body: not JSON (send an object, e.g. {})");
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return sim_error_args(error, "body: must be a JSON object");
    }
    ok = check_members(o, kind, error) && parse_body(o, out, error);
    cJSON_Delete(o);
    if (!ok)
        lamp_action_clear(out);
    return ok;
}

/* ---- on the worker ---- */

/* Update transfers running, by lamp (worker threads: under the lock). */
static GMutex senders_lock;
static GHashTable *senders; /* struct lamp * -> struct update_sender * */

static gboolean free_sender(gpointer data)
{
    update_sender_free(data);
    return G_SOURCE_REMOVE;
}

static void on_update_done(struct update_sender *s, enum update_state state, const char *reason,
                           gpointer user_data)
{
    struct lamp *lamp = user_data;

    g_mutex_lock(&senders_lock);
    if (senders && g_hash_table_lookup(senders, lamp) == s)
        g_hash_table_remove(senders, lamp);
    g_mutex_unlock(&senders_lock);
    fprintf(stderr, "lampsim[%s] update %s%s%s\n", lamp_serial(lamp),
            state == UPDATE_STAGED ? "staged" : state == UPDATE_REFUSED ? "refused" : "failed",
            reason ? ": " : "", reason ? reason : "");
    /* not from inside its own callback */
    g_idle_add_full(G_PRIORITY_DEFAULT, free_sender, s, NULL);
}

void lamp_action_forget(struct lamp *lamp)
{
    struct update_sender *s = NULL;

    g_mutex_lock(&senders_lock);
    if (senders)
        s = g_hash_table_lookup(senders, lamp);
    if (s)
        g_hash_table_remove(senders, lamp);
    g_mutex_unlock(&senders_lock);
    update_sender_free(s);
}

static bool start_update(struct lamp *lamp, const char *path, GError **error)
{
    struct update_sender *s;
    bool busy;

    g_mutex_lock(&senders_lock);
    if (!senders)
        senders = g_hash_table_new(NULL, NULL);
    busy = g_hash_table_contains(senders, lamp);
    g_mutex_unlock(&senders_lock);
    if (busy) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS,
                    "image: an update is already being sent to %s; wait for it to end",
                    lamp_serial(lamp));
        return false;
    }
    s = update_sender_start(lamp, path, false, on_update_done, lamp, error);
    if (!s) {
        g_prefix_error(error, "image: ");
        return false;
    }
    g_mutex_lock(&senders_lock);
    g_hash_table_insert(senders, lamp, s);
    g_mutex_unlock(&senders_lock);
    return true;
}

static void count(struct twin_table *twin, struct lamp *lamp, enum twin_injected what)
{
    if (twin)
        twin_table_count_injected(twin, lamp, what);
}

bool lamp_action_apply(struct lamp *lamp, struct twin_table *twin, const struct lamp_action *a,
                       GError **error)
{
    struct machine *m = lamp_machine(lamp);
    struct machine_light_env env;

    switch (a->kind) {
    case LAMP_ACT_POWER_ON:
        if (machine_state(m) == MACHINE_OFF)
            machine_power_on(m);
        return true;
    case LAMP_ACT_POWER_OFF:
        if (!machine_sync(m, error))
            return false;
        machine_power_off(m, "switched off (lampsim serve)");
        return true;
    case LAMP_ACT_POWER_CUT:
        count(twin, lamp, TWIN_INJ_POWER_CUT);
        if (a->arg)
            machine_inject_power_cut(m, a->arg, a->torn);
        else
            machine_power_off(m, "power cut (lampsim serve)");
        return true;
    case LAMP_ACT_REBOOT:
        machine_power_off(m, "power cycle (lampsim serve)");
        machine_power_on(m);
        return true;
    case LAMP_ACT_CONSOLE:
        lamp_queue_input_line(lamp, a->text);
        lamp_flush_input(lamp);
        return true;
    case LAMP_ACT_ENVIRONMENT:
        machine_light_get_env(m, &env);
        if (a->set_lux)
            env.daylight_lux = a->lux;
        if (a->set_occupied)
            env.occupied = a->occupied;
        if (a->set_temp)
            env.ambient_temp_c = a->temp_c;
        if (!machine_light_set_env(m, &env, error))
            return false;
        if (a->motion)
            machine_light_motion(m);
        return true;
    case LAMP_ACT_SENSOR:
        count(twin, lamp, TWIN_INJ_SENSOR);
        machine_light_set_sensor_fault(m, a->sensor, a->fault);
        return true;
    case LAMP_ACT_NET: {
        static const enum twin_injected inj[] = {
            [MACHINE_NET_LATENCY_MS] = TWIN_INJ_NET_LATENCY, [MACHINE_NET_DROP] = TWIN_INJ_NET_DROP,
            [MACHINE_NET_REFUSE] = TWIN_INJ_NET_REFUSE, [MACHINE_NET_STALL] = TWIN_INJ_NET_STALL,
            [MACHINE_NET_LINK_LOSS] = TWIN_INJ_LINK_LOSS,
        };
        /* ending a fault (latency 0, refuse or stall off) injects none */
        if (a->arg || a->net == MACHINE_NET_DROP || a->net == MACHINE_NET_LINK_LOSS)
            count(twin, lamp, inj[a->net]);
        machine_net_fault(m, a->net, a->arg);
        return true;
    }
    case LAMP_ACT_UPDATE:
        return start_update(lamp, a->text, error);
    case LAMP_ACT_COMMISSION: {
        g_autofree char *line = g_strdup_printf("wifi %s %s", a->text, a->passphrase);
        lamp_queue_input_line(lamp, line);
        lamp_flush_input(lamp);
        return true;
    }
    case LAMP_ACT_COUNT:
        break;
    }
    g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "action %d: unknown", a->kind);
    return false;
}
