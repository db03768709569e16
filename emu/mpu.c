/* emu/mpu.c: the PMSAv7 MPU (ARMv7-M ARM B3.5): registers and the
 * permission check.  tlb.c applies it to the CPU's accesses. */
#include "machine_internal.h"

#include <string.h>

#define PAGE 1024u /* Unicorn's ARM page, what its TLB caches */

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
    case MPU_AP_PRIV_RW: return priv ? UC_PROT_READ | UC_PROT_WRITE : 0;
    case MPU_AP_PRIV_RW_USER_RO: return priv ? UC_PROT_READ | UC_PROT_WRITE : UC_PROT_READ;
    case MPU_AP_RW: return UC_PROT_READ | UC_PROT_WRITE;
    case MPU_AP_PRIV_RO: return priv ? UC_PROT_READ : 0;
    case MPU_AP_RO: case MPU_AP_RO_ALT: return UC_PROT_READ;
    default: return 0; /* MPU_AP_NONE; 4: reserved */
    }
}

/* The regions alone; bypass is true when the MPU does not apply at the
 * current execution priority. */
static unsigned regions_perms(struct machine *m, uint32_t addr, bool priv, bool bypass)
{
    /* The Private Peripheral Bus always uses the default map (B3.5.1). */
    if (bypass || !(m->mpu_ctrl & MPU_CTRL_ENABLE) || (addr >= 0xE0000000u && addr < 0xE0100000u))
        return default_map(addr);
    for (int r = MPU_REGIONS - 1; r >= 0; r--) {
        uint32_t rasr = m->mpu[r].rasr;
        if (!(rasr & MPU_RASR_ENABLE))
            continue;
        unsigned size_log2 = ((rasr >> MPU_RASR_SIZE_SHIFT) & MPU_RASR_SIZE_MASK) + 1;
        uint64_t size = 1ull << size_log2;
        uint32_t base = m->mpu[r].rbar & ~(uint32_t)(size - 1) & ~0x1Fu;
        if (addr < base || (uint64_t)addr >= base + size)
            continue;
        /* Sub-regions exist for regions of 256 bytes or more. */
        if (size_log2 >= 8) {
            unsigned sub = (unsigned)((addr - base) / (size / 8));
            if (rasr & (1u << (MPU_RASR_SRD_SHIFT + sub)))
                continue;
        }
        unsigned p = ap_perms((rasr >> MPU_RASR_AP_SHIFT) & MPU_RASR_AP_MASK, priv);
        if (!(rasr & MPU_RASR_XN) && (p & UC_PROT_READ))
            p |= UC_PROT_EXEC;
        /* Execute never applies in the system and device ranges anyway. */
        return p & (default_map(addr) | UC_PROT_READ | UC_PROT_WRITE);
    }
    if (priv && (m->mpu_ctrl & MPU_CTRL_PRIVDEFENA))
        return default_map(addr);
    return 0;
}

/* HardFault, NMI and FAULTMASK run without the MPU unless HFNMIENA. */
bool mpu_bypassed(struct machine *m)
{
    return (m->mpu_ctrl & MPU_CTRL_ENABLE) && !(m->mpu_ctrl & MPU_CTRL_HFNMIENA) &&
           exc_execution_priority(m) < 0;
}

unsigned mpu_perms(struct machine *m, uint32_t addr, bool priv)
{
    return regions_perms(m, addr, priv, mpu_bypassed(m));
}

unsigned mpu_perms_in_view(struct machine *m, uint32_t addr, bool priv, bool bypass)
{
    return regions_perms(m, addr, priv, bypass);
}

/* Does an enabled region with a boundary finer than a page (a region or
 * enabled sub-region pattern below 1 KiB) overlap [page, page + PAGE)? */
static bool page_split_by_region(struct machine *m, uint32_t page)
{
    for (unsigned r = 0; r < MPU_REGIONS; r++) {
        uint32_t rasr = m->mpu[r].rasr;
        if (!(rasr & MPU_RASR_ENABLE))
            continue;
        unsigned size_log2 = ((rasr >> MPU_RASR_SIZE_SHIFT) & MPU_RASR_SIZE_MASK) + 1;
        uint64_t size = 1ull << size_log2, grain = size;
        uint32_t base = m->mpu[r].rbar & ~(uint32_t)(size - 1) & ~0x1Fu;
        if (size_log2 >= 8 && (rasr & (MPU_RASR_SRD_MASK << MPU_RASR_SRD_SHIFT)))
            grain = size / 8;
        if (grain >= PAGE)
            continue;
        if ((uint64_t)page < base + size && page + PAGE > base)
            return true;
    }
    return false;
}

/* What the MPU allows on a whole page for a view (privilege, bypass): the
 * strictest of its 32-byte pieces when a region finer than a page splits
 * it, which *split says.  Region and sub-region boundaries of 1 KiB or
 * more fall on page boundaries, so only such pages need the pieces. */
unsigned mpu_page_perms(struct machine *m, uint32_t page, bool priv, bool bypass, bool *split)
{
    unsigned p;

    *split = !bypass && (m->mpu_ctrl & MPU_CTRL_ENABLE) && page_split_by_region(m, page);
    if (!*split)
        return regions_perms(m, page, priv, bypass);
    p = UC_PROT_ALL;
    for (uint32_t a = page; a < page + PAGE && p; a += 32)
        p &= regions_perms(m, a, priv, bypass);
    return p;
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
    if (off == MPU_REG_TYPE)
        return MPU_REGIONS << 8; /* DREGION */
    if (off == MPU_REG_CTRL)
        return m->mpu_ctrl;
    if (off == MPU_REG_RNR)
        return m->mpu_rnr;
    if (off >= MPU_REG_RBAR && off < MPU_REG_ALIAS_END) {
        if (((off - MPU_REG_RBAR) & 4) == 0)
            return (m->mpu[m->mpu_rnr].rbar & ~0x1Fu) | m->mpu_rnr;
        return m->mpu[m->mpu_rnr].rasr;
    }
    *handled = false;
    return 0;
}

bool mpu_write(struct machine *m, uint32_t off, uint32_t v)
{
    if (off == MPU_REG_TYPE)
        return true;
    if (off == MPU_REG_CTRL) {
        m->mpu_ctrl = v & 7;
        m->mpu_dirty = true;
        return true;
    }
    if (off == MPU_REG_RNR) {
        m->mpu_rnr = v & 7;
        return true;
    }
    if (off >= MPU_REG_RBAR && off < MPU_REG_ALIAS_END) {
        if (((off - MPU_REG_RBAR) & 4) == 0) {
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
