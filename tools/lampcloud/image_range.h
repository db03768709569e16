/* tools/lampcloud/image_range.h: what the image service reads from a
 * request before it serves a byte (image_server.c): the image's name in
 * the path and the Range header.  Pure functions, fuzzed on their own
 * (tests/fuzz/host/fuzz_image_request.c). */
#ifndef LAMPCLOUD_IMAGE_RANGE_H
#define LAMPCLOUD_IMAGE_RANGE_H

#include <glib.h>
#include <stdbool.h>

enum image_range { IMAGE_RANGE_NONE, IMAGE_RANGE_ONE, IMAGE_RANGE_UNSATISFIABLE };

/* A Range header's value (NULL: none) against an image of size bytes
 * (RFC 9110 14.1.2).  IMAGE_RANGE_ONE: bytes *start..*end, with
 * 0 <= *start <= *end < size; IMAGE_RANGE_NONE: the whole image (no
 * header, another unit, several ranges); IMAGE_RANGE_UNSATISFIABLE: a
 * malformed or unsatisfiable one (416). */
enum image_range image_range_parse(const char *value, gint64 size, gint64 *start, gint64 *end);

/* A file name the images directory may serve: letters, digits, '.', '-'
 * and '_', not empty and not starting with '.' (so no "..", no '/'). */
bool image_name_valid(const char *name);

#endif
