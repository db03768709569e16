/* firmware/lib/nv_record.h: one kind of record kept power-safe in two
 * flash sectors written in turn (docs/formats.md#nvstore).  A record is
 * whole words: a magic, a sequence number, the payload, and a CRC-32 of
 * everything before it; the magic is programmed last, so a power cut at
 * any flash operation leaves the newest complete record, or the one
 * before, readable.  Privileged code (the MPU keeps nvstore from
 * unprivileged code). */
#ifndef LAMP_NV_RECORD_H
#define LAMP_NV_RECORD_H

#include <stdbool.h>
#include <stdint.h>

struct nv_record_head {
    uint32_t magic;
    uint32_t seq;
};

struct nv_record_area {
    uint32_t base;   /* the first of its two sectors */
    uint32_t magic;
    uint32_t size;   /* bytes of a whole record: head, payload, CRC word */
    /* More checks of a record whose CRC is good (NULL: none). */
    bool (*check)(const void *record);
};

/* The newest valid record (in flash), or NULL when there is none. */
const void *nv_record_newest(const struct nv_record_area *a);
/* Writes record (a->size bytes in RAM; its magic, seq and CRC are filled
 * in here) into the sector not holding the newest; 0, or the FLASHCTL
 * error bits of the operation that failed. */
uint32_t nv_record_save(const struct nv_record_area *a, void *record);

#endif
