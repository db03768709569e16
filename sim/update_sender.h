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
    UPDATE_STAGED,   /* accepted: the lamp reboots into the bootloader (an app: installed) */
    UPDATE_REFUSED,  /* the lamp refused the image (reason says why) */
    UPDATE_FAILED,   /* the transfer itself failed */
};

/* What is sent: the console command that starts the transfer (the file's
 * length appended when with_length), the topic the lamp's lines start with
 * and the word after it that says the file was accepted. */
struct transfer_kind {
    const char *command;
    const char *topic;
    const char *accepted;
    bool with_length;
};
extern const struct transfer_kind TRANSFER_UPDATE;      /* `update`: an image, staged */
extern const struct transfer_kind TRANSFER_APP_INSTALL; /* `app install LEN`: a package, installed */

struct update_sender;
typedef void (*update_done_fn)(struct update_sender *s, enum update_state state,
                               const char *reason, gpointer user_data);

/* Reads the image file and starts the transfer at the lamp's next prompt.
 * progress: print a progress line to stderr every 10 %. */
struct update_sender *update_sender_start(struct lamp *lamp, const char *path, bool progress,
                                          update_done_fn done, gpointer user_data,
                                          GError **error);
/* The same for another kind of file (UPDATE_STAGED then means accepted). */
struct update_sender *update_sender_start_kind(struct lamp *lamp, const struct transfer_kind *kind,
                                               const char *path, bool progress,
                                               update_done_fn done, gpointer user_data,
                                               GError **error);
enum update_state update_sender_state(const struct update_sender *s);
const char *update_sender_reason(const struct update_sender *s);
/* Detaches from the lamp and frees. */
void update_sender_free(struct update_sender *s);

#endif
