/* tools/mkimage.c: wrap an application binary into a slot image: the
 * 256-byte header of docs/formats.md#application-image, then the binary. */
#include "crc32.h"
#include "image.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_SIZE (960u * 1024)

static void usage(FILE *out)
{
    fprintf(out, "Usage: mkimage --version X.Y.Z --epoch N INPUT.bin OUTPUT.img\n"
                 "Wraps a lamp application binary (linked at 0x%08x) into a slot image.\n",
            IMAGE_LOAD_ADDR);
}

static int parse_version(const char *s, uint32_t *out)
{
    unsigned a, b, c;
    char extra;

    if (sscanf(s, "%u.%u.%u%c", &a, &b, &c, &extra) != 3 || a > 255 || b > 255 || c > 255)
        return -1;
    *out = a << 16 | b << 8 | c;
    return 0;
}

int main(int argc, char **argv)
{
    struct image_header h;
    const char *in = NULL, *out = NULL;
    uint32_t version = 0, epoch = 0;
    int have_version = 0;
    unsigned char *payload;
    long size;
    FILE *f;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version") && i + 1 < argc) {
            if (parse_version(argv[++i], &version)) {
                fprintf(stderr, "mkimage: --version '%s': expected X.Y.Z, each 0-255\n", argv[i]);
                return 2;
            }
            have_version = 1;
        } else if (!strcmp(argv[i], "--epoch") && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v > 128) {
                fprintf(stderr, "mkimage: --epoch '%s': expected 0-128\n", argv[i]);
                return 2;
            }
            epoch = (uint32_t)v;
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!in || !out || !have_version) {
        usage(stderr);
        return 2;
    }
    f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "mkimage: %s: %s\n", in, strerror(errno));
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    if (size < 8 || (unsigned long)size > SLOT_SIZE - IMAGE_HEADER_SIZE) {
        fprintf(stderr, "mkimage: %s: %ld bytes; a slot takes 8 to %u\n", in, size,
                SLOT_SIZE - IMAGE_HEADER_SIZE);
        fclose(f);
        return 1;
    }
    payload = malloc((size_t)size);
    if (!payload || fread(payload, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "mkimage: %s: read failed\n", in);
        fclose(f);
        return 1;
    }
    fclose(f);

    memset(&h, 0, sizeof(h));
    h.magic = IMAGE_MAGIC;
    h.header_version = IMAGE_HEADER_VERSION;
    h.fw_version = version;
    h.security_epoch = epoch;
    h.payload_size = (uint32_t)size;
    h.payload_crc32 = crc32_update(0, payload, (size_t)size);
    h.load_addr = IMAGE_LOAD_ADDR;
    h.header_crc32 = crc32_update(0, &h, offsetof(struct image_header, header_crc32));

    f = fopen(out, "wb");
    if (!f || fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(payload, 1, (size_t)size, f) != (size_t)size ||
        fclose(f) != 0) {
        fprintf(stderr, "mkimage: %s: %s\n", out, strerror(errno));
        return 1;
    }
    free(payload);
    return 0;
}
