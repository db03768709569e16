/* sim/scenario_lamp.c: lamps as scenario scripts see them.  Every lamp runs
 * in deterministic time with a seeded RNG, so a scenario replays exactly;
 * only the lamp a call waits on runs (others stay paused). */
#include "scenario_lamp.h"

#include "config.h"
#include "debug_port.h"
#include "lamp.h"
#include "net_env.h"
#include "machine.h"
#include "periph.h"
#include "factory.h"
#include "image.h"
#include "lamp_action.h"
#include "link_failure_reasons.h"
#include "otp_layout.h"
#include "update_sender.h"

#include <lauxlib.h>
#include <string.h>

#define SLICE_INSNS 200000u

struct slamp *check_lamp(lua_State *L)
{
    struct slamp *sl = luaL_checkudata(L, 1, LAMP_MT);

    if (!sl->lamp)
        luaL_error(L, "this lamp was closed");
    return sl;
}

static void on_line(struct lamp *lamp, const char *line, gpointer user_data)
{
    struct slamp *sl = user_data;
    g_ptr_array_add(sl->lines, g_strdup(line));
}

/* The last few console lines, for failure messages. */
char *tail_of_console(struct slamp *sl, guint n)
{
    GString *s = g_string_new("last console lines:");
    guint from = sl->lines->len > n ? sl->lines->len - n : 0;

    for (guint i = from; i < sl->lines->len; i++)
        g_string_append_printf(s, "\n  | %s", (char *)g_ptr_array_index(sl->lines, i));
    return g_string_free(s, FALSE);
}


static gboolean wake_up(gpointer unused)
{
    return G_SOURCE_REMOVE;
}

/* Sleeps until host I/O or the lamp's next timer, at most 50 ms. */
static void wait_for_host(struct machine *m)
{
    gint64 wait_us = machine_next_deadline_host_us(m) - g_get_monotonic_time();
    guint ms = (guint)CLAMP(wait_us / 1000, 0, 50);
    GSource *t = g_timeout_source_new(ms);

    g_source_set_callback(t, wake_up, NULL, NULL);
    g_source_attach(t, NULL);
    g_main_context_iteration(NULL, TRUE);
    g_source_destroy(t);
    g_source_unref(t);
}

/* Runs the lamp until done, the virtual timeout, or a state that cannot
 * change by itself.  NULL when done, else why it stopped. */
const char *drive(struct slamp *sl, double timeout_s, done_fn done, void *arg)
{
    struct machine *m = lamp_machine(sl->lamp);
    uint64_t limit = machine_now_ns(m) + (uint64_t)(timeout_s * 1e9);
    /* Host-time guard against a scenario that never ends (a busy lamp
     * advances virtual time slowly only if the host is very slow). */
    gint64 host_limit = g_get_monotonic_time() + (gint64)(60 + timeout_s * 20) * G_USEC_PER_SEC;

    for (;;) {
        enum machine_state st;

        if (done(sl, arg))
            return NULL;
        st = machine_state(m);
        if (st == MACHINE_OFF)
            return "the lamp is powered off";
        if (st == MACHINE_LOCKED_UP)
            return "the lamp's core is locked up";
        /* Halted by the scenario's own lamp:debug_halt: nothing else can
         * let it go (a scenario serves no debugger), so waiting would be
         * forever. */
        if (st == MACHINE_HALTED)
            return "the lamp's core is halted by its debug port (lamp:debug_resume lets it run)";
        if (machine_now_ns(m) >= limit)
            return "timed out (virtual time)";
        if (g_get_monotonic_time() > host_limit)
            return "timed out (host time guard)";
        if (sl->realtime) {
            /* A networked lamp: host sockets report through the main
             * loop, and time is the host's. */
            g_main_context_iteration(NULL, FALSE);
            if (machine_state(m) == MACHINE_SLEEPING) {
                machine_poll_timers(m);
                if (machine_state(m) == MACHINE_SLEEPING)
                    wait_for_host(m);
                continue;
            }
        } else if (st == MACHINE_SLEEPING) {
            /* input typed at its prompt wakes the lamp now, as a real
             * UART's does, not at its next timer */
            lamp_run(sl->lamp, SLICE_INSNS);
            if (machine_state(m) != MACHINE_SLEEPING)
                continue;
            if (machine_next_deadline_ns(m) == UINT64_MAX)
                return "the lamp sleeps with nothing armed to wake it";
            /* not past the limit: run_for(t) leaves the lamp at t */
            machine_skip_until(m, limit);
            continue;
        }
        lamp_run(sl->lamp, SLICE_INSNS);
    }
}

struct expect_arg {
    GRegex *re;
    GMatchInfo *match;
};

static bool line_matches(struct slamp *sl, void *opaque)
{
    struct expect_arg *a = opaque;

    while (sl->cursor < sl->lines->len) {
        const char *line = g_ptr_array_index(sl->lines, sl->cursor++);
        if (g_regex_match(a->re, line, 0, &a->match))
            return true;
        g_clear_pointer(&a->match, g_match_info_free);
    }
    return false;
}

/* lamp:expect(regex [, timeout_s]) -> line, captures... | nil, why */
static int l_expect(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *pattern = luaL_checkstring(L, 2);
    double timeout = luaL_optnumber(L, 3, DEFAULT_TIMEOUT_S);
    g_autoptr(GError) error = NULL;
    struct expect_arg a = { g_regex_new(pattern, 0, 0, &error), NULL };
    const char *why;
    int n;

    if (!a.re)
        return luaL_error(L, "expect: bad regular expression /%s/: %s", pattern, error->message);
    why = drive(sl, timeout, line_matches, &a);
    if (why) {
        g_autofree char *tail = tail_of_console(sl, 8);
        g_regex_unref(a.re);
        lua_pushnil(L);
        lua_pushfstring(L, "no console line matched /%s/: %s\n%s", pattern, why, tail);
        return 2;
    }
    n = g_match_info_get_match_count(a.match);
    lua_pushstring(L, g_ptr_array_index(sl->lines, sl->cursor - 1));
    for (int i = 1; i < n; i++) {
        g_autofree char *cap = g_match_info_fetch(a.match, i);
        lua_pushstring(L, cap);
    }
    g_match_info_free(a.match);
    g_regex_unref(a.re);
    return n > 0 ? n : 1;
}

static bool never(struct slamp *sl, void *arg) { return false; }

/* lamp:run_for(seconds): runs that much virtual time. */
static int l_run_for(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *why = drive(sl, luaL_checknumber(L, 2), never, NULL);

    lua_pushstring(L, why);
    return 1;
}

static int l_type(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    lamp_queue_input_line(sl->lamp, luaL_checkstring(L, 2));
    /* A networked lamp asleep at its prompt (online, idle) may run no
     * slice for many seconds: the line goes now.  (Virtual-time lamps
     * are run at once by the next wait, which types it.) */
    if (sl->realtime)
        lamp_flush_input(sl->lamp);
    return 0;
}

static bool update_finished(struct slamp *sl, void *arg)
{
    return update_sender_state(sl->update) >= UPDATE_STAGED;
}

/* Sends a file over the console transfer; pushes the outcome's name
 * (accepted: the name of UPDATE_STAGED for this kind) and the reason. */
static int send_file(lua_State *L, const struct transfer_kind *kind, const char *accepted)
{
    const char *names[] = { "waiting", "sending", "checking", accepted, "refused", "failed" };
    struct slamp *sl = check_lamp(L);
    const char *path = luaL_checkstring(L, 2);
    double timeout = luaL_optnumber(L, 3, 120.0);
    g_autoptr(GError) error = NULL;
    const char *why;

    update_sender_free(sl->update);
    sl->update = update_sender_start_kind(sl->lamp, kind, path, false, NULL, NULL, &error);
    if (!sl->update)
        return luaL_error(L, "%s: %s", kind->topic, error->message);
    why = drive(sl, timeout, update_finished, NULL);
    if (why) {
        lua_pushstring(L, "stopped");
        lua_pushstring(L, why);
    } else {
        lua_pushstring(L, names[update_sender_state(sl->update)]);
        lua_pushstring(L, update_sender_reason(sl->update));
    }
    return 2;
}

/* lamp:update(image [, timeout_s]) -> "staged"|"refused"|"failed"|"stopped", reason */
static int l_update(lua_State *L)
{
    return send_file(L, &TRANSFER_UPDATE, "staged");
}

/* lamp:install_app(package [, timeout_s]) -> "installed"|"refused"|"failed"|"stopped", reason:
 * `app install` over the same console transfer. */
static int l_install_app(lua_State *L)
{
    return send_file(L, &TRANSFER_APP_INSTALL, "installed");
}

/* lamp:external_boot(bin) -> true | nil, why: boot pins / DFU load of a
 * raw application binary into slot A (refused on boot-locked lamps). */
static int l_external_boot(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *path = luaL_checkstring(L, 2);
    g_autoptr(GError) error = NULL;
    g_autofree char *bin = NULL;
    gsize len;

    if (!g_file_get_contents(path, &bin, &len, &error) ||
        !machine_external_boot(lamp_machine(sl->lamp), IMAGE_LOAD_ADDR, bin, len, &error)) {
        lua_pushnil(L);
        lua_pushstring(L, error->message);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* lamp:debug_attach() -> true | nil, why: the debug port, as a debugger
 * on SWD would try it (refused on a lamp whose DEBUG_LOCK is blown). */
static int l_debug_attach(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    g_autoptr(GError) error = NULL;

    if (!debug_port_attach(lamp_machine(sl->lamp), &error)) {
        lua_pushnil(L);
        lua_pushstring(L, error->message);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_debug_detach(lua_State *L)
{
    debug_port_detach(lamp_machine(check_lamp(L)->lamp));
    return 0;
}

/* lamp:debug_halt() -> pc | nil, why: halts the core where it is. */
static int l_debug_halt(lua_State *L)
{
    struct machine *m = lamp_machine(check_lamp(L)->lamp);
    uint32_t pc;

    if (!debug_port_attached(m))
        return luaL_error(L, "debug_halt: the debug port is not attached (lamp:debug_attach)");
    debug_port_halt(m);
    if (!debug_port_read_reg(m, DEBUG_REG_PC, &pc)) {
        lua_pushnil(L);
        lua_pushliteral(L, "the core did not halt");
        return 2;
    }
    lua_pushinteger(L, pc);
    return 1;
}

static int l_debug_resume(lua_State *L)
{
    struct machine *m = lamp_machine(check_lamp(L)->lamp);

    if (!debug_port_attached(m))
        return luaL_error(L, "debug_resume: the debug port is not attached (lamp:debug_attach)");
    debug_port_resume(m);
    return 0;
}

static int l_power_on(lua_State *L)
{
    machine_power_on(lamp_machine(check_lamp(L)->lamp));
    return 0;
}

static int l_power_off(lua_State *L)
{
    machine_power_off(lamp_machine(check_lamp(L)->lamp), "scenario");
    return 0;
}

/* lamp:cut_power_at(n [, torn]): power goes after (or, torn, during) the
 * nth flash operation from now. */
static int l_cut_power_at(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    lua_Integer n = luaL_checkinteger(L, 2);

    luaL_argcheck(L, n >= 1, 2, "operation number must be >= 1");
    machine_inject_power_cut(lamp_machine(sl->lamp), (uint64_t)n, lua_toboolean(L, 3));
    return 0;
}

static int l_flash_ops(lua_State *L)
{
    struct machine_stats st;

    machine_get_stats(lamp_machine(check_lamp(L)->lamp), &st);
    lua_pushinteger(L, (lua_Integer)st.flash_ops);
    return 1;
}

/* lamp:read(addr, len) -> bytes of flash, OTP or SRAM */
static int l_read(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    lua_Integer addr = luaL_checkinteger(L, 2), len = luaL_checkinteger(L, 3);
    g_autofree char *buf = NULL;

    luaL_argcheck(L, addr >= 0 && addr <= 0xFFFFFFFF, 2, "address out of range");
    luaL_argcheck(L, len >= 0 && len <= 4 * 1024 * 1024, 3, "length out of range");
    buf = g_malloc(len ? (gsize)len : 1);
    if (!machine_read_phys(lamp_machine(sl->lamp), (uint32_t)addr, buf, (size_t)len))
        return luaL_error(L, "read: 0x%08x + %d is not flash, OTP or SRAM",
                          (unsigned)addr, (int)len);
    lua_pushlstring(L, buf, (size_t)len);
    return 1;
}

static unsigned read_otp_epoch(struct machine *m)
{
    uint32_t w[OTP_EPOCH_WORDS];
    unsigned epoch = 0;

    if (!machine_read_phys(m, OTP_BASE + OTP_EPOCH_OFFSET, w, sizeof(w)))
        return 0;
    for (unsigned i = 0; i < OTP_EPOCH_BITS && (w[i / 32] >> (i % 32) & 1); i++)
        epoch++;
    return epoch;
}

static int l_otp_epoch(lua_State *L)
{
    lua_pushinteger(L, read_otp_epoch(lamp_machine(check_lamp(L)->lamp)));
    return 1;
}

static int l_state(lua_State *L)
{
    static const char *const names[] = {
        [MACHINE_OFF] = "off", [MACHINE_RUNNABLE] = "runnable", [MACHINE_SLEEPING] = "sleeping",
        [MACHINE_LOCKED_UP] = "locked-up", [MACHINE_HALTED] = "halted",
    };
    lua_pushstring(L, names[machine_state(lamp_machine(check_lamp(L)->lamp))]);
    return 1;
}

/* lamp:twin() -> what the simulator knows of the lamp right now. */
static int l_twin(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    struct machine *m = lamp_machine(sl->lamp);
    struct machine_stats st;
    uint32_t locks = 0;

    machine_get_stats(m, &st);
    machine_read_phys(m, OTP_BASE + OTP_LOCKS_OFFSET, &locks, 4);
    lua_newtable(L);
    lua_pushstring(L, lamp_serial(sl->lamp));
    lua_setfield(L, -2, "serial");
    lua_pushinteger(L, read_otp_epoch(m));
    lua_setfield(L, -2, "otp_epoch");
    lua_pushboolean(L, locks & OTP_LOCK_DEBUG);
    lua_setfield(L, -2, "debug_lock");
    lua_pushboolean(L, locks & OTP_LOCK_BOOT);
    lua_setfield(L, -2, "boot_lock");
    lua_pushinteger(L, (lua_Integer)st.resets);
    lua_setfield(L, -2, "resets");
    lua_pushinteger(L, (lua_Integer)st.faults_taken);
    lua_setfield(L, -2, "faults");
    lua_pushinteger(L, (lua_Integer)st.flash_ops);
    lua_setfield(L, -2, "flash_ops");
    lua_pushinteger(L, (lua_Integer)st.instructions);
    lua_setfield(L, -2, "instructions");
    lua_pushinteger(L, (lua_Integer)st.crypto_ops);
    lua_setfield(L, -2, "crypto_ops");
    lua_pushstring(L, lamp_variant(sl->lamp));
    lua_setfield(L, -2, "variant");
    lua_pushinteger(L, sl->entries);
    lua_setfield(L, -2, "slot_a_entries");
    lua_pushinteger(L, sl->violations);
    lua_setfield(L, -2, "unverified_entries");
    {
        /* the firmware's connection failures by reason (SYSCTL LINKFAIL) */
        static const char *const names[] = LINK_FAILURE_NAMES;
        struct machine_fw_status fw;
        machine_get_fw_status(m, &fw);
        lua_createtable(L, 0, LF_REASONS);
        for (unsigned i = 0; i < LF_REASONS; i++) {
            lua_pushinteger(L, (lua_Integer)fw.failures[i]);
            lua_setfield(L, -2, names[i]);
        }
        lua_setfield(L, -2, "failures");
    }
    {
        struct machine_net_stats ns;
        machine_get_net_stats(m, &ns);
        lua_pushinteger(L, (lua_Integer)ns.connects);
        lua_setfield(L, -2, "net_connects");
        lua_pushinteger(L, (lua_Integer)ns.bytes_in);
        lua_setfield(L, -2, "net_bytes_in");
        lua_pushinteger(L, (lua_Integer)ns.bytes_out);
        lua_setfield(L, -2, "net_bytes_out");
        lua_pushboolean(L, ns.link_up);
        lua_setfield(L, -2, "wifi_link");
    }
    return 1;
}

/* lamp:net_fault(kind [, arg]): drop | refuse | stall | latency | link_loss */
static int l_net_fault(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    static const char *const kinds[] = { "latency", "drop", "refuse", "stall", "link_loss", NULL };
    static const enum machine_net_fault faults[] = {
        MACHINE_NET_LATENCY_MS, MACHINE_NET_DROP, MACHINE_NET_REFUSE, MACHINE_NET_STALL,
        MACHINE_NET_LINK_LOSS,
    };
    int k = luaL_checkoption(L, 2, NULL, kinds);
    lua_Integer arg = luaL_optinteger(L, 3, 1);

    luaL_argcheck(L, arg >= 0 && arg <= 600000, 3, "0 to 600000");
    machine_net_fault(lamp_machine(sl->lamp), faults[k], (uint32_t)arg);
    return 0;
}

static void on_slot_a_entry(struct machine *m, uint32_t pc, void *user)
{
    struct slamp *sl = user;

    sl->entries++;
    for (guint i = 0; i < sl->allowed->len; i++) {
        gsize len;
        const uint8_t *want = g_bytes_get_data(g_ptr_array_index(sl->allowed, i), &len);
        g_autofree uint8_t *have = g_malloc(len ? len : 1);
        if (machine_read_phys(m, SLOT_A_ADDR, have, len) && memcmp(have, want, len) == 0)
            return;
    }
    sl->violations++;
    sl->last_violation_pc = pc;
}

/* lamp:watch_slot_a{bytes, ...}: from now on, every time the CPU first
 * runs code in slot A after a reset, slot A must start with one of these
 * byte strings (the installed forms of verified images). */
static int l_watch_slot_a(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    g_autoptr(GError) error = NULL;

    luaL_checktype(L, 2, LUA_TTABLE);
    if (sl->allowed->len)
        return luaL_error(L, "watch_slot_a: already watching");
    for (lua_Integer i = 1; lua_geti(L, 2, i) != LUA_TNIL; i++) {
        size_t len;
        const char *b = luaL_checklstring(L, -1, &len);
        g_ptr_array_add(sl->allowed, g_bytes_new(b, len));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (!sl->allowed->len)
        return luaL_error(L, "watch_slot_a: give at least one allowed image");
    if (!machine_watch_code_entry(lamp_machine(sl->lamp), SLOT_A_ADDR, SLOT_A_ADDR + SLOT_SIZE,
                                  on_slot_a_entry, sl, &error))
        return luaL_error(L, "watch_slot_a: %s", error->message);
    return 0;
}

/* lamp:snapshot(name) -> path of a copy of the lamp's flash and OTP now. */
static int l_snapshot(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *name = luaL_checkstring(L, 2);
    struct scenario *sc = scenario_of(L);
    g_autoptr(GError) error = NULL;
    g_autofree char *src = g_build_filename(sl->dir, "lamp.img", NULL);
    g_autofree char *dir = g_build_filename(sc->tmpdir, "snapshots", NULL);
    g_autofree char *dst = NULL;
    g_autofree char *data = NULL;
    gsize len;

    if (strchr(name, '/') || !*name)
        return luaL_error(L, "snapshot: name '%s' must be a plain file name", name);
    dst = g_strdup_printf("%s/%s.img", dir, name);
    if (!machine_sync(lamp_machine(sl->lamp), &error) || g_mkdir_with_parents(dir, 0755) != 0 ||
        !g_file_get_contents(src, &data, &len, &error) ||
        !g_file_set_contents(dst, data, (gssize)len, &error))
        return luaL_error(L, "snapshot %s: %s", name, error ? error->message : "mkdir failed");
    lua_pushstring(L, dst);
    return 1;
}

static int l_console(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < sl->lines->len; i++)
        g_string_append_printf(s, "%s\n", (char *)g_ptr_array_index(sl->lines, i));
    lua_pushlstring(L, s->str, s->len);
    g_string_free(s, TRUE);
    return 1;
}

static int l_serial(lua_State *L)
{
    lua_pushstring(L, lamp_serial(check_lamp(L)->lamp));
    return 1;
}

static int l_dir(lua_State *L)
{
    lua_pushstring(L, check_lamp(L)->dir);
    return 1;
}

static void slamp_close(struct slamp *sl)
{
    g_autoptr(GError) error = NULL;

    if (sl->lamp) {
        update_sender_free(sl->update);
        sl->update = NULL;
        lamp_action_forget(sl->lamp);   /* an update lamp:action began */
        if (!machine_sync(lamp_machine(sl->lamp), &error))
            g_printerr("lampsim scenario: saving lamp %s: %s\n", sl->dir, error->message);
        lamp_free(sl->lamp);
        sl->lamp = NULL;
    }
    scenario_ble_detach(sl);
    g_clear_pointer(&sl->lines, g_ptr_array_unref);
    g_clear_pointer(&sl->env, net_env_unref);
    g_clear_pointer(&sl->allowed, g_ptr_array_unref);
    g_clear_pointer(&sl->dir, g_free);
}

static int l_close(lua_State *L)
{
    slamp_close(luaL_checkudata(L, 1, LAMP_MT));
    return 0;
}

static const char *opt_field(lua_State *L, int t, const char *key, const char *def)
{
    const char *v;

    lua_getfield(L, t, key);
    v = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
    lua_pop(L, 1);
    return v;
}

/* scenario.lamp{serial=, profile=, image=, bootloader=, fleet=, from=}:
 * a new lamp in the scenario's directory, provisioned by the factory library (or a
 * copy of a snapshot), powered off. */
static int l_new_lamp(lua_State *L)
{
    struct scenario *sc = scenario_of(L);
    g_autofree char *serial = NULL, *fleet_dir = NULL, *image = NULL, *bootloader = NULL;
    g_autofree char *cloud = NULL, *ap = NULL, *variant = NULL;
    const char *profile, *from;
    g_autoptr(GError) error = NULL;
    struct slamp *sl;
    struct lamp_config cfg = { .time_mode = MACHINE_TIME_DETERMINISTIC, .seeded = true,
                               .log_mask = MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP };

    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    sc->lamps_made++;
    serial = g_strdup(opt_field(L, 1, "serial", NULL));
    if (!serial)
        serial = g_strdup_printf("SCN-%04u", sc->lamps_made);
    profile = opt_field(L, 1, "profile", "development");
    from = opt_field(L, 1, "from", NULL);
    lua_getfield(L, 1, "fleet");
    if (lua_istable(L, -1))
        lua_getfield(L, -1, "dir");
    else
        lua_pushvalue(L, -1);
    if (lua_isnil(L, -1)) {
        /* The scenario's default fleet. */
        lua_getglobal(L, "scenario");
        lua_getfield(L, -1, "fleet");
        lua_call(L, 0, 1);
        lua_getfield(L, -1, "dir");
    }
    fleet_dir = g_strdup(luaL_checkstring(L, -1));
    lua_settop(L, 1);
    image = g_strdup(opt_field(L, 1, "image", LAMPSIM_FIRMWARE_DIR "/app.img"));
    bootloader = g_strdup(opt_field(L, 1, "bootloader", LAMPSIM_FIRMWARE_DIR "/bootloader.bin"));
    cloud = g_strdup(opt_field(L, 1, "cloud", NULL));
    ap = g_strdup(opt_field(L, 1, "ap", NULL));
    variant = g_strdup(opt_field(L, 1, "variant", NULL));

    sl = lua_newuserdatauv(L, sizeof(*sl), 0);
    memset(sl, 0, sizeof(*sl));
    luaL_setmetatable(L, LAMP_MT);
    sl->dir = g_build_filename(sc->tmpdir, "lamps", serial, NULL);
    sl->lines = g_ptr_array_new_with_free_func(g_free);
    sl->allowed = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    if (g_file_test(sl->dir, G_FILE_TEST_EXISTS))
        return luaL_error(L, "lamp: serial %s is already used in this scenario", serial);
    if (from) {
        g_autofree char *data = NULL, *dst = g_build_filename(sl->dir, "lamp.img", NULL);
        gsize len;
        if (g_mkdir_with_parents(sl->dir, 0755) != 0 ||
            !g_file_get_contents(from, &data, &len, &error) ||
            !g_file_set_contents(dst, data, (gssize)len, &error))
            return luaL_error(L, "lamp from %s: %s", from, error ? error->message : "mkdir failed");
    } else {
        struct provision_params req = {
            .fleet_dir = fleet_dir, .state_dir = sl->dir, .serial = serial,
            .profile = profile, .image_path = image, .bootloader_path = bootloader,
            .replace = true, .cloud = cloud, .variant = variant,
        };
        if (g_mkdir_with_parents(sl->dir, 0755) != 0 || !factory_provision(&req, &error))
            return luaL_error(L, "lamp %s: %s", serial, error ? error->message : "mkdir failed");
    }
    cfg.state_dir = sl->dir;
    cfg.variant = variant;
    cfg.seed = sc->seed + sc->lamps_made;
    if (ap) {
        /* A lamp with an access point talks to real sockets: realtime. */
        sl->env = net_env_new();
        if (!net_env_add_ap_spec(sl->env, ap, &error))
            return luaL_error(L, "lamp %s: %s", serial, error->message);
        sl->realtime = true;
        cfg.time_mode = MACHINE_TIME_REALTIME;
        cfg.log_mask |= MACHINE_LOG_INFO;
        cfg.net_env = sl->env;
    }
    scenario_ble_attach(sl);
    cfg.ble_medium = sl->medium;
    sl->lamp = lamp_new(&cfg, &error);
    if (!sl->lamp)
        return luaL_error(L, "lamp %s: %s", serial, error->message);
    lamp_watch_lines(sl->lamp, on_line, sl);
    lamp_set_stop_at_lines(sl->lamp, true);
    return 1;
}

static int l_gc(lua_State *L)
{
    slamp_close(luaL_checkudata(L, 1, LAMP_MT));
    return 0;
}

void scenario_lamp_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "power_on", l_power_on }, { "power_off", l_power_off },
        { "expect", l_expect }, { "run_for", l_run_for }, { "type", l_type },
        { "update", l_update }, { "install_app", l_install_app }, { "cut_power_at", l_cut_power_at },
        { "external_boot", l_external_boot }, { "debug_attach", l_debug_attach },
        { "debug_detach", l_debug_detach }, { "debug_halt", l_debug_halt },
        { "debug_resume", l_debug_resume },
        { "flash_ops", l_flash_ops }, { "read", l_read }, { "otp_epoch", l_otp_epoch },
        { "state", l_state }, { "twin", l_twin }, { "watch_slot_a", l_watch_slot_a },
        { "snapshot", l_snapshot }, { "console", l_console }, { "serial", l_serial },
        { "dir", l_dir }, { "close", l_close }, { "net_fault", l_net_fault },
        { NULL, NULL },
    };

    luaL_newmetatable(L, LAMP_MT);
    luaL_newlib(L, methods);
    luaL_setfuncs(L, scenario_ble_methods, 0);
    luaL_setfuncs(L, scenario_light_methods, 0);
    luaL_setfuncs(L, scenario_action_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_gc);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);

    lua_getglobal(L, "scenario");
    lua_pushcfunction(L, l_new_lamp);
    lua_setfield(L, -2, "lamp");
    lua_pop(L, 1);
}
