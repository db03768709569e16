/* tools/lampcloud/app_cmd.h: `lampcloud app` (app_cmd.c). */
#ifndef LAMPCLOUD_APP_CMD_H
#define LAMPCLOUD_APP_CMD_H

/* argv[0] is "app", argv[1] the verb. */
int cmd_app(int argc, char **argv);

#endif
