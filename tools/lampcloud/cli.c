/* tools/lampcloud/cli.c: see cli.h. */
#include "cli.h"

#include <stdio.h>

int cli_usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "lampcloud %s: %s (see lampcloud %s --help)\n", cmd, msg, cmd);
    return 2;
}

int cli_fail(const char *cmd, const GError *error)
{
    fprintf(stderr, "lampcloud %s: %s\n", cmd, error->message);
    return 1;
}

bool cli_parse(const char *cmd, const char *args, const char *summary, GOptionEntry *e,
               int *argc, char ***argv, int *rc)
{
    g_autofree char *name = g_strdup_printf("%s %s", cmd, args);
    g_autoptr(GOptionContext) ctx = g_option_context_new(name);
    g_autoptr(GError) error = NULL;

    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, e, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        *rc = cli_usage_error(cmd, error->message);
        return false;
    }
    return true;
}
