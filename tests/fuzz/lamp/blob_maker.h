/* tests/fuzz/lamp/blob_maker.h: credentials blobs the lamp accepts, made
 * as the cloud makes them (tools/lampcloud/commission_blob.c) from the
 * lamp's key in the fleet registry, so that the fuzzer's BLE writes also
 * reach what the lamp does with a blob past its verification
 * (docs/commissioning.md). */
#ifndef LAMPSIM_FUZZ_BLOB_MAKER_H
#define LAMPSIM_FUZZ_BLOB_MAKER_H

#include "commission_blob.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blob_maker;

/* The key of the lamp `serial` in registry (a fleet's registry.sqlite). */
struct blob_maker *blob_maker_new(const char *registry, const char *serial, GError **error);
void blob_maker_free(struct blob_maker *bm);

/* A blob for the lamp whose info characteristic reads info (len bytes):
 * under K(n) for the n it shows, bound to its nonce.  NULL with why when
 * the info is not the lamp's (its proof does not verify under the
 * registry's key) or wifi is not valid. */
GBytes *blob_maker_build(struct blob_maker *bm, const uint8_t *info, size_t len,
                         const struct commission_wifi *wifi, GError **error);

#endif
