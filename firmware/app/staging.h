/* firmware/app/staging.h: writing an update image into slot B as it
 * arrives, then verifying it before it may be installed.  Used by the
 * console transfer (update_rx.c) and, later, the HTTPS OTA client. */
#ifndef LAMP_STAGING_H
#define LAMP_STAGING_H

#include "image.h"

#include <stddef.h>
#include <stdint.h>

/* Drops any staged image and starts a new one. NULL or why not. */
const char *staging_begin(void);
/* The next bytes of the image.  NULL, or why the image is refused. */
const char *staging_write(const uint8_t *data, size_t len);
/* All bytes given: checks length, signature, epoch, content; on success the
 * header is written last and the image is staged.  NULL or why refused. */
const char *staging_finish(void);
/* Gives up: slot B is left without a header, so nothing gets installed. */
void staging_abort(void);
uint32_t staging_received(void);
/* The header of the image being staged (valid once 256 bytes arrived). */
const struct image_header *staging_header(void);

#endif
