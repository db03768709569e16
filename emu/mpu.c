/* emu/mpu.c: the PMSAv7 MPU (ARMv7-M ARM B3.5): registers, the permission
 * check, and its projection onto Unicorn's 1 KiB page protections. */
#include "machine_internal.h"

#include <string.h>

enum { MPU_TYPE = 0xD90, MPU_CTRL = 0xD94, MPU_RNR = 0xD98, MPU_RBAR = 0xD9C,
       MPU_RASR = 0xDA0, MPU_ALIAS_END = 0xDBC };
#define CTRL_ENABLE 1u
#define CTRL_HFNMIENA 2u
#define CTRL_PRIVDEFENA 4u
#define PAGE 1024u
#define DUMMY_PAGE 0x60000000u

/* The tracked areas: everything mapped that the MPU can restrict. */
static const struct { uint32_t base, size; } areas[] = {
    { FLASH_BASE, FLASH_SIZE }, { OTP_BASE, OTP_SIZE }, { SRAM_BASE, SRAM_SIZE },
    { PERIPH_BASE, PERIPH_WINDOWS * PERIPH_WINDOW }, { SCS_BASE, SCS_SIZE },
};
#define NPAGES ((FLASH_SIZE + OTP_SIZE + SRAM_SIZE + PERIPH_WINDOWS * PERIPH_WINDOW + SCS_SIZE) / PAGE)

/* ARMv7-M default memory map, B3.1: XN outside code, SRAM and RAM. */
static unsigned default_map(uint32_t addr)
{
    if (addr < 0x40000000u || (addr >= 0x60000000u && addr < 0xA0000000u))
        return UC_PROT_ALL;
    return UC_PROT_READ | UC_PROT_WRITE;
}

static unsigned ap_perms(unsigned ap, bool priv)
{
    switch (ap) {
    case 1: return priv ? UC_PROT_READ | UC_PROT_WRITE : 0;
    case 2: return priv ? UC_PROT_READ | UC_PROT_WRITE : UC_PROT_READ;
    case 3: return UC_PROT_READ | UC_PROT_WRITE;
    case 5: return priv ? UC_PROT_READ : 0;
    case 6: case 7: return UC_PROT_READ;
    default: return 0; /* 0: no access; 4: reserved */
    }
}

/* The regions alone; bypass is true when the MPU does not apply at the
 * current execution priority. */
static unsigned regions_perms(struct machine *m, uint32_t addr, bool priv, bool bypass)
{
    /* The Private Peripheral Bus always uses the default map (B3.5.1). */
    if (bypass || !(m->mpu_ctrl & CTRL_ENABLE) || (addr >= 0xE0000000u && addr < 0xE0100000u))
        return default_map(addr);
    for (int r = 7; r >= 0; r--) {
        uint32_t rasr = m->mpu[r].rasr;
        if (!(rasr & 1))
            continue;
        unsigned size_log2 = ((rasr >> 1) & 0x1F) + 1;
        uint64_t size = 1ull << size_log2;
        uint32_t base = m->mpu[r].rbar & ~(uint32_t)(size - 1) & ~0x1Fu;
        if (addr < base || (uint64_t)addr >= base + size)
            continue;
        /* Sub-regions exist for regions of 256 bytes or more. */
        if (size_log2 >= 8) {
            unsigned sub = (unsigned)((addr - base) / (size / 8));
            if (rasr & (1u << (8 + sub)))
                continue;
        }
        unsigned p = ap_perms((rasr >> 24) & 7, priv);
        if (!(rasr & (1u << 28)) && (p & UC_PROT_READ))
            p |= UC_PROT_EXEC;
        /* Execute never applies in the system and device ranges anyway. */
        return p & (default_map(addr) | UC_PROT_READ | UC_PROT_WRITE);
    }
    if (priv && (m->mpu_ctrl & CTRL_PRIVDEFENA))
        return default_map(addr);
    return 0;
}

/* HardFault, NMI and FAULTMASK run without the MPU unless HFNMIENA. */
static bool mpu_bypassed(struct machine *m)
{
    return (m->mpu_ctrl & CTRL_ENABLE) && !(m->mpu_ctrl & CTRL_HFNMIENA) &&
           exc_execution_priority(m) < 0;
}

unsigned mpu_perms(struct machine *m, uint32_t addr, bool priv)
{
    return regions_perms(m, addr, priv, mpu_bypassed(m));
}

/* Does an enabled region with a boundary finer than a page (a region or
 * enabled sub-region pattern below 1 KiB) overlap [page, page + PAGE)? */
static bool page_split_by_region(struct machine *m, uint32_t page)
{
    for (int r = 0; r < 8; r++) {
        uint32_t rasr = m->mpu[r].rasr;
        if (!(rasr & 1))
            continue;
        unsigned size_log2 = ((rasr >> 1) & 0x1F) + 1;
        uint64_t size = 1ull << size_log2, grain = size;
        uint32_t base = m->mpu[r].rbar & ~(uint32_t)(size - 1) & ~0x1Fu;
        if (size_log2 >= 8 && (rasr & 0xFF00))
            grain = size / 8;
        if (grain >= PAGE)
            continue;
        if ((uint64_t)page < base + size && page + PAGE > base)
            return true;
    }
    return false;
}

unsigned memory_kind_perms(uint32_t addr)
{
    if (addr < FLASH_SIZE)
        return UC_PROT_READ | UC_PROT_EXEC;
    if (addr >= OTP_BASE && addr < OTP_BASE + OTP_SIZE)
        return UC_PROT_READ;
    if (addr >= SRAM_BASE && addr < SRAM_BASE + SRAM_SIZE)
        return UC_PROT_ALL;
    return UC_PROT_READ | UC_PROT_WRITE;
}

/* A page gets what every 32-byte piece of it allows; accesses the page
 * forbids but the MPU allows are let through one by one by the PROT hook.
 * Region and sub-region boundaries of 1 KiB or more fall on page
 * boundaries, so only pages that a finer region overlaps need the pieces
 * (a sync of the whole map then costs tens of microseconds, not
 * milliseconds). */
static unsigned page_perms(struct machine *m, uint32_t page, bool priv, bool bypass)
{
    /* The SCS is for privileged code only (B3.2.1), MPU or not. */
    if (page >= SCS_BASE && page < SCS_BASE + SCS_SIZE)
        return priv ? UC_PROT_READ | UC_PROT_WRITE : 0;
    unsigned p = memory_kind_perms(page);
    if (bypass || !(m->mpu_ctrl & CTRL_ENABLE) || !page_split_by_region(m, page))
        return p & regions_perms(m, page, priv, bypass);
    for (uint32_t a = page; a < page + PAGE && p; a += 32)
        p &= regions_perms(m, a, priv, bypass);
    return p;
}

/* Peripheral windows without a model (the engine on the basic variant,
 * the spare ones) are unmapped: there is nothing to protect. */
static bool page_mapped(const struct machine *m, uint32_t page)
{
    if (page < PERIPH_BASE || page >= PERIPH_BASE + PERIPH_WINDOWS * PERIPH_WINDOW)
        return true;
    for (unsigned i = 0; i < m->nperiphs; i++)
        if ((page & ~(PERIPH_WINDOW - 1)) == m->periphs[i].base)
            return true;
    return false;
}

void mpu_flush_tlb(struct machine *m)
{
    /* Unicorn checks protections only when it fills its TLB; mapping and
     * unmapping a page is the way its API offers to flush it. */
    uc_mem_map(m->uc, DUMMY_PAGE, PAGE, UC_PROT_READ);
    uc_mem_unmap(m->uc, DUMMY_PAGE, PAGE);
    m->tlb_flush_needed = false;
}

void mpu_sync_protections(struct machine *m)
{
    if (m->tlb_flush_needed)
        mpu_flush_tlb(m);
    bool priv = cpu_privileged(m);
    bool changed = false, bypass;
    size_t idx = 0;

    if (!m->mpu_dirty && priv == m->prot_privileged)
        return;
    bypass = mpu_bypassed(m);
    if (!m->page_perm) {
        m->page_perm = g_malloc(NPAGES);
        for (size_t a = 0, i = 0; a < G_N_ELEMENTS(areas); a++)
            for (uint32_t off = 0; off < areas[a].size; off += PAGE)
                m->page_perm[i++] = (uint8_t)memory_kind_perms(areas[a].base + off);
    }
    for (size_t a = 0; a < G_N_ELEMENTS(areas); a++) {
        uint32_t npages = areas[a].size / PAGE;
        uint8_t *cur = m->page_perm + idx;

        /* Apply changed pages in runs of equal new permissions, so the
         * regions Unicorn splits stay few. */
        for (uint32_t i = 0; i < npages;) {
            unsigned p = page_perms(m, areas[a].base + i * PAGE, priv, bypass);
            uint32_t j = i + 1;

            if (p == cur[i] || !page_mapped(m, areas[a].base + i * PAGE)) {
                i++;
                continue;
            }
            while (j < npages && cur[j] != p && page_mapped(m, areas[a].base + j * PAGE) &&
                   page_perms(m, areas[a].base + j * PAGE, priv, bypass) == p)
                j++;
            /* Translated code is found again without a permission check,
             * so code on pages that lose EXEC is dropped (Unicorn checks
             * UC_PROT_EXEC only when it translates). */
            for (uint32_t k = i; k < j; k++) {
                if ((cur[k] & UC_PROT_EXEC) && !(p & UC_PROT_EXEC)) {
                    uc_ctl_remove_cache(m->uc, areas[a].base + i * PAGE,
                                        (uint64_t)areas[a].base + j * PAGE);
                    break;
                }
            }
            uc_err err = uc_mem_protect(m->uc, areas[a].base + i * PAGE, (j - i) * PAGE, p);
            if (err != UC_ERR_OK)
                machine_log(m, MACHINE_LOG_UNIMP,
                            "MPU: page protection of 0x%08x..0x%08x not applied: %s",
                            areas[a].base + i * PAGE, areas[a].base + j * PAGE - 1,
                            uc_strerror(err));
            memset(cur + i, (int)p, j - i);
            changed = true;
            i = j;
        }
        idx += npages;
    }
    if (changed)
        mpu_flush_tlb(m);
    m->mpu_dirty = false;
    m->prot_privileged = priv;
}

void mpu_reset(struct machine *m)
{
    m->mpu_ctrl = 0;
    m->mpu_rnr = 0;
    memset(m->mpu, 0, sizeof(m->mpu));
    m->mpu_dirty = true;
}

uint32_t mpu_read(struct machine *m, uint32_t off, bool *handled)
{
    *handled = true;
    if (off == MPU_TYPE)
        return 8u << 8;
    if (off == MPU_CTRL)
        return m->mpu_ctrl;
    if (off == MPU_RNR)
        return m->mpu_rnr;
    if (off >= MPU_RBAR && off < MPU_ALIAS_END) {
        if (((off - MPU_RBAR) & 4) == 0)
            return (m->mpu[m->mpu_rnr].rbar & ~0x1Fu) | m->mpu_rnr;
        return m->mpu[m->mpu_rnr].rasr;
    }
    *handled = false;
    return 0;
}

bool mpu_write(struct machine *m, uint32_t off, uint32_t v)
{
    if (off == MPU_TYPE)
        return true;
    if (off == MPU_CTRL) {
        m->mpu_ctrl = v & 7;
        m->mpu_dirty = true;
        return true;
    }
    if (off == MPU_RNR) {
        m->mpu_rnr = v & 7;
        return true;
    }
    if (off >= MPU_RBAR && off < MPU_ALIAS_END) {
        if (((off - MPU_RBAR) & 4) == 0) {
            if (v & 0x10)       /* VALID: select the region in the write */
                m->mpu_rnr = v & 7;
            m->mpu[m->mpu_rnr].rbar = v & ~0x1Fu;
        } else {
            if ((v & 1) && ((v >> 1) & 0x1F) < 4)
                machine_log(m, MACHINE_LOG_GUEST_ERROR,
                            "MPU region %u: SIZE field %u is below the 32-byte minimum",
                            m->mpu_rnr, (v >> 1) & 0x1F);
            m->mpu[m->mpu_rnr].rasr = v & 0x173FFF3Fu;
        }
        m->mpu_dirty = true;
        return true;
    }
    return false;
}
