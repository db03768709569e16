/* sim/update_sender.h: the host end of the console update transfer
 * (docs/firmware.md#console-update-transfer): types `update`, sends the
 * image in CRC-checked frames, one per ack, and follows the lamp's verdict. */
#ifndef LAMPSIM_SIM_UPDATE_SENDER_H
#define LAMPSIM_SIM_UPDATE_SENDER_H

#include "lamp.h"

enum update_state {
    UPDATE_WAITING,  /* for the prompt and the lamp's "ready" */
    UPDATE_SENDING,
    UPDATE_CHECKING, /* all sent: the lamp verifies */
    UPDATE_STAGED,   /* accepted: the lamp reboots into the bootloader */
    UPDATE_REFUSED,  /* the lamp refused the image (reason says why) */
    UPDATE_FAILED,   /* the transfer itself failed */
};

struct update_sender;
typedef void (*update_done_fn)(struct update_sender *s, enum update_state state,
                               const char *reason, gpointer user_data);

/* Reads the image file and starts the transfer at the lamp's next prompt.
 * progress: print a progress line to stderr every 10 %. */
struct update_sender *update_sender_start(struct lamp *lamp, const char *path, bool progress,
                                          update_done_fn done, gpointer user_data,
                                          GError **error);
enum update_state update_sender_state(const struct update_sender *s);
const char *update_sender_reason(const struct update_sender *s);
/* Detaches from the lamp and frees. */
void update_sender_free(struct update_sender *s);

#endif
