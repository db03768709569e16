/* bench/crc32_native.c: the firmware's own CRC-32 (firmware/lib/crc32.c)
 * compiled for the host, over 1 MiB per repetition: the native baseline of
 * bench/boot_fleet.sh.  Prints the seconds taken for N MiB. */
#include "crc32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 8;
    size_t len = 1u << 20;
    unsigned char *buf = malloc(len);
    struct timespec a, b;
    volatile uint32_t sink = 0;

    if (!buf || reps < 1)
        return 2;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 24);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < reps; r++)
        sink ^= crc32_update(0, buf, len);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    free(buf);
    return sink == 0xFFFFFFFFu; /* keeps the loop; practically never true */
}
