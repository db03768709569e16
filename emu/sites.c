/* emu/sites.c: the instruction sites the core must see before they run.
 *
 * Unicorn runs WFI by halting its vCPU until the host stops it, runs SEV as
 * a NOP, returns 0 for a division by zero and ignores CPACR, and knows
 * nothing of our NVIC, so the core acts itself before those instructions
 * (cpu.c, cpu_on_site) and at barriers, where what an earlier register
 * write requested (a pending exception, a reset) must have happened:
 * between those, a request takes effect at the next translation block, as
 * in QEMU.  (Right after an instruction that may unmask an exception or
 * change the privilege level, CPSIE, CPSID f, MSR to a mask register or
 * CONTROL, QEMU always starts a new block: the block hook checks there.)
 *
 * Such an instruction gets a Unicorn code hook of its own (one per address
 * on a core, whichever of its machines has a site there): code elsewhere
 * runs with no per-instruction callback, which keeps translated code small
 * and fast (docs/emulator.md).  Scanning flash finds candidates at every
 * halfword, most of them in data or inside other instructions (a soft-float
 * firmware's flash holds hundreds of "FP instructions"), and Unicorn walks
 * every code hook of the engine each time any one of them fires.  So a
 * candidate is hooked only once a block about to run is seen to hold it at
 * one of its instruction boundaries (sites_check_block, from the block
 * hook): that block is stopped before it runs, the site hooked, and the
 * block translated again with the hook's call.  Code running from SRAM is
 * not scanned; one hook over SRAM decodes it as it runs (only RAM code
 * pays). */
#include "machine_internal.h"
#include "thumb.h"

#include <string.h>

static uint16_t flash16(const struct machine *m, uint32_t addr)
{
    uint16_t v = 0xFFFF;

    if (addr + 2 <= FLASH_SIZE)
        memcpy(&v, m->flash + addr, 2);
    return v;
}

/* Kinds of the instruction at a, given the one or two halfwords before it
 * (for the "after" sites). */
unsigned sites_kinds_at(uint16_t prev2, uint16_t prev, uint16_t hw1, uint16_t hw2)
{
    unsigned k = 0;

    if (thumb_is_hint_of_interest(hw1))
        k |= SITE_HINT;
    if (thumb_is_div(hw1, hw2))
        k |= SITE_DIV;
    if (thumb_is_fp(hw1, hw2))
        k |= SITE_FP;
    if (thumb_is_dsb_isb(hw1, hw2))
        k |= SITE_BARRIER;
    if (thumb_is_cpsie(prev) || thumb_is_cpsid_f(prev) || thumb_is_msr_mask_or_control(prev2, prev))
        k |= SITE_AFTER_MASK;
    return k;
}

static gint by_addr(gconstpointer a, gconstpointer b)
{
    const struct machine_site *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Drops m's sites in [start, end). */
static void drop_range(struct machine *m, uint32_t start, uint32_t end)
{
    GArray *v = m->sites;

    for (guint i = 0; i < v->len;) {
        struct machine_site *s = &g_array_index(v, struct machine_site, i);
        if (s->addr >= start && s->addr < end) {
            if (s->hooked)
                core_site_unref(m->core, m, s->addr);
            m->sites_wanted -= s->wanted;
            g_array_remove_index(v, i);
        } else {
            i++;
        }
    }
}

/* Erased flash (all 0xFF) holds no instruction of interest; pages the
 * lamp's memory knows to be erased are not even read (guest_mem.h).  The
 * candidates found are hooked when they are about to run. */
bool sites_rescan(struct machine *m, uint32_t addr, uint32_t len, GError **error)
{
    uint32_t start = addr & ~1u, end = MIN((uint64_t)addr + len + 4, FLASH_SIZE);

    (void)error;
    if (start >= FLASH_SIZE)
        return true;
    drop_range(m, start, end);
    for (uint32_t a = start; a < end; a += 2) {
        if (!guest_mem_page_written(m->mem, GUEST_MEM_FLASH_OFF + a)) {
            a = (a | (GUEST_MEM_PAGE - 1)) - 1;
            continue;
        }
        uint16_t hw1 = flash16(m, a), hw2 = flash16(m, a + 2);
        /* after a mask change: the block hook (QEMU ends the block there) */
        unsigned k = sites_kinds_at(0, 0, hw1, hw2) & ~SITE_AFTER_MASK;
        if (!k)
            continue;
        struct machine_site site = { .addr = a, .kinds = (uint8_t)k };
        g_array_append_val(m->sites, site);
    }
    g_array_sort(m->sites, by_addr);
    return true;
}

/* The first of m's sites at or after addr. */
static guint first_site_from(const struct machine *m, uint32_t addr)
{
    const struct machine_site *v = (const struct machine_site *)(void *)m->sites->data;
    guint lo = 0, hi = m->sites->len;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (v[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sites_check_block(struct machine *m, uint32_t pc, uint32_t end, uint32_t *insns)
{
    struct machine_site *v = (struct machine_site *)(void *)m->sites->data;
    guint i = first_site_from(m, pc);
    uint32_t n = 0;
    bool hooked = true;

    for (uint32_t a = pc; a < end; n++) {
        while (i < m->sites->len && v[i].addr < a)
            i++; /* inside an instruction: not one */
        if (i < m->sites->len && v[i].addr == a && !v[i].hooked && !v[i].wanted) {
            v[i].wanted = true;
            m->sites_wanted++;
        }
        if (i < m->sites->len && v[i].addr == a && !v[i].hooked)
            hooked = false;
        a += thumb_is_32bit(flash16(m, a)) ? 4 : 2;
    }
    *insns = n;
    return hooked;
}

void sites_hook_wanted(struct machine *m)
{
    struct machine_site *v = (struct machine_site *)(void *)m->sites->data;

    for (guint i = 0; m->sites_wanted && i < m->sites->len; i++) {
        g_autoptr(GError) error = NULL;
        if (!v[i].wanted)
            continue;
        v[i].wanted = false;
        m->sites_wanted--;
        /* Marked hooked either way: a block whose site cannot be hooked
         * must still run, and say so. */
        v[i].hooked = core_site_ref(m->core, m, v[i].addr, &error);
        if (!v[i].hooked) {
            machine_log(m, MACHINE_LOG_UNIMP, "instruction at 0x%08x runs without its "
                        "site check: %s", v[i].addr, error->message);
            v[i].kinds = 0;
            v[i].hooked = true;
        }
    }
}

unsigned sites_kinds(const struct machine *m, uint32_t addr)
{
    const struct machine_site *v = (const struct machine_site *)(void *)m->sites->data;
    guint lo = 0, hi = m->sites->len;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (v[mid].addr == addr)
            return v[mid].kinds;
        if (v[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void sites_init(struct machine *m)
{
    m->sites = g_array_new(FALSE, FALSE, sizeof(struct machine_site));
}

void sites_free(struct machine *m)
{
    if (!m->sites)
        return;
    if (m->core)
        for (guint i = 0; i < m->sites->len; i++)
            if (g_array_index(m->sites, struct machine_site, i).hooked)
                core_site_unref(m->core, m, g_array_index(m->sites, struct machine_site, i).addr);
    g_array_unref(m->sites);
    m->sites = NULL;
}
