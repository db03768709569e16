/* sim/twin.h: the digital twin of one lamp (docs/twin.md): a record of
 * what its hardware and firmware are doing, read from the emulator's own
 * state (SYSCTL's firmware registers, the fuses, flash, the NET and LIGHT
 * models, the machine's counters), never parsed from console text.  A
 * record is plain data: copied freely, read from any thread once made;
 * twin_read runs on the lamp's worker thread. */
#ifndef LAMPSIM_SIM_TWIN_H
#define LAMPSIM_SIM_TWIN_H

#include "lamp.h"
#include "crash_format.h"
#include "machine.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* What a partition holds, judged from its first words. */
enum twin_partition {
    TWIN_PART_ERASED,  /* all 0xFF where the content would start */
    TWIN_PART_OK,      /* what belongs there (a keystore, an image header) */
    TWIN_PART_CORRUPT, /* something else: a torn write, a partial download */
};

/* Faults injected through the twin's actions (docs/api.md), counted per
 * lamp. */
enum twin_injected {
    TWIN_INJ_POWER_CUT, TWIN_INJ_NET_LATENCY, TWIN_INJ_NET_DROP, TWIN_INJ_NET_REFUSE,
    TWIN_INJ_NET_STALL, TWIN_INJ_LINK_LOSS, TWIN_INJ_SENSOR, TWIN_INJ_COUNT,
};
const char *twin_injected_name(enum twin_injected i);

struct twin_record {
    guint index;                 /* its directory: lamp-NNNN */
    char serial[20];
    const char *variant;         /* "crypto" or "basic" (static) */
    unsigned worker;
    enum machine_state power;    /* off, runnable, sleeping, locked-up */
    uint32_t bootstage;          /* SYSCTL_BOOTSTAGE_* */
    /* firmware in slot A and slot B (image.h headers), the fuses */
    enum twin_partition bootloader, keystore, slot_a, slot_b;
    uint32_t fw_version, fw_epoch;         /* slot A's header, when OK */
    bool fw_confirmed;                     /* slot A's confirm trailer written */
    uint32_t staged_version, staged_epoch; /* slot B's header, when OK */
    uint32_t otp_locks;          /* OTP_LOCK_* */
    unsigned otp_epoch;
    /* commissioning (SYSCTL COMMISSION) */
    bool commission_known, has_creds;
    uint32_t commission_n;
    /* network: the module (NET) and the firmware (SYSCTL) */
    uint32_t netstate;           /* SYSCTL_NETSTATE_* */
    bool link_up;
    unsigned open_sockets;
    uint64_t connects, bytes_in, bytes_out;
    struct machine_fw_status fw; /* handshakes, MQTT, drops, onlines */
    /* light, power and sensors */
    struct machine_light_state light;
    struct machine_light_env env;
    /* faults */
    uint64_t resets, watchdog_resets, lockup_resets, faults_taken;
    unsigned crash_records;      /* valid records in the crash log */
    unsigned crash_by_type[8];   /* of those the lamp's own (each a reset), by
                                  * crash_format.h type (0: unknown) */
    unsigned vm_fault_records;   /* of those, the app VM's contained faults
                                  * (CRASH_FROM_VM: no reset) */
    bool have_last_crash;
    uint32_t last_crash_type, last_crash_pc, last_crash_lr, last_crash_cfsr, last_crash_addr;
    bool last_crash_vm;          /* the newest record is the app VM's */
    char last_crash_reason[CRASH_REASON_SIZE];
    uint64_t injected[TWIN_INJ_COUNT];
    /* the host */
    uint64_t instructions, flash_ops, cpu_ns, host_lag_us;
    uint64_t virtual_ns;         /* the lamp's clock since power on */
};

/* Fills rec from the lamp (on its worker).  prev (or NULL) is the lamp's
 * last record: what only flash operations change (partitions, fuses,
 * crash log) is copied from it while the flash operation count stands
 * still, so a refresh of an idle lamp reads no flash. */
void twin_read(struct lamp *lamp, guint index, unsigned worker, const struct twin_record *prev,
               struct twin_record *rec);
/* Whether a and b differ in what a watcher of the twin is told about (a
 * state, not a counter or a measurement that moves all the time). */
bool twin_changed(const struct twin_record *a, const struct twin_record *b);

/* Names (static strings) of the states above. */
const char *twin_power_name(enum machine_state s);
const char *twin_bootstage_name(uint32_t stage);
const char *twin_netstate_name(uint32_t state);
const char *twin_partition_name(enum twin_partition p);

/* Lookup of a state by its name, for filters: -1 when unknown. */
int twin_netstate_from_name(const char *name);
int twin_bootstage_from_name(const char *name);

/* The record as a JSON object's text (docs/twin.md), newly allocated. */
char *twin_to_json(const struct twin_record *rec);

#endif
