/* emu/replay_log.h: the file a recorded lamp run is kept in
 * (docs/formats.md#recording): a header, then records appended as the run
 * goes, each checked by its own CRC, so that a recording cut short by a
 * crash reads back up to its last whole record.  This file knows bytes
 * only; what a record means to a machine is record.c's and replay.c's. */
#ifndef LAMPSIM_EMU_REPLAY_LOG_H
#define LAMPSIM_EMU_REPLAY_LOG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_LOG_MAGIC "LAMPRRLG"
#define REPLAY_LOG_VERSION 1u
/* A payload longer than this is refused: no input is that large, so a
 * length past it is a corrupted header. */
#define REPLAY_LOG_PAYLOAD_MAX (16u * 1024 * 1024)

/* What a record is (docs/formats.md#recording lists each payload).
 * Inputs are applied between runs at the instruction count they carry;
 * answers are what the host returned to a model while the lamp ran,
 * taken back in order on replay. */
enum replay_kind {
    RR_START = 1,       /* the lamp as it was when recording began */
    RR_END = 2,         /* the run ended cleanly: final hashes */
    RR_CHECK = 3,       /* checkpoint: PC and hashes, compared on replay */
    RR_TIME = 4,        /* input: the time jumped forward (sleep skipped, host resync) */
    RR_CONSOLE = 5,     /* input: bytes typed at the console */
    RR_LIGHT_ENV = 6,   /* input: the room changed */
    RR_MOTION = 7,      /* input: a movement in front of the PIR */
    RR_SENSOR_FAULT = 8,/* input: a sensor fault injected or repaired */
    RR_POWER_CUT = 9,   /* input: machine_inject_power_cut */
    RR_RNG_FAILURE = 10,/* input: machine_inject_rng_failure */
    RR_NET_FAULT = 11,  /* input: machine_net_fault */
    RR_ENTROPY = 12,    /* answer: host entropy bytes */
    RR_WALL_CLOCK = 13, /* answer: host wall-clock time, ns since the epoch */
    RR_NET_JOIN = 14,   /* answer: what joining the access point gave */
    RR_NET_IO = 15,     /* input: a host socket became ready */
    RR_NET_DNS = 16,    /* input: a name resolution finished */
    RR_NET_CALL = 17,   /* answer: a socket call's result (connect, send, recv) */
    RR_BLE = 18,        /* input: the BLE central's request */
    RR_POWER = 19,      /* input: machine_power_on / machine_power_off */
};
const char *replay_kind_name(uint32_t kind);

/* Writing: records go to the file as they are appended (one write each). */
struct replay_log_writer;
struct replay_log_writer *replay_log_create(const char *path, GError **error);
bool replay_log_append(struct replay_log_writer *w, uint32_t kind, uint64_t icount,
                       const void *payload, size_t len, GError **error);
uint64_t replay_log_bytes(const struct replay_log_writer *w);
void replay_log_close(struct replay_log_writer *w);

/* Reading. */
struct replay_log_reader;
struct replay_log_record {
    uint32_t kind;
    uint64_t icount;
    const uint8_t *payload; /* valid until the reader is closed */
    size_t len;
    size_t offset;          /* of the record in the file */
};
enum replay_log_status {
    REPLAY_LOG_RECORD,    /* *out holds the next record */
    REPLAY_LOG_EOF,       /* the file ended after a whole record */
    REPLAY_LOG_TRUNCATED, /* the file ends inside a record (a run cut short) */
    REPLAY_LOG_CORRUPT,   /* a record's CRC or length is wrong (*error says where) */
};
/* Opens path and checks its magic and version. */
struct replay_log_reader *replay_log_open(const char *path, GError **error);
enum replay_log_status replay_log_next(struct replay_log_reader *r,
                                       struct replay_log_record *out, GError **error);
void replay_log_close_reader(struct replay_log_reader *r);

/* Payload building and parsing, little endian. */
void replay_put_u32(GByteArray *b, uint32_t v);
void replay_put_u64(GByteArray *b, uint64_t v);
void replay_put_bytes(GByteArray *b, const void *p, size_t len); /* u32 length, bytes */
struct replay_cursor {
    const uint8_t *p;
    size_t left;
    bool bad; /* a read went past the end */
};
uint32_t replay_get_u32(struct replay_cursor *c);
uint64_t replay_get_u64(struct replay_cursor *c);
/* A length-prefixed byte string; NULL (and c->bad) past the end. */
const uint8_t *replay_get_bytes(struct replay_cursor *c, size_t *len);

#endif
