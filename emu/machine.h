/* emu/machine.h: one virtual lamp MCU (Cortex-M4 on Unicorn plus its
 * peripherals).  This is the API lampsim (sim/) uses.  Many machines live in
 * one process; none of them owns a thread: the caller runs each one in
 * bounded slices and sleeps it while the guest waits for an interrupt.
 * Memory map and registers: docs/hardware.md. */
#ifndef LAMPSIM_EMU_MACHINE_H
#define LAMPSIM_EMU_MACHINE_H

#include "link_failure_reasons.h" /* LF_REASONS */
#include "sysctl_hw.h" /* SYSCTL_RESETCAUSE_* */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GError domain of emulator failures. */
#define MACHINE_ERROR (machine_error_quark())
GQuark machine_error_quark(void);
enum { MACHINE_ERROR_FAILED, MACHINE_ERROR_ARGUMENT, MACHINE_ERROR_REFUSED };

struct machine;
typedef struct machine machine; /* for g_autoptr(machine) */

enum machine_time_mode {
    /* virtual time is host monotonic time, less any time the host was too
     * busy to run the lamp (beyond 50 ms late), so overload slows lamps
     * down instead of firing their watchdogs */
    MACHINE_TIME_REALTIME,
    /* virtual time advances one CPU cycle per executed instruction at
     * MACHINE_CPU_HZ and jumps forward while the CPU sleeps: same seed, same
     * inputs, same run */
    MACHINE_TIME_DETERMINISTIC,
};

#define MACHINE_CPU_HZ 120000000u

enum machine_log_level {
    MACHINE_LOG_GUEST_ERROR = 1 << 0, /* the firmware did something wrong */
    MACHINE_LOG_UNIMP = 1 << 1,       /* the model does not do this */
    MACHINE_LOG_INFO = 1 << 2,        /* resets, faults taken, power events */
    MACHINE_LOG_TRACE = 1 << 3,       /* exception entry/return, verbose */
};

/* Reset causes: the bits SYSCTL RESETCAUSE reports them with. */
enum machine_reset_cause {
    MACHINE_RESET_POR = SYSCTL_RESETCAUSE_POR,
    MACHINE_RESET_SYSRESETREQ = SYSCTL_RESETCAUSE_SYSRESETREQ,
    MACHINE_RESET_WDT = SYSCTL_RESETCAUSE_WDT,
    MACHINE_RESET_LOCKUP = SYSCTL_RESETCAUSE_LOCKUP,
    MACHINE_RESET_SOFT = SYSCTL_RESETCAUSE_SOFT,
};

struct machine_hooks {
    /* bytes the firmware wrote to the console UART */
    void (*console_tx)(void *user, const uint8_t *buf, size_t len);
    /* one formatted log line (no trailing newline) of a level in log_mask */
    void (*log)(void *user, enum machine_log_level level, const char *msg);
    /* the machine has just reset (cause is a machine_reset_cause bit) */
    void (*reset)(void *user, uint32_t cause);
    /* power was cut (fault injection); the machine stays off until
     * machine_power_on */
    void (*power_off)(void *user, const char *why);
    /* a model changed state from outside machine_run (host network I/O):
     * the machine may have become runnable or have a new timer deadline */
    void (*wake)(void *user);
    void *user;
};

/* A CPU core: the engine machines run on, one at a time, sharing its
 * translated code (docs/emulator.md#cores).  A fleet's worker thread makes
 * one and puts its lamps on it; a core is used from one thread only. */
struct machine_core;
/* A core for up to capacity machines (their memory is reserved address
 * space, resident as they touch it). */
struct machine_core *machine_core_new(unsigned capacity, GError **error);
/* Drops the creator's reference: the core goes with its last machine. */
void machine_core_free(struct machine_core *core);
struct machine_core_stats {
    uint64_t jit_bytes;       /* translated code held (host bytes) */
    uint64_t jit_flushes;     /* times it was dropped to stay in bounds */
    unsigned code_pool_pages; /* distinct 1 KiB code pages its machines fetch */
    unsigned machines;
};
void machine_core_get_stats(const struct machine_core *core, struct machine_core_stats *out);

struct net_env; /* emu/net_env.h */
struct ble_medium_ops; /* emu/ble.h */
struct ble_radio;

struct machine_config {
    const char *name;          /* used in log lines, e.g. the lamp serial */
    const char *state_dir;     /* flash.bin and otp.bin persist here */
    enum machine_time_mode time_mode;
    uint64_t seed;             /* RNG seed; used when rng_seeded */
    /* Deterministic mode: the wall-clock time (Unix s) the RTC shows at
     * power on, e.g. one after the lamp's certificates were issued, for a
     * lamp that must accept them; 0: 2026-01-01 00:00 UTC. */
    uint64_t wall_clock_s;
    bool rng_seeded;           /* seeded RNG instead of host entropy */
    unsigned log_mask;         /* machine_log_level bits to deliver */
    /* the access points the WiFi module can join (shared by a fleet);
     * NULL: none in range */
    struct net_env *net_env;
    /* what carries the BLE radio (blebridge/); NULL: nobody hears it */
    const struct ble_medium_ops *ble_ops;
    void *ble_medium;
    /* Count the guest's stores (machine_stats.guest_stores): a diagnostic
     * that makes every store of the core call a hook, so runs are slower. */
    bool count_stores;
    /* the core to run on (shared with other machines of the same thread);
     * NULL: a core of its own */
    struct machine_core *core;
    struct machine_hooks hooks;
};

/* Creates a machine, opening (or creating, erased) its flash and OTP under
 * cfg->state_dir.  The machine is powered off until machine_power_on. */
struct machine *machine_new(const struct machine_config *cfg, GError **error);
void machine_free(struct machine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(machine, machine_free)

/* Cold boot: SRAM lost, peripherals reset, reset cause POR. */
void machine_power_on(struct machine *m);
/* Cut power now: the CPU stops, flash keeps what was programmed. */
void machine_power_off(struct machine *m, const char *why);

enum machine_state {
    MACHINE_OFF,      /* powered off (or never powered on) */
    MACHINE_RUNNABLE, /* has instructions to run */
    MACHINE_SLEEPING, /* in WFI/WFE with nothing pending */
    MACHINE_LOCKED_UP,/* unrecoverable; only a reset gets out */
    MACHINE_HALTED,   /* halted by the debug port (debug_port.h): runs
                         nothing, its time stands still, until the port
                         resumes or steps it (then hooks.wake is called) */
};

/* Runs at most max_insns instructions, firing due timers, and returns the
 * state the machine is left in.  Never blocks.  A halted machine runs
 * nothing and returns MACHINE_HALTED. */
enum machine_state machine_run(struct machine *m, uint64_t max_insns);
enum machine_state machine_state(const struct machine *m);
/* Ends the current machine_run after the instruction being executed (safe
 * from inside a hook, e.g. console_tx): lets a caller act exactly at a
 * console line. */
void machine_stop_cpu(struct machine *m);

/* Virtual time now, in ns since power on. */
uint64_t machine_now_ns(struct machine *m);
/* Earliest armed timer deadline (virtual ns), or UINT64_MAX. */
uint64_t machine_next_deadline_ns(struct machine *m);
/* Realtime mode: the earliest deadline as host monotonic time in us
 * (g_get_monotonic_time's clock), or G_MAXINT64. */
gint64 machine_next_deadline_host_us(struct machine *m);
/* Deterministic mode only: a sleeping machine jumps to the next deadline
 * and fires it. */
void machine_skip_to_next_deadline(struct machine *m);
/* The same, but no further than limit_ns of virtual time: an observer
 * that wants the lamp as it is at limit_ns must not find it past. */
void machine_skip_until(struct machine *m, uint64_t limit_ns);
/* Realtime mode: fire timers that are due (call when host time passed). */
void machine_poll_timers(struct machine *m);

/* Console: bytes typed by the user, queued into the UART receiver. */
void machine_console_input(struct machine *m, const uint8_t *buf, size_t len);

/* Flash and OTP, as the factory programmer sees them (no NOR rules, no
 * protection): used to lay a factory image into a new lamp. */
bool machine_factory_write(struct machine *m, uint32_t addr, const void *buf,
                           size_t len, GError **error);
/* External boot (boot pins, DFU), for development lamps: writes image at
 * addr the way a boot-ROM loader would and makes every reset start from the
 * vector table there, bypassing the bootloader.  Refused
 * (MACHINE_ERROR_REFUSED) when the OTP BOOT_LOCK fuse is blown, as the
 * silicon would. */
bool machine_external_boot(struct machine *m, uint32_t addr, const void *image, size_t len,
                           GError **error);
bool machine_read_phys(struct machine *m, uint32_t addr, void *buf, size_t len);
/* Writes flash and OTP to the state directory so that a host crash cannot
 * leave a torn image (docs/formats.md#state-directory). */
bool machine_sync(struct machine *m, GError **error);

/* Record and replay (docs/debugging.md#record-and-replay; replay itself:
 * emu/replay.h).  Records everything that reaches m from outside into
 * path (docs/formats.md#recording), written as it happens: call before
 * machine_power_on.  A realtime machine's clock then counts instructions,
 * catches up with the host at recorded points, and a machine ahead of the
 * host waits for it as if asleep. */
bool machine_record_start(struct machine *m, const char *path, GError **error);
/* Ends the recording with the final hashes; false with the first write
 * error if the recording stopped early. */
bool machine_record_finish(struct machine *m, GError **error);
/* Bytes written to the recording so far. */
uint64_t machine_record_bytes(const struct machine *m);

/* Fault injection: cut power right after (torn = false) or in the middle of
 * (torn = true) the nth flash program/erase operation from now (n >= 1);
 * 0 cancels. */
void machine_inject_power_cut(struct machine *m, uint64_t nth_op, bool torn);
/* Fault injection: the RNG health test fails from now until reset. */
void machine_inject_rng_failure(struct machine *m);

/* Calls fn the first time after each reset that the CPU executes code in
 * [start, end): lets a test check what is in flash at the moment it is
 * entered (a security scenario asserting that only verified images ever
 * run).  One watch per machine; set it before machine_power_on. */
typedef void (*machine_entry_fn)(struct machine *m, uint32_t pc, void *user);
bool machine_watch_code_entry(struct machine *m, uint32_t start, uint32_t end,
                              machine_entry_fn fn, void *user, GError **error);

/* Guest code coverage, for fuzzing the whole lamp (tests/fuzz/lamp/):
 * from now on every translation block the CPU enters is counted in map
 * (size entries, a power of two; NULL turns it off).  The map is the
 * caller's and must outlive the machine or the next call. */
enum machine_coverage {
    /* map[hash(previous block, this block) % size] += 1 (wrapping):
     * AFL's edge counters */
    MACHINE_COVERAGE_EDGES,
    /* map[(block address / 2) % size] = 1: which blocks ran (exact for
     * code below 2 * size) */
    MACHINE_COVERAGE_BLOCKS,
};
bool machine_set_coverage(struct machine *m, enum machine_coverage kind, uint8_t *map,
                          size_t size, GError **error);

/* NET fault injection (docs/hardware.md#net). */
enum machine_net_fault {
    MACHINE_NET_LATENCY_MS, /* arg: one-way delay added to every byte and connect */
    MACHINE_NET_DROP,       /* every open connection is reset now */
    MACHINE_NET_REFUSE,     /* arg 1: new connections are refused; 0 ends it */
    MACHINE_NET_STALL,      /* arg 1: the peer stops (nothing moves); 0 ends it */
    MACHINE_NET_LINK_LOSS,  /* the access point goes away (the firmware must rejoin) */
};
void machine_net_fault(struct machine *m, enum machine_net_fault f, uint32_t arg);

/* Where the lamp's TCP connections go instead of new host sockets: fn
 * returns a connected non-blocking stream socket, which the NET model then
 * owns (one end of a socketpair whose other end an in-process peer serves:
 * the whole-lamp fuzzer, tests/fuzz/lamp/), or -errno to refuse the
 * connect.  ipv4 and port in host byte order.  NULL: host sockets. */
typedef int (*machine_net_connect_fn)(void *user, uint32_t ipv4, uint16_t port);
void machine_net_set_connector(struct machine *m, machine_net_connect_fn fn, void *user);

struct machine_net_stats {
    uint64_t connects;      /* OPEN commands */
    uint64_t bytes_in, bytes_out;
    bool link_up;
    unsigned open_sockets;
};
void machine_get_net_stats(const struct machine *m, struct machine_net_stats *out);

/* Counters for the twin and benchmarks. */
struct machine_stats {
    uint64_t instructions;
    uint64_t exceptions_taken;
    uint64_t faults_taken;
    uint64_t resets;
    uint64_t flash_ops;
    uint64_t crypto_ops;    /* CRYPTO engine commands (0 without the engine) */
    uint64_t cpu_entries;   /* times the emulator was entered (each costs
                               host time whatever the guest does) */
    uint64_t mmio_accesses; /* peripheral and SCS register accesses */
    uint64_t guest_stores;  /* with machine_config.count_stores, else 0 */
    uint64_t host_lag_us;   /* realtime: host time taken off the lamp's clock
                               because the host could not run it on time */
    uint64_t jit_bytes;     /* translated code its core holds now (host bytes) */
    uint64_t tlb_fills;     /* pages its accesses had the TLB look up */
    uint64_t core_switches; /* times its registers were put into the core */
};
void machine_get_stats(const struct machine *m, struct machine_stats *out);

/* What the firmware tells its twin through SYSCTL (docs/hardware.md#sysctl):
 * the last values it wrote, and its events counted since the machine was
 * made (they survive resets and power cuts: they are the twin's). */
struct machine_fw_status {
    uint32_t bootstage;        /* BOOTSTAGE (0 after a reset) */
    uint32_t netstate;         /* SYSCTL_NETSTATE_* (OFF after a reset) */
    bool commission_known;     /* COMMISSION written since the last reset */
    uint32_t commission_n;     /* the commissioning key counter n */
    bool has_creds;            /* the lamp holds WiFi credentials */
    uint64_t tls_full, tls_resumed, tls_failed; /* handshakes */
    uint64_t mqtt_rx, mqtt_tx; /* PUBLISH packets received and sent */
    uint64_t drops;            /* online connections lost */
    uint64_t onlines;          /* times the lamp went online after a dial */
    uint64_t online_latency_ns_sum, last_online_latency_ns; /* dial start to online, virtual */
    uint64_t failures[LF_REASONS]; /* connection failures by reason (SYSCTL LINKFAIL) */
};
void machine_get_fw_status(struct machine *m, struct machine_fw_status *out);

/* Change notification, for a watcher that keeps a copy of what the lamp
 * shows (sim/twin_table.c) without polling thousands of idle lamps: fn is
 * called, on the thread running the machine, the first time something a
 * watcher sees may have changed since machine_change_seen: a register the
 * firmware tells its state through (SYSCTL), a light or sensor register
 * or the room, a flash operation, a reset, power, a fault or lockup, the
 * WiFi link.  Counters that move all the time (instructions, bytes, CPU,
 * energy) notify nothing: a watcher reads them when it likes. */
typedef void (*machine_change_fn)(void *data);
void machine_set_change_notify(struct machine *m, machine_change_fn fn, void *data);
/* The watcher read the machine: the next change notifies again. */
void machine_change_seen(struct machine *m);
/* Called by the models where such a change happens. */
void machine_note_change(struct machine *m);
/* Unmaps memory the lamp only read (erased flash), giving it back to the
 * host: for a lamp that has gone idle. */
void machine_compact(struct machine *m);

const char *machine_name(const struct machine *m);
/* The lamp's hardware variant, kept in its state directory
 * (FLASH_STORE_VARIANT_* in flash_store.h): whether it has the CRYPTO
 * engine (docs/hardware.md#crypto). */
bool machine_has_crypto_engine(const struct machine *m);
/* The lamp's BLE controller, for the medium that carries it (emu/ble.h). */
struct ble_radio *machine_ble_radio(struct machine *m);

/* LIGHT, the light engine (docs/hardware.md#light): the room the lamp is
 * in, set from outside (lampsim options, scenarios, the twin), and what
 * the lamp does in it, read from the model.  Like every machine_* call,
 * these run on the lamp's own thread: a fleet's lamps live on worker
 * threads, so callers elsewhere go through worker_call
 * (docs/emulator.md#threads).  The room and the sensor faults are kept
 * across resets and power cuts (they are not the lamp's); a change wakes
 * a sleeping lamp when it raises the interrupt. */
struct machine_light_env {
    double daylight_lux;   /* daylight as the ambient-light sensor sees it, 0..200000 */
    bool occupied;         /* someone moves in the room all the time (PIR held) */
    double ambient_temp_c; /* air around the driver, -40..85 */
};
/* What a new machine's room is: dark, empty, 25 degC. */
#define MACHINE_LIGHT_ENV_DEFAULT ((struct machine_light_env){ 0.0, false, 25.0 })
/* Checks the ranges above (the lampsim options use it too). */
bool machine_light_env_valid(const struct machine_light_env *env, GError **error);
bool machine_light_set_env(struct machine *m, const struct machine_light_env *env,
                           GError **error);
void machine_light_get_env(struct machine *m, struct machine_light_env *out);
/* One movement in front of the PIR (it holds occupancy for PIR_HOLD). */
void machine_light_motion(struct machine *m);

enum machine_light_sensor {
    MACHINE_LIGHT_SENSOR_LUX,  /* ambient light */
    MACHINE_LIGHT_SENSOR_PIR,  /* occupancy */
    MACHINE_LIGHT_SENSOR_TEMP, /* driver temperature */
    MACHINE_LIGHT_SENSORS,
};
enum machine_light_fault {
    MACHINE_LIGHT_FAULT_NONE,
    MACHINE_LIGHT_FAULT_STUCK,  /* its reading is frozen where it was */
    MACHINE_LIGHT_FAULT_NOISY,  /* seeded noise on readings; a PIR sees ghosts */
    MACHINE_LIGHT_FAULT_ABSENT, /* it does not answer (STATUS, SENSOR event) */
};
/* Fault injection for a sensor, until changed again (NONE repairs it). */
void machine_light_set_sensor_fault(struct machine *m, enum machine_light_sensor sensor,
                                    enum machine_light_fault fault);
const char *machine_light_sensor_name(enum machine_light_sensor sensor);
const char *machine_light_fault_name(enum machine_light_fault fault);

/* The light engine right now.  Reading it changes nothing the lamp could
 * see (a deterministic run stays the same however often it is read). */
struct machine_light_state {
    bool powered;            /* false: the lamp has no power; all below is 0 */
    bool on;                 /* light emitted (STATUS.ON) */
    bool fading;
    double level_pct;        /* total PWM duty, 0..100 */
    double warm_duty_pct, cool_duty_pct; /* what each string gets (0 when not EN) */
    double cct_k;            /* the mix's colour temperature */
    double lumens;           /* light output */
    double watts;            /* electrical input power */
    double energy_wh;        /* since power on (what ENERGY counts, unwrapped) */
    double lux;              /* at the ambient sensor: daylight + the lamp's own leak */
    double lux_reading;      /* what the sensor reports (fault applied); NAN when absent */
    bool occupied;           /* STATUS.OCCUPIED */
    uint32_t motions;        /* MOTIONS */
    double temp_c;           /* the driver's temperature */
    double temp_reading_c;   /* what its sensor reports; NAN when absent */
    bool overtemp;           /* STATUS.OVERTEMP */
    uint32_t status, events, inten; /* the registers, as the firmware would read them */
    enum machine_light_fault faults[MACHINE_LIGHT_SENSORS];
};
void machine_light_state(struct machine *m, struct machine_light_state *out);

#endif
