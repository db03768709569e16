/* emu/sites.c: the instruction sites the core must see before they run.
 *
 * Unicorn runs WFI by halting its vCPU until the host stops it, runs SEV as
 * a NOP, returns 0 for a division by zero and ignores CPACR, and knows
 * nothing of our NVIC, so the core acts itself before those instructions
 * (cpu.c, cpu_on_site), right after the ones that may unmask an
 * exception or change the privilege level or the execution priority
 * (CPSIE, CPSID f, MSR to a mask register or CONTROL), and at barriers,
 * where what an earlier register write requested (a pending exception, a
 * reset) must have happened: between those, a request takes effect at the
 * next translation block, as in QEMU.  Every such address
 * in flash gets a Unicorn code hook of its own, found by scanning flash when
 * it changes (one hook per address on a core, whichever of its machines
 * has a site there): code elsewhere runs with no per-instruction callback,
 * which keeps translated code small and fast (docs/emulator.md).  Code
 * running from SRAM is not scanned; one hook over SRAM decodes it as it
 * runs (only RAM code pays). */
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
            core_site_unref(m->core, m, s->addr);
            g_array_remove_index(v, i);
        } else {
            i++;
        }
    }
}

/* Erased flash (all 0xFF) holds no instruction of interest; pages the
 * lamp's memory knows to be erased are not even read (guest_mem.h). */
bool sites_rescan(struct machine *m, uint32_t addr, uint32_t len, GError **error)
{
    uint32_t start = addr & ~1u, end = MIN((uint64_t)addr + len + 4, FLASH_SIZE);

    if (start >= FLASH_SIZE)
        return true;
    drop_range(m, start, end);
    for (uint32_t a = start; a < end; a += 2) {
        if (!guest_mem_page_written(m->mem, GUEST_MEM_FLASH_OFF + a)) {
            a = (a | (GUEST_MEM_PAGE - 1)) - 1;
            continue;
        }
        uint16_t hw1 = flash16(m, a), hw2 = flash16(m, a + 2);
        uint16_t prev = a >= 2 ? flash16(m, a - 2) : 0, prev2 = a >= 4 ? flash16(m, a - 4) : 0;
        unsigned k = sites_kinds_at(prev2, prev, hw1, hw2);
        if (!k)
            continue;
        if (!core_site_ref(m->core, m, a, error))
            return false;
        struct machine_site site = { a, (uint8_t)k };
        g_array_append_val(m->sites, site);
    }
    g_array_sort(m->sites, by_addr);
    return true;
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
            core_site_unref(m->core, m, g_array_index(m->sites, struct machine_site, i).addr);
    g_array_unref(m->sites);
    m->sites = NULL;
}
