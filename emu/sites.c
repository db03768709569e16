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
 * it changes: code elsewhere runs with no per-instruction callback at all,
 * which keeps translated code small and fast (docs/emulator.md).  Code
 * running from SRAM is not scanned; one hook over SRAM decodes it as it
 * runs (only RAM code pays). */
#include "machine_internal.h"
#include "thumb.h"

#include <string.h>

struct site {
    struct machine *m;
    uint32_t addr;
    uint8_t kinds;      /* SITE_* */
    uc_hook hook;
};

static void hook_site(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct site *s = user;

    cpu_on_site(s->m, (uint32_t)address, s->kinds);
    if (s->m->stop_for_events)
        uc_emu_stop(uc);
}

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
    const struct site *x = *(struct site *const *)a, *y = *(struct site *const *)b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void site_drop(struct machine *m, struct site *s)
{
    uc_hook_del(m->uc, s->hook);
    g_free(s);
}

/* Drops the sites in [start, end). */
static void drop_range(struct machine *m, uint32_t start, uint32_t end)
{
    GPtrArray *v = m->sites;

    for (guint i = 0; i < v->len;) {
        struct site *s = g_ptr_array_index(v, i);
        if (s->addr >= start && s->addr < end) {
            site_drop(m, s);
            g_ptr_array_remove_index(v, i);
        } else {
            i++;
        }
    }
}

static bool add_site(struct machine *m, uint32_t addr, unsigned kinds, GError **error)
{
    struct site *s = g_new0(struct site, 1);
    uc_err err;

    s->m = m;
    s->addr = addr;
    s->kinds = (uint8_t)kinds;
    err = uc_hook_add(m->uc, &s->hook, UC_HOOK_CODE, hook_site, s, addr, addr);
    if (err != UC_ERR_OK) {
        g_free(s);
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "instruction site 0x%08x: unicorn: %s", addr, uc_strerror(err));
        return false;
    }
    g_ptr_array_add(m->sites, s);
    return true;
}

/* Erased flash (all 0xFF) holds no instruction of interest; pages the
 * flash controller knows to be erased are not even read (they are kept
 * out of memory). */
#define ERASED_UNIT 4096u

bool sites_rescan(struct machine *m, uint32_t addr, uint32_t len, GError **error)
{
    uint32_t start = addr & ~1u, end = MIN((uint64_t)addr + len + 4, FLASH_SIZE);

    if (start >= FLASH_SIZE)
        return true;
    drop_range(m, start, end);
    for (uint32_t a = start; a < end; a += 2) {
        if (!flashctl_page_has_data(m->flashctl, a)) {
            a = (a | (ERASED_UNIT - 1)) - 1;
            continue;
        }
        uint16_t hw1 = flash16(m, a), hw2 = flash16(m, a + 2);
        uint16_t prev = a >= 2 ? flash16(m, a - 2) : 0, prev2 = a >= 4 ? flash16(m, a - 4) : 0;
        unsigned k = sites_kinds_at(prev2, prev, hw1, hw2);
        if (k && !add_site(m, a, k, error))
            return false;
    }
    g_ptr_array_sort(m->sites, by_addr);
    m->stats_sites = m->sites->len;
    return true;
}

void sites_init(struct machine *m)
{
    m->sites = g_ptr_array_new();
}

void sites_free(struct machine *m)
{
    if (!m->sites)
        return;
    for (guint i = 0; i < m->sites->len; i++)
        g_free(g_ptr_array_index(m->sites, i));
    g_ptr_array_unref(m->sites);
    m->sites = NULL;
}
