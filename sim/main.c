/* sim/main.c: lampsim's entry point and subcommand dispatch. */
#include "commands.h"

#include "config.h"
#include "host_limits.h"
#include "lamp.h"
#include "machine.h"
#include "sim_error.h"

#include <stdio.h>
#include <string.h>


static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "run", cmd_run, "boot one lamp with its console on this terminal" },
    { "fleet", cmd_fleet, "boot many lamps in one process and report their cost" },
    { "serve", cmd_serve, "run a fleet as a service: its twin, a control API, events, metrics" },
    { "scenario", cmd_scenario, "run Lua security scenario scripts, report TAP" },
};

static void print_help(FILE *out)
{
    fprintf(out, "Usage: lampsim COMMAND [OPTIONS]\n\n"
                 "lampsim %s: a simulator of a secure smart LED lamp running its real\n"
                 "Cortex-M4 firmware.\n\nCommands:\n", LAMPSIM_VERSION);
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`lampsim COMMAND --help` describes a command's options.\n");
}

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "lampsim %s: %s\n(see lampsim %s --help)\n", cmd, msg, cmd);
    return 2;
}

bool parse_log_mask(const char *spec, unsigned *mask, GError **error)
{
    static const struct { const char *name; unsigned bits; } classes[] = {
        { "guest", MACHINE_LOG_GUEST_ERROR }, { "unimp", MACHINE_LOG_UNIMP },
        { "info", MACHINE_LOG_INFO }, { "trace", MACHINE_LOG_TRACE },
        { "all", MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP | MACHINE_LOG_INFO | MACHINE_LOG_TRACE },
        { "none", 0 },
    };
    g_auto(GStrv) parts = NULL;

    *mask = MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP | MACHINE_LOG_INFO;
    if (!spec)
        return true;
    *mask = 0;
    parts = g_strsplit(spec, ",", -1);
    for (char **p = parts; *p; p++) {
        size_t i;
        for (i = 0; i < G_N_ELEMENTS(classes); i++)
            if (strcmp(*p, classes[i].name) == 0)
                break;
        if (i == G_N_ELEMENTS(classes)) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS,
                        "--log: unknown class '%s' (use guest, unimp, info, trace, all, none)", *p);
            return false;
        }
        *mask |= classes[i].bits;
    }
    return true;
}

bool parse_seed(const char *text, struct lamp_config *cfg)
{
    guint64 seed;

    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &seed, NULL))
        return false;
    cfg->seeded = true;
    cfg->seed = seed;
    cfg->time_mode = MACHINE_TIME_DETERMINISTIC;
    return true;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    /* A fleet holds a socket per connected lamp: the soft limit (often
     * 1024) would stop it long before the hard one. */
    if (!host_raise_nofile(NULL, NULL, &error))
        fprintf(stderr, "lampsim: %s\n", error->message);
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lampsim %s\n", LAMPSIM_VERSION);
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "lampsim: unknown command '%s'\n\n", argv[1]);
    print_help(stderr);
    return 2;
}
