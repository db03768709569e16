/* emu/periph.h: what a peripheral model is, and what the machine offers to
 * the models.  One model per file in emu/, registers in docs/hardware.md.
 * Convention (after QEMU hw/): a read/write of an offset the model does not
 * have logs MACHINE_LOG_GUEST_ERROR and reads as zero / is ignored; a feature
 * the model does not do logs MACHINE_LOG_UNIMP.  Nothing is silently
 * ignored. */
#ifndef LAMPSIM_EMU_PERIPH_H
#define LAMPSIM_EMU_PERIPH_H

#include "light_hw.h"
#include "machine.h"
#include "memory_map.h"

struct periph_ops {
    const char *name;
    /* Builds the model for m (the machine's configuration is set); NULL
     * with error set when it cannot. */
    void *(*create)(struct machine *m, GError **error);
    /* size is 1, 2 or 4; offset is within the 4 KiB window */
    uint32_t (*read)(void *opaque, uint32_t offset, unsigned size);
    void (*write)(void *opaque, uint32_t offset, uint32_t value, unsigned size);
    /* system reset; cause is a machine_reset_cause bit (POR = cold) */
    void (*reset)(void *opaque, uint32_t cause);
    void (*free)(void *opaque);
};

/* Memory map, peripheral windows and IRQ numbers: memory_map.h; each
 * model's registers: its header in firmware/include/ (docs/hardware.md). */

/* Interrupt line from a model into the NVIC (level: pending while high,
 * and re-pended on exception return while still high, as on Cortex-M). */
void machine_irq_set(struct machine *m, unsigned irq, bool level);

/* Virtual-time timers. */
struct machine_timer;
typedef void (*machine_timer_fn)(void *opaque);
struct machine_timer *machine_timer_new(struct machine *m, machine_timer_fn fn,
                                        void *opaque);
void machine_timer_arm(struct machine_timer *t, uint64_t deadline_ns);
void machine_timer_cancel(struct machine_timer *t);
bool machine_timer_armed(const struct machine_timer *t);
void machine_timer_free(struct machine_timer *t);

void machine_log(struct machine *m, enum machine_log_level level,
                 const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A system reset requested by a model (WDT, SYSCTL); taken between
 * instructions, as soon as the current one completes. */
void machine_request_reset(struct machine *m, uint32_t cause);
uint32_t machine_reset_cause(const struct machine *m);

/* Console UART output towards the host. */
void machine_console_output(struct machine *m, const uint8_t *buf, size_t len);

/* FLASHCTL tells the CPU that code at [addr, addr+len) changed, so
 * translated code is dropped and instruction scans redone. */
void machine_code_changed(struct machine *m, uint32_t addr, uint32_t len);
/* Host view of [addr, addr+len) if it lies wholly in SRAM, else NULL
 * (models that read guest RAM, like FLASHCTL's page program). */
const uint8_t *machine_sram_range(struct machine *m, uint32_t addr, uint32_t len);
/* The same, writable (models that DMA into guest RAM). */
uint8_t *machine_sram_range_rw(struct machine *m, uint32_t addr, uint32_t len);
/* A model changed state from a host callback (a socket became readable, a
 * DNS answer came), outside machine_run: tells whoever schedules the
 * machine to look at it again (machine_hooks.wake). */
void machine_host_event(struct machine *m);
/* FLASHCTL tells the machine that power must be cut now (injection). */
void machine_power_cut_now(struct machine *m, const char *why);

const struct machine_config *machine_config(const struct machine *m);
/* A deterministic 64-bit stream per machine (seed from config), for models
 * that need randomness in reproducible runs. */
uint64_t machine_seeded_u64(struct machine *m);
/* The state of the model in m's table that has these ops, or NULL: for a
 * model's own host API (machine_light_* in light.c). */
void *machine_periph_opaque(struct machine *m, const struct periph_ops *ops);

/* The peripheral models and their extra entry points. */
extern const struct periph_ops sysctl_ops, flashctl_ops, rng_ops, uart_ops,
    rtc_ops, timer_ops, wdt_ops, net_ops, crypto_ops, ble_ops, light_ops;

void rng_inject_failure(void *rng);
void uart_rx_push(void *uart, const uint8_t *buf, size_t len);
void net_fault(void *net, enum machine_net_fault f, uint32_t arg);
void net_get_stats(void *net, struct machine_net_stats *out);
void net_set_connector(void *net, machine_net_connect_fn fn, void *user);
struct replay_cursor;
/* Replay of RR_NET_IO and RR_NET_DNS (emu/rr.h). */
void net_replay_input(void *net, uint32_t kind, struct replay_cursor *c);
/* Replay of RR_BLE: the central's request again. */
void ble_replay_input(void *ble, struct replay_cursor *c);
uint64_t crypto_op_count(void *crypto);

/* The machine's memory: flash, SRAM and OTP (guest_mem.h). */
struct guest_mem *machine_memory(struct machine *m);

/* FLASHCTL keeps flash and OTP contents (the machine's memory) backed by
 * the state directory. */
uint32_t flashctl_variant(void *fc); /* FLASH_STORE_VARIANT_* of the lamp */
/* Whether the 4 KiB of flash holding addr may hold anything but erased
 * bytes; false means all 0xFF, known without reading them. */
bool flashctl_page_has_data(void *fc, uint32_t addr);
/* Unmaps the erased pages reads brought into this machine (guest_mem.h). */
void flashctl_trim(void *fc);
bool flashctl_sync(void *fc, GError **error);
void flashctl_inject_power_cut(void *fc, uint64_t nth_op, bool torn);
uint64_t flashctl_op_count(void *fc);
/* The debug port's flash loader: erase whole sectors, program only 1 -> 0,
 * protected sectors refused (MACHINE_ERROR_REFUSED). */
bool flashctl_debug_erase(void *fc, uint32_t addr, uint32_t len, GError **error);
bool flashctl_debug_program(void *fc, uint32_t addr, const uint8_t *buf, size_t len,
                            GError **error);
/* Host-side factory programming: raw write, no NOR rules. */
bool flashctl_factory_write(void *fc, uint32_t addr, const void *buf,
                            size_t len, GError **error);

#endif
