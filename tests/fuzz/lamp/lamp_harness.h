/* tests/fuzz/lamp/lamp_harness.h: one lamp running its real firmware in
 * deterministic time, driven from outside the way an attacker reaches it
 * (console bytes, BLE writes to every characteristic), and the oracle that
 * says whether it survived (docs/fuzzing.md#the-lamp-fuzzed-whole). */
#ifndef LAMPSIM_FUZZ_LAMP_HARNESS_H
#define LAMPSIM_FUZZ_LAMP_HARNESS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lamp_harness;

/* Provisions a development lamp into a new temporary directory, boots it
 * to its console prompt and BLE advertising, and takes the oracle's
 * baseline (crash records, resets, heap) with one normal request. */
struct lamp_harness *lamp_harness_boot(GError **error);
/* Removes the state directory (the parent's: a forked child leaves it). */
void lamp_harness_free(struct lamp_harness *h);

/* Guest coverage from now on, into map (size a power of two): edge
 * counters, or which blocks ran (machine_set_coverage). */
bool lamp_harness_cover(struct lamp_harness *h, bool blocks, uint8_t *map, size_t size,
                        GError **error);

enum lamp_verdict {
    LAMP_SURVIVED,  /* the oracle holds */
    LAMP_EXCUSED,   /* the input asked the lamp to reset or fault (the
                       console's reboot and selftest cases): nothing to judge */
    LAMP_BROKEN,    /* the oracle failed: a finding (why says what) */
};

/* Applies the input (its format: lamp_harness.c, docs/fuzzing.md) in a
 * child the caller forked from the booted lamp, lets the lamp settle, and
 * judges it.  why gets a line on a finding; the
 * console's last lines go to stderr. */
enum lamp_verdict lamp_harness_run(struct lamp_harness *h, const uint8_t *data, size_t size,
                                   GString *why);

/* Judges every input, the console's reboot and selftest cases too: the
 * oracle's own test (tests/fuzz/lamp/meson.build) makes the lamp reset and
 * fault on purpose and expects a finding. */
void lamp_harness_judge_all(struct lamp_harness *h);

/* In the parent after each child: what the child left in the socket
 * buffers it shared with the parent (cloud_peer_drain). */
void lamp_harness_after_child(struct lamp_harness *h);

#endif
