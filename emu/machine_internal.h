/* emu/machine_internal.h: the machine's state, shared by the core files
 * (machine.c, cpu.c, exception.c, nvic.c, scb.c, systick.c, mpu.c).  Not
 * for peripheral models (they use periph.h) nor for sim/. */
#ifndef LAMPSIM_EMU_MACHINE_INTERNAL_H
#define LAMPSIM_EMU_MACHINE_INTERNAL_H

#include "periph.h"

#include <unicorn/unicorn.h>

#define SCS_SIZE 0x1000u
#define SCS_STIR 0xF00u

/* ARMv7-M exception numbers (ARMv7-M ARM B1.5.2). */
enum {
    EXC_RESET = 1, EXC_NMI = 2, EXC_HARDFAULT = 3, EXC_MEMMANAGE = 4,
    EXC_BUSFAULT = 5, EXC_USAGEFAULT = 6, EXC_SVCALL = 11,
    EXC_DEBUGMON = 12, EXC_PENDSV = 14, EXC_SYSTICK = 15, EXC_IRQ0 = 16,
    EXC_COUNT = 16 + IRQ_COUNT,
};

/* CFSR bits (B3.2.15). */
#define CFSR_IACCVIOL (1u << 0)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MUNSTKERR (1u << 3)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_IBUSERR (1u << 8)
#define CFSR_PRECISERR (1u << 9)
#define CFSR_UNSTKERR (1u << 11)
#define CFSR_STKERR (1u << 12)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_UNDEFINSTR (1u << 16)
#define CFSR_INVSTATE (1u << 17)
#define CFSR_INVPC (1u << 18)
#define CFSR_NOCP (1u << 19)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
#define HFSR_VECTTBL (1u << 1)
#define HFSR_FORCED (1u << 30)

struct periph_slot {
    const struct periph_ops *ops;
    void *opaque;
    uint32_t base;
};

/* A quarter of a peripheral's window, mapped on its own so that page
 * protections never make Unicorn split (and re-base) an MMIO region. */
struct periph_piece {
    struct machine *m;
    struct periph_slot *slot;
    uint32_t offset;            /* of this 1 KiB piece in the window */
};

/* A quarter of the System Control Space window, for the same reason. */
struct scs_piece {
    struct machine *m;
    uint32_t offset;
};

struct machine_timer {
    struct machine *m;
    machine_timer_fn fn;
    void *opaque;
    uint64_t deadline;
    bool armed;
};

struct mpu_region {
    uint32_t rbar, rasr;
};

/* A pending synchronous fault found while the CPU ran, taken outside
 * uc_emu_start. */
struct pending_fault {
    bool valid;
    int exc;            /* EXC_MEMMANAGE, EXC_BUSFAULT, EXC_USAGEFAULT */
    uint32_t cfsr_bits;
    uint32_t addr;      /* MMFAR / BFAR when the bits say valid */
    uint32_t pc;        /* the faulting instruction */
};

struct machine {
    struct machine_config cfg;
    char *name;
    uc_engine *uc;
    uc_hook code_hook, intr_hook, mem_hook, store_hook;
    /* machine_watch_code_entry */
    uc_hook entry_hook;
    machine_entry_fn entry_fn;
    void *entry_user;
    bool entry_seen;      /* since the last reset */

    uint8_t *sram;
    uint8_t *flash, *otp;       /* owned by FLASHCTL */
    void *flashctl, *uart, *rng, *net, *crypto, *ble;
    struct periph_slot periphs[PERIPH_WINDOWS];
    struct periph_piece periph_pieces[PERIPH_WINDOWS * (PERIPH_WINDOW / 1024)];
    struct scs_piece scs_pieces[SCS_SIZE / 1024];
    unsigned nperiphs;

    enum machine_state state;
    bool powered;
    uint32_t reset_cause;
    uint32_t pending_reset;     /* cause bits of a requested reset, 0 none */
    bool stop_for_events;       /* something needs handling between insns */
    bool in_run;                /* inside machine_run */
    char *power_cut_why;        /* power cut requested by fault injection */

    /* time */
    uint64_t icount;            /* instructions since power on */
    uint64_t budget;            /* instructions left in the slice */
    uint64_t sleep_skipped_ns;  /* deterministic: time jumped while asleep */
    gint64 poweron_host_us;     /* realtime: host clock at power on */
    gint64 host_lag_us;         /* realtime: host time the lamp did not see */
    gint64 last_slice_end_us;   /* realtime: when the last slice ended */
    gint64 woken_us;            /* realtime: when a sleeping lamp became runnable
                                   (a timer or a host event), until it runs */
    GPtrArray *timers;          /* struct machine_timer * */
    uint64_t next_deadline;     /* cache of the earliest armed deadline */
    bool deadline_valid;
    uint64_t seeded_state;

    /* exception model */
    uint8_t exc_prio[EXC_COUNT];    /* programmed priority (8-bit field) */
    bool exc_enabled[EXC_COUNT];    /* NVIC enable / SHCSR enable */
    bool exc_pending[EXC_COUNT];
    bool exc_active[EXC_COUNT];
    bool irq_level[IRQ_COUNT];
    struct pending_fault fault;
    bool svc_requested;         /* SVC executed; PC is after it */
    bool exc_return_pending;    /* branch to EXC_RETURN in handler mode */
    uint32_t exc_return_value;
    bool in_lockup;
    bool sleeping;
    bool event_reg;             /* the WFE event register (B1.5.18) */
    bool skip_wfe;              /* a WFE consumed the event: step over it */

    /* SCB */
    uint32_t boot_addr;   /* vector table used at reset (external boot) */
    uint32_t vtor, aircr_prigroup, scr, ccr, cfsr, hfsr, mmfar, bfar;
    uint32_t cpacr, actlr, shcsr_en;  /* shcsr_en: MEMFAULTENA etc. bits 16-18 */

    /* SysTick */
    uint32_t syst_csr, syst_rvr;
    uint64_t syst_start_ns;     /* when the counter was last reloaded */
    struct machine_timer *systick_timer;

    /* MPU */
    uint32_t mpu_ctrl, mpu_rnr;
    struct mpu_region mpu[8];
    bool mpu_dirty;
    bool tlb_flush_needed;      /* an access was let through a stricter page */
    bool prot_privileged;       /* which view the page protections show */
    uint8_t *page_perm;         /* current UC_PROT_* per 1 KiB page (tracked areas) */

    /* special-instruction scan (cpu.c) */
    uint8_t special_filter[512];    /* 4096-bit filter on (pc >> 1) & 4095 */
    GHashTable *special;            /* pc -> kind */

    struct machine_stats stats;
};

/* cpu.c */
bool cpu_init(struct machine *m, GError **error);
void cpu_scan_code(struct machine *m, uint32_t addr, uint32_t len);
uint32_t cpu_reg(struct machine *m, int reg);
void cpu_set_reg(struct machine *m, int reg, uint32_t v);
bool cpu_privileged(struct machine *m);
uc_err cpu_run(struct machine *m, uint32_t pc);
/* Sets mode and stack pointers coherently (see exception.c). */
void cpu_set_mode(struct machine *m, uint32_t ipsr, bool spsel, bool npriv,
                  uint32_t msp, uint32_t psp);

/* exception.c */
void exc_reset(struct machine *m);
int exc_execution_priority(struct machine *m);
/* Highest-priority pending exception that may preempt now, or 0. */
int exc_pending_to_take(struct machine *m);
void exc_take(struct machine *m, int exc, uint32_t return_pc);
void exc_return(struct machine *m, uint32_t exc_return);
/* Raise a synchronous fault for the instruction at pc. */
void exc_raise_fault(struct machine *m, int exc, uint32_t cfsr_bits,
                     uint32_t addr, uint32_t pc);
void exc_set_pending(struct machine *m, int exc);
bool exc_wakeup_pending(struct machine *m);
/* Highest-priority pending enabled exception, masks ignored (ICSR
 * VECTPENDING), or 0. */
int exc_highest_pending(struct machine *m);

/* scs: nvic.c, scb.c, systick.c, mpu.c share one MMIO window */
uint32_t nvic_read(struct machine *m, uint32_t off, bool *handled);
bool nvic_write(struct machine *m, uint32_t off, uint32_t v);
uint32_t scb_read(struct machine *m, uint32_t off, bool *handled);
bool scb_write(struct machine *m, uint32_t off, uint32_t v);
uint32_t systick_read(struct machine *m, uint32_t off, bool *handled);
bool systick_write(struct machine *m, uint32_t off, uint32_t v);
void systick_init(struct machine *m);
void systick_reset(struct machine *m);
uint32_t mpu_read(struct machine *m, uint32_t off, bool *handled);
bool mpu_write(struct machine *m, uint32_t off, uint32_t v);
void mpu_reset(struct machine *m);
/* UC_PROT_* the MPU (and the default map) allows at addr. */
unsigned mpu_perms(struct machine *m, uint32_t addr, bool privileged);
/* UC_PROT_* the bus allows at a mapped address (flash is not bus-writable). */
unsigned memory_kind_perms(uint32_t addr);
/* Re-apply page protections if the MPU or privilege changed. */
void mpu_sync_protections(struct machine *m);
void mpu_flush_tlb(struct machine *m);


#endif
