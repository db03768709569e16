/* emu/machine_internal.h: the state of a machine and of the core it runs
 * on, shared by the core files (machine.c, core.c, cpu.c, tlb.c, sites.c,
 * jit.c, exception.c, nvic.c, scb.c, systick.c, mpu.c).  Not for peripheral
 * models (they use periph.h) nor for sim/. */
#ifndef LAMPSIM_EMU_MACHINE_INTERNAL_H
#define LAMPSIM_EMU_MACHINE_INTERNAL_H

#include "periph.h"
#include "block_cache.h"
#include "code_pool.h"
#include "guest_mem.h"
#include "scs_hw.h"

#include <unicorn/unicorn.h>

#define SCS_STIR 0xF00u
/* Translated code per core, shared by its machines (docs/emulator.md#cores):
 * Unicorn's default is 1 GiB of address space per engine. */
#define CPU_TCG_BUFFER_BYTES (32u * 1024 * 1024)
/* The core's physical address space (what its TLB maps guest addresses
 * to; core.c): the code pool and a slot per machine for its memory, clear
 * of the MMIO windows, all below 4 GiB, where Unicorn 2.1.1 reaches them
 * (it loses accesses to physical addresses above, measured). */
#define CORE_POOL_PHYS 0x10000000ull
#define CORE_ARENA_PHYS 0x50000000ull
#define CORE_MAX_SLOTS ((unsigned)((0xE0000000ull - CORE_ARENA_PHYS) / GUEST_MEM_SIZE))

/* ARMv7-M exception numbers (ARMv7-M ARM B1.5.2). */
enum {
    EXC_RESET = 1, EXC_NMI = 2, EXC_HARDFAULT = 3, EXC_MEMMANAGE = 4,
    EXC_BUSFAULT = 5, EXC_USAGEFAULT = 6, EXC_SVCALL = 11,
    EXC_DEBUGMON = 12, EXC_PENDSV = 14, EXC_SYSTICK = 15, EXC_IRQ0 = 16,
    EXC_COUNT = 16 + IRQ_COUNT,
};

/* CFSR, HFSR and the other SCS fields: scs_hw.h (B3.2-B3.5). */

struct periph_slot {
    const struct periph_ops *ops;
    void *opaque;
    uint32_t base;
};

/* What the engine holds for the machine whose registers are in it, saved
 * while another runs (core.c). */
struct cpu_regs {
    uint32_t r[13], lr, pc, xpsr, msp, psp, control, primask, basepri, faultmask;
    bool fp;            /* the FP registers below are held (CPACR grants CP10) */
    uint32_t s[32], fpscr;
};

/* An instruction site of one machine (sites.c). */
struct machine_site {
    uint32_t addr;
    uint8_t kinds;
    bool hooked;        /* this machine holds a reference to the core's hook */
    bool wanted;        /* seen in a block about to run: hook before it runs */
};

/* A peripheral window as the core maps it: the callbacks find the model of
 * the machine running (cpu.c). */
struct core_window {
    struct machine_core *core;
    unsigned index;
};

/* The engine machines run on, one at a time (core.c). */
struct machine_core {
    uc_engine *uc;
    uc_hook block_hook, sram_code_hook, intr_hook, tlb_hook, store_hook;
    bool store_hook_on;
    unsigned refs;              /* machines attached, plus its creator */
    struct machine *current;    /* whose registers the engine holds, or NULL */
    struct machine *tlb_owner;  /* whose memory and view the TLB maps, or NULL */
    bool in_cpu_run;            /* inside uc_emu_start: TLB fills are the CPU's */
    /* every machine's memory, a slot each, mapped at CORE_ARENA_PHYS */
    uint8_t *arena;
    unsigned capacity;
    uint8_t *slot_used;
    struct code_pool *pool;     /* flash pages as fetched, mapped at CORE_POOL_PHYS */
    unsigned pool_gen;          /* its generation (code_pool_generation) */
    bool pool_full;             /* a fill found no room: flush between runs */
    /* translated code (jit.c): host addresses of the first block since the
     * last flush and the highest seen, 0 when none */
    uintptr_t jit_low, jit_high;
    uint64_t jit_flushes;
    GHashTable *site_hooks;     /* guest address -> struct core_site_hook * */
    GHashTable *debug_hooks;    /* the same for breakpoints and debug steps */
    struct block_cache *blocks; /* instruction counts of checked blocks */
    struct core_window windows[PERIPH_WINDOWS];
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

/* Instruction sites (sites.c): what the core checks before it runs. */
enum {
    SITE_HINT = 1u << 0,       /* WFI, WFE, SEV */
    SITE_DIV = 1u << 1,        /* SDIV, UDIV: CCR.DIV_0_TRP */
    SITE_FP = 1u << 2,         /* a coprocessor 10/11 instruction: CPACR */
    SITE_AFTER_MASK = 1u << 3, /* after CPSIE, CPSID f, MSR mask/CONTROL */
    SITE_BARRIER = 1u << 4,    /* DSB, ISB: what earlier writes requested */
};

/* How the CPU is being run (tlb.c): normally, or replaying one instruction
 * to see the exact address of a refused access, or stepping one
 * instruction through a page opened for it. */
enum run_mode { RUN_NORMAL, RUN_PROBE, RUN_STEP };

/* A page the TLB fill refused, for the run loop to resolve. */
struct tlb_denial {
    bool valid;
    uint32_t page;
    uc_mem_type type;   /* UC_MEM_READ, UC_MEM_WRITE or UC_MEM_FETCH */
};

struct tlb_probe {
    bool active;
    uint32_t page;
    bool hit;           /* the replayed access reached the trap page */
    uint32_t addr;
    unsigned size;
    bool write;
};

struct tlb_step {
    bool active;
    uint32_t page;
};

#define TLB_CODE_PAGES ((FLASH_SIZE + SRAM_SIZE) / 1024u)

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
    struct machine_core *core;
    unsigned slot;              /* in the core's arena */
    struct cpu_regs regs;       /* while not the core's current machine */
    bool regs_saved;
    /* which code pool page each flash page is fetched from (index + 1, 0:
     * not yet), valid for pool generation code_map_gen */
    uint16_t *code_map;
    unsigned code_map_gen;
    bool tlb_flush_needed;      /* flash changed under live TLB entries */
    /* machine_set_coverage: edges hashed into cov_map (cov_mask + 1
     * counters) by the block hook; NULL: off */
    uint8_t *cov_map;
    uint32_t cov_mask;
    uint32_t cov_prev;    /* the last block's hashed address, shifted */
    bool cov_blocks;      /* MACHINE_COVERAGE_BLOCKS */
    /* machine_watch_code_entry, checked by the block hook */
    uint32_t entry_start, entry_end;
    machine_entry_fn entry_fn;
    void *entry_user;
    bool entry_seen;      /* since the last reset */

    struct guest_mem *mem;      /* flash, SRAM and OTP, in the core's arena */
    uint8_t *flash, *sram, *otp;
    void *flashctl, *uart, *rng, *net, *crypto, *ble;
    struct periph_slot periphs[PERIPH_WINDOWS];
    unsigned nperiphs;
    struct periph_slot *window[PERIPH_WINDOWS]; /* by window, NULL: unmapped */

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
    uint32_t last_block_start;  /* the block the block hook last counted, */
    uint32_t last_block_end;    /*   0 when none: see cpu_uncount_rest_of_block */
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
    struct mpu_region mpu[MPU_REGIONS];
    bool mpu_dirty;             /* the TLB must be flushed before the next run */

    /* change notification (machine_set_change_notify) */
    machine_change_fn change_fn;
    void *change_data;
    bool change_pending;        /* notified, not yet seen */

    /* the TLB (tlb.c): the view its entries were filled for */
    bool tlb_privileged, tlb_bypassed;
    struct tlb_denial denial;
    struct tlb_probe probe;
    struct tlb_step step;
    enum run_mode run_mode;
    unsigned run_blocks;        /* blocks started in a probe or step run */
    /* Pages fetched from since their code was last dropped, one set per
     * view (tlb.c: TLB_VIEWS): Unicorn keys translated code by the
     * privilege and MPU bypass it was translated under. */
    uint64_t code_pages[4][(TLB_CODE_PAGES + 63) / 64];

    /* the debug port (debug_port.c), NULL until a debugger attaches */
    struct debug_port *dbg;
    uint8_t dbg_run;            /* DBG_RUN_* */
    bool cut_resume;            /* this run's first block resumes a cut one, */
    uint64_t cut_icount;        /*   the block hook's first with this icount */
    bool dbg_stopped_before;    /* a debug hook stopped the run before the
                                   instruction at PC, which its block counted */
    gint64 halted_at_us;        /* realtime: when the debug port halted it */

    /* instruction sites (sites.c), sorted by address */
    GArray *sites;              /* struct machine_site */
    unsigned sites_wanted;      /* sites marked wanted, to hook between runs */
    uint32_t code_changed_start, code_changed_end; /* to rescan, end 0: none */

    struct machine_stats stats;

    /* record and replay (record.c, replay.c; docs/debugging.md) */
    struct recorder *recorder;
    struct replayer *replayer;
    bool rr_halt;               /* the replay diverged: end the run */
    /* recording in realtime: the lamp got ahead of the host clock and
     * waits, as if asleep, until the host reaches it (record.c) */
    bool paced;
    struct machine_timer *pace_timer;
    uint64_t console_bytes;     /* console output so far, and its FNV-1a */
    uint64_t console_hash;
};

/* machine.c, for record and replay */
/* Virtual time counts instructions (deterministic mode, and any run being
 * recorded or replayed, realtime ones included). */
static inline bool machine_time_counted(const struct machine *m)
{
    return m->cfg.time_mode == MACHINE_TIME_DETERMINISTIC || m->recorder || m->replayer;
}
/* Replay of RR_TIME: the time skipped is now ns; fires what fell due. */
void machine_time_set_skipped(struct machine *m, uint64_t ns);

/* replay.c */
struct replay_cursor;
const uint8_t *replay_take_answer(struct machine *m, uint32_t kind, size_t *len);
void replay_get_env(struct replay_cursor *c, struct machine_light_env *env);

/* core.c */
struct machine_core *core_new(unsigned capacity, GError **error);
void core_unref(struct machine_core *core);
/* Gives m a slot of the arena and its memory there. */
bool core_attach(struct machine_core *core, struct machine *m, GError **error);
void core_detach(struct machine_core *core, struct machine *m);
/* Registers of the engine, read or written whatever mode it is in
 * (Unicorn alone hides MSP, PSP and the masks in unprivileged thread
 * mode). */
void core_regs_read(struct machine_core *core, const int *regs, uint32_t *v, unsigned n);
void core_regs_write(struct machine_core *core, const int *regs, const uint32_t *v, unsigned n);
/* Makes m the machine whose registers the engine holds. */
void core_enter(struct machine_core *core, struct machine *m);
/* Where offset off (guest_mem.h) of the memory in slot lives. */
uint64_t core_slot_phys(const struct machine_core *core, unsigned slot, size_t off);
/* A register of m read from what was saved when another machine entered
 * the engine; false when m is in the engine (or reg is not saved). */
bool core_saved_reg(const struct machine *m, int reg, uint32_t *v);
/* One more (or one less) machine has an instruction site at addr. */
bool core_site_ref(struct machine_core *core, struct machine *m, uint32_t addr, GError **error);
void core_site_unref(struct machine_core *core, struct machine *m, uint32_t addr);
/* The same for the debug port's stops (breakpoints, the end of a step). */
bool core_debug_ref(struct machine_core *core, struct machine *m, uint32_t addr, GError **error);
void core_debug_unref(struct machine_core *core, struct machine *m, uint32_t addr);
/* The hooks every machine's code runs with (cpu.c). */
bool cpu_core_hooks(struct machine_core *core, GError **error);
bool cpu_count_stores_on(struct machine_core *core, GError **error);
void cpu_hook_site(uc_engine *uc, uint64_t address, uint32_t size, void *user);

/* cpu.c */
/* The core's part of an instruction site (sites.c), before it runs. */
void cpu_on_site(struct machine *m, uint32_t pc, unsigned kinds);
uint32_t cpu_count_insns(struct machine *m, uint32_t start, uint32_t end);
void cpu_uncount_rest_of_block(struct machine *m, uint32_t pc);
/* The same when the instruction at pc did not run either (a debug stop). */
void cpu_uncount_from(struct machine *m, uint32_t pc);
uint32_t cpu_reg(struct machine *m, int reg);
/* n registers at once: for the masks, one change of mode (core.c). */
void cpu_regs(struct machine *m, const int *regs, uint32_t *v, unsigned n);
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
/* A word register of the window, whichever of them has it (cpu.c). */
uint32_t scs_read_reg(struct machine *m, uint32_t off, bool *handled);
bool scs_write_reg(struct machine *m, uint32_t off, uint32_t v);
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
/* The same with the bypass given rather than read from the core. */
unsigned mpu_perms_in_view(struct machine *m, uint32_t addr, bool privileged, bool bypass);
/* For a whole 1 KiB page; *split: a region finer than a page cuts it. */
unsigned mpu_page_perms(struct machine *m, uint32_t page, bool priv, bool bypass, bool *split);
/* The execution priority is below 0 and the MPU does not apply. */
bool mpu_bypassed(struct machine *m);

/* sites.c */
void sites_init(struct machine *m);
void sites_free(struct machine *m);
/* Rescans flash [addr, addr + len) and updates the sites' hooks. */
bool sites_rescan(struct machine *m, uint32_t addr, uint32_t len, GError **error);
/* SITE_* bits of m's instruction at addr, 0 when none. */
unsigned sites_kinds(const struct machine *m, uint32_t addr);
/* Counts the instructions of the flash block [pc, end) into *insns and
 * tells whether each of its instructions that is a site is hooked; those
 * that are not are marked wanted. */
bool sites_check_block(struct machine *m, uint32_t pc, uint32_t end, uint32_t *insns);
/* Hooks the sites marked wanted (between runs). */
void sites_hook_wanted(struct machine *m);
/* SITE_* bits for an instruction, given the two halfwords before it. */
unsigned sites_kinds_at(uint16_t prev2, uint16_t prev, uint16_t hw1, uint16_t hw2);

/* jit.c (per core) */
void jit_flush(struct machine_core *core);
/* Flushes translated code past its bound; call between runs. */
void jit_bound(struct machine_core *core);
size_t jit_used_bytes(const struct machine_core *core);
/* A run stops past this much translated code (jit.c). */
#define JIT_STOP_AT (CPU_TCG_BUFFER_BYTES / 8 * 7)
static inline bool jit_nearly_full(const struct machine_core *core)
{
    return core->jit_low && core->jit_high - core->jit_low >= JIT_STOP_AT;
}
/* From the block hook, called from the block's own code. */
static inline void jit_note_code(struct machine_core *core, uintptr_t host_pc)
{
    if (!core->jit_low)
        core->jit_low = host_pc;
    if (host_pc > core->jit_high)
        core->jit_high = host_pc;
}

/* debug_port.c, debug_break.c, debug_watch.c: the debug port's part of
 * the run loop (debug_internal.h has the port's own state). */
enum {
    DBG_RUN_FREE_FIRST = 1u << 0, /* the next run resumes a block a debug stop
                                     cut: it runs as if never stopped */
    DBG_RUN_STEP = 1u << 1,       /* this run is a debug step (budget 1: it
                                     ends at the next block, if not before) */
};
void debug_hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user);
/* machine.c: a reset now, outside a run (the debug port's). */
void machine_reset_now(struct machine *m, uint32_t cause);

/* tlb.c */
/* The code pool page + 1 flash address addr is fetched from, or 0 when it
 * is not (yet) fetched from the pool (called before every block). */
static inline uint16_t tlb_code_page(const struct machine *m, uint32_t addr)
{
    if (addr >= FLASH_SIZE || !m->code_map || m->code_map_gen != m->core->pool_gen)
        return 0;
    return m->code_map[addr / CODE_POOL_PAGE];
}
bool tlb_init(struct machine_core *core, GError **error);
/* Flash [addr, addr+len) of m changed: its fetches map new content. */
void tlb_flash_changed(struct machine *m, uint32_t addr, uint32_t len);
/* Flushes the TLB if the MPU or the view changed, dropping translated code
 * that is no longer executable; call before every run. */
void tlb_sync(struct machine *m);
enum tlb_outcome {
    TLB_FAULT,   /* *fault is the MemManage or BusFault to raise */
    TLB_STEPPED, /* the access was allowed and its instruction ran (*err) */
};
/* After a run that returned UC_ERR_EXCEPTION with m->denial set. */
enum tlb_outcome tlb_resolve_denial(struct machine *m, struct pending_fault *fault, uc_err *err);


#endif
