/* tools/lampcloud/cli.h: what every lampcloud command shares: option
 * parsing, the exit statuses (0 done, 1 failed, 2 bad arguments) and how
 * an error reaches the user. */
#ifndef LAMPCLOUD_CLI_H
#define LAMPCLOUD_CLI_H

#include <glib.h>
#include <stdbool.h>

#define CLI_DEFAULT_STATE "lampcloud-state"
/* The --state-dir entry of the one-shot commands (into a char *). */
#define CLI_STATE_DIR_ENTRY(var)                                                              \
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &(var),                                       \
      "The running cloud's state directory (default " CLI_DEFAULT_STATE ")", "DIR" }

/* "lampcloud CMD: MSG (see lampcloud CMD --help)" on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *msg);
/* "lampcloud CMD: error's message" on stderr; returns 1. */
int cli_fail(const char *cmd, const GError *error);
/* Parses the options of `lampcloud CMD ARGS`; false with *rc set when the
 * command must end (a usage error). */
bool cli_parse(const char *cmd, const char *args, const char *summary, GOptionEntry *e,
               int *argc, char ***argv, int *rc);

#endif
