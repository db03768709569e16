/* firmware/lib/version_text.h: a version as image and app headers hold it
 * (major << 16 | minor << 8 | patch, image.h and app_package.h), as the
 * text the console and the cloud see: "1.2.3". */
#ifndef LAMP_VERSION_TEXT_H
#define LAMP_VERSION_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* At most 11 bytes with the NUL ("255.255.255"). */
#define VERSION_TEXT_SIZE 12u

void version_text(uint32_t v, char *out, size_t cap);

#endif
