/* sim/commands.h: lampsim's subcommands and what they share. */
#ifndef LAMPSIM_SIM_COMMANDS_H
#define LAMPSIM_SIM_COMMANDS_H

#include <glib.h>
#include <stdbool.h>

int cmd_run(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_scenario(int argc, char **argv);

/* Prints "lampsim CMD: MSG" and the --help hint; returns exit status 2. */
int usage_error(const char *cmd, const char *msg);
/* Parses --log's comma list into machine_log_level bits. */
bool parse_log_mask(const char *spec, unsigned *mask, GError **error);
/* --seed N: sets deterministic time and the seeded RNG in a lamp_config. */
struct lamp_config;
bool parse_seed(const char *text, struct lamp_config *cfg);

#endif
