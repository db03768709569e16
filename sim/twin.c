/* sim/twin.c: one lamp's twin record, read from the emulator (twin.h). */
#include "twin.h"

#include "crash_format.h"
#include "image.h"
#include "keystore.h"
#include "memory_map.h"
#include "otp_layout.h"
#include "partitions.h"
#include "sysctl_hw.h"

#include <string.h>

#define ERASED_WORD 0xFFFFFFFFu

static uint32_t read_word(struct machine *m, uint32_t addr)
{
    uint32_t w = ERASED_WORD;

    machine_read_phys(m, addr, &w, sizeof(w));
    return w;
}

static enum twin_partition judge(uint32_t first_word, bool ok)
{
    if (ok)
        return TWIN_PART_OK;
    return first_word == ERASED_WORD ? TWIN_PART_ERASED : TWIN_PART_CORRUPT;
}

static enum twin_partition read_slot(struct machine *m, uint32_t addr, uint32_t *version,
                                     uint32_t *epoch)
{
    struct image_header h;

    *version = *epoch = 0;
    if (!machine_read_phys(m, addr, &h, sizeof(h)))
        return TWIN_PART_CORRUPT;
    if (h.magic != IMAGE_MAGIC || h.header_size != IMAGE_HEADER_SIZE)
        return judge(h.magic, false);
    *version = h.fw_version;
    *epoch = h.security_epoch;
    return TWIN_PART_OK;
}

static unsigned read_otp_epoch(struct machine *m)
{
    uint32_t w[OTP_EPOCH_WORDS];
    unsigned epoch = 0;

    if (!machine_read_phys(m, OTP_BASE + OTP_EPOCH_OFFSET, w, sizeof(w)))
        return 0;
    for (unsigned i = 0; i < OTP_EPOCH_BITS && (w[i / 32] >> (i % 32) & 1); i++)
        epoch++;
    return epoch;
}

/* The crash log: every slot whose magic is programmed holds a whole
 * record (the magic goes last); the last such slot is the newest. */
static void read_crash_log(struct machine *m, struct twin_record *rec)
{
    G_STATIC_ASSERT(CRASHLOG_SLOT_SIZE >= sizeof(struct crash_record));
    uint8_t *buf = g_malloc(FLASH_SECTOR_SIZE);

    rec->crash_records = 0;
    memset(rec->crash_by_type, 0, sizeof(rec->crash_by_type));
    rec->vm_fault_records = 0;
    rec->have_last_crash = false;
    if (!machine_read_phys(m, NVSTORE_CRASHLOG, buf, FLASH_SECTOR_SIZE)) {
        g_free(buf);
        return;
    }
    for (unsigned i = 0; i < FLASH_SECTOR_SIZE / CRASHLOG_SLOT_SIZE; i++) {
        struct crash_record r;

        memcpy(&r, buf + i * CRASHLOG_SLOT_SIZE, sizeof(r));
        if (r.magic != CRASH_MAGIC)
            continue;
        rec->crash_records++;
        if (r.type & CRASH_FROM_VM)
            rec->vm_fault_records++;
        else
            rec->crash_by_type[r.type < CRASH_TYPE_COUNT ? r.type : 0]++;
        rec->have_last_crash = true;
        rec->last_crash_vm = (r.type & CRASH_FROM_VM) != 0;
        rec->last_crash_type = CRASH_TYPE_OF(r.type);
        rec->last_crash_pc = r.pc;
        rec->last_crash_lr = r.lr;
        rec->last_crash_cfsr = r.cfsr;
        rec->last_crash_addr = r.addr;
        memcpy(rec->last_crash_reason, r.reason, sizeof(r.reason));
        rec->last_crash_reason[sizeof(rec->last_crash_reason) - 1] = 0;
    }
    g_free(buf);
}

/* What lives in flash and OTP: read again only after flash operations. */
static void read_flash(struct machine *m, struct twin_record *rec)
{
    uint32_t w;

    w = read_word(m, BOOTLOADER_ADDR);
    rec->bootloader = judge(w, w != ERASED_WORD);
    w = read_word(m, KEYSTORE_ADDR);
    rec->keystore = judge(w, w == KEYSTORE_MAGIC);
    rec->slot_a = read_slot(m, SLOT_A_ADDR, &rec->fw_version, &rec->fw_epoch);
    rec->fw_confirmed = read_word(m, SLOT_A_CONFIRM_ADDR) == SLOT_CONFIRM_MAGIC;
    rec->slot_b = read_slot(m, SLOT_B_ADDR, &rec->staged_version, &rec->staged_epoch);
    rec->otp_locks = read_word(m, OTP_BASE + OTP_LOCKS_OFFSET);
    rec->otp_epoch = read_otp_epoch(m);
    read_crash_log(m, rec);
}

void twin_read(struct lamp *lamp, guint index, unsigned worker, const struct twin_record *prev,
               struct twin_record *rec)
{
    struct machine *m = lamp_machine(lamp);
    struct machine_stats st;
    struct machine_net_stats ns;

    machine_get_stats(m, &st);
    if (prev && prev->flash_ops == st.flash_ops && prev->index == index) {
        *rec = *prev;
    } else {
        memset(rec, 0, sizeof(*rec));
        read_flash(m, rec);
    }
    if (prev)
        memcpy(rec->injected, prev->injected, sizeof(rec->injected));
    rec->index = index;
    g_strlcpy(rec->serial, lamp_serial(lamp), sizeof(rec->serial));
    rec->variant = lamp_variant(lamp);
    rec->worker = worker;
    rec->power = machine_state(m);
    machine_get_fw_status(m, &rec->fw);
    rec->bootstage = rec->fw.bootstage;
    rec->netstate = rec->fw.netstate;
    if (rec->power == MACHINE_OFF) {
        /* nothing runs: SYSCTL still holds what the firmware last wrote
         * (until power-on resets it), which would count an unpowered lamp
         * as running and online */
        rec->bootstage = SYSCTL_BOOTSTAGE_RESET;
        rec->netstate = SYSCTL_NETSTATE_OFF;
    }
    rec->commission_known = rec->fw.commission_known;
    rec->commission_n = rec->fw.commission_n;
    rec->has_creds = rec->fw.has_creds;
    machine_get_net_stats(m, &ns);
    rec->link_up = ns.link_up;
    rec->open_sockets = ns.open_sockets;
    rec->connects = ns.connects;
    rec->bytes_in = ns.bytes_in;
    rec->bytes_out = ns.bytes_out;
    machine_light_state(m, &rec->light);
    machine_light_get_env(m, &rec->env);
    rec->resets = st.resets;
    rec->watchdog_resets = lamp_watchdog_resets(lamp);
    rec->lockup_resets = lamp_lockup_resets(lamp);
    rec->faults_taken = st.faults_taken;
    rec->instructions = st.instructions;
    rec->flash_ops = st.flash_ops;
    rec->cpu_ns = lamp_cpu_ns(lamp);
    rec->host_lag_us = st.host_lag_us;
    rec->virtual_ns = rec->power == MACHINE_OFF ? 0 : machine_now_ns(m);
}

bool twin_changed(const struct twin_record *a, const struct twin_record *b)
{
    /* the light's level in steps of 1 %: a fade is told, not every sample */
    return a->power != b->power || a->bootstage != b->bootstage || a->netstate != b->netstate ||
           a->link_up != b->link_up || a->slot_a != b->slot_a || a->slot_b != b->slot_b ||
           a->fw_version != b->fw_version || a->fw_epoch != b->fw_epoch ||
           a->fw_confirmed != b->fw_confirmed || a->staged_version != b->staged_version ||
           a->otp_locks != b->otp_locks || a->otp_epoch != b->otp_epoch ||
           a->commission_known != b->commission_known || a->has_creds != b->has_creds ||
           a->commission_n != b->commission_n || a->light.on != b->light.on ||
           (int)a->light.level_pct != (int)b->light.level_pct ||
           a->light.occupied != b->light.occupied || a->light.overtemp != b->light.overtemp ||
           memcmp(a->light.faults, b->light.faults, sizeof(a->light.faults)) != 0 ||
           a->env.occupied != b->env.occupied || a->env.daylight_lux != b->env.daylight_lux ||
           a->env.ambient_temp_c != b->env.ambient_temp_c || a->resets != b->resets ||
           a->crash_records != b->crash_records || a->vm_fault_records != b->vm_fault_records ||
           memcmp(a->injected, b->injected, sizeof(a->injected)) != 0 ||
           a->fw.tls_failed != b->fw.tls_failed || a->fw.drops != b->fw.drops ||
           memcmp(a->fw.failures, b->fw.failures, sizeof(a->fw.failures)) != 0;
}

const char *twin_injected_name(enum twin_injected i)
{
    static const char *const names[TWIN_INJ_COUNT] = {
        "power_cut", "net_latency", "net_drop", "net_refuse", "net_stall", "link_loss", "sensor",
    };
    return i < TWIN_INJ_COUNT ? names[i] : "?";
}

const char *twin_power_name(enum machine_state s)
{
    static const char *const names[] = { "off", "runnable", "sleeping", "locked-up", "halted" };
    return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

const char *twin_bootstage_name(uint32_t stage)
{
    switch (stage) {
    case SYSCTL_BOOTSTAGE_RESET: return "reset";
    case SYSCTL_BOOTSTAGE_BOOTLOADER: return "bootloader";
    case SYSCTL_BOOTSTAGE_APP_INIT: return "app-init";
    case SYSCTL_BOOTSTAGE_RUNNING: return "running";
    case SYSCTL_BOOTSTAGE_NO_IMAGE: return "no-image";
    case SYSCTL_BOOTSTAGE_UPDATE_FOUND: return "update-found";
    case SYSCTL_BOOTSTAGE_INSTALLING: return "installing";
    case SYSCTL_BOOTSTAGE_STARTING: return "starting";
    }
    return "unknown";
}

static const char *const netstate_names[SYSCTL_NETSTATE_COUNT] = {
    [SYSCTL_NETSTATE_OFF] = "off", [SYSCTL_NETSTATE_NO_CREDS] = "no-creds",
    [SYSCTL_NETSTATE_JOINING] = "joining", [SYSCTL_NETSTATE_DIALING] = "dialing",
    [SYSCTL_NETSTATE_MQTT] = "mqtt-connect", [SYSCTL_NETSTATE_ONLINE] = "online",
    [SYSCTL_NETSTATE_BACKOFF] = "backoff", [SYSCTL_NETSTATE_FAILED] = "failed",
};

const char *twin_netstate_name(uint32_t state)
{
    return state < SYSCTL_NETSTATE_COUNT ? netstate_names[state] : "unknown";
}

int twin_bootstage_from_name(const char *name)
{
    static const uint32_t stages[] = {
        SYSCTL_BOOTSTAGE_RESET, SYSCTL_BOOTSTAGE_BOOTLOADER, SYSCTL_BOOTSTAGE_APP_INIT,
        SYSCTL_BOOTSTAGE_RUNNING, SYSCTL_BOOTSTAGE_NO_IMAGE, SYSCTL_BOOTSTAGE_UPDATE_FOUND,
        SYSCTL_BOOTSTAGE_INSTALLING, SYSCTL_BOOTSTAGE_STARTING,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(stages); i++)
        if (!strcmp(name, twin_bootstage_name(stages[i])))
            return (int)stages[i];
    return -1;
}

int twin_netstate_from_name(const char *name)
{
    for (unsigned i = 0; i < SYSCTL_NETSTATE_COUNT; i++)
        if (!strcmp(name, netstate_names[i]))
            return (int)i;
    return -1;
}

const char *twin_partition_name(enum twin_partition p)
{
    static const char *const names[] = { "erased", "ok", "corrupt" };
    return (unsigned)p < G_N_ELEMENTS(names) ? names[p] : "?";
}
