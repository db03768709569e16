/* emu/crypto.c: CRYPTO, the optional AES / SHA-256 / GCM / P-256 / RSA
 * engine (docs/hardware.md#crypto), present only on the lamp variant that
 * has it (machine_config.crypto_engine; SYSCTL FEATURES bit 2).  Two ways
 * to start work: the argument registers and CMD, one command per write
 * (the interface of the first firmware, kept as it was), or DESC, the
 * address of a chain of command descriptors in SRAM run with one write:
 * every register access is an exit from the guest's generated code, so a
 * TLS record or a hash update should cost one.  The engine reads inputs
 * by DMA at once, does the arithmetic on the host (crypto_cmd.c,
 * crypto_host*.c), and writes results by DMA when the operation is done:
 * at once for AES, GCM and SHA-256, after a modelled time for the
 * public-key operations, during which the lamp can sleep in WFI. */
#include "periph.h"
#include "crypto_cmd.h"

#include <string.h>

#define ARG_WORDS (sizeof(struct crypto_args) / 4)

struct crypto {
    struct machine *m;
    struct crypto_cmd_env env;
    uint32_t ctrl, status, errcode, result;
    uint32_t reg[ARG_WORDS]; /* SRC..TAGLEN, in struct crypto_args order */
    /* The running chain: the descriptor being run (or the last one run),
     * what follows it, and how many more the chain may run. */
    uint32_t desc, desc_next, chain_left;
    bool running_desc;            /* the command in progress came from a descriptor */
    struct machine_timer *done_timer;
    struct crypto_cmd_done done;  /* a public-key result waiting for its time */
    uint64_t ops;
};

static void update_irq(struct crypto *c)
{
    machine_irq_set(c->m, IRQ_CRYPTO,
                    (c->ctrl & CRYPTO_CTRL_IE) &&
                        (c->status & (CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR)));
}

static void finish(struct crypto *c, uint32_t err)
{
    c->status &= ~CRYPTO_STATUS_BUSY;
    if (err) {
        c->errcode = err;
        c->status |= CRYPTO_STATUS_ERR;
    } else {
        c->status |= CRYPTO_STATUS_DONE;
    }
    update_irq(c);
}

/* Clears the last outcome for a new start; false (and nothing changes)
 * while the engine is busy. */
static bool may_start(struct crypto *c)
{
    if (c->status & CRYPTO_STATUS_BUSY)
        return false;
    c->status = 0;
    c->errcode = c->result = 0;
    return true;
}

static void wait_for_done(struct crypto *c)
{
    c->status = CRYPTO_STATUS_BUSY;
    update_irq(c);
    machine_timer_arm(c->done_timer, machine_now_ns(c->m) + c->done.time_ns);
}

/* --- the register interface --- */

static struct crypto_args reg_args(const struct crypto *c)
{
    struct crypto_args a;
    memcpy(&a, c->reg, sizeof(a));
    return a;
}

static void start_cmd(struct crypto *c, uint32_t cmd)
{
    if (!may_start(c)) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: CMD %u written while busy: ignored",
                    cmd);
        return;
    }
    c->ops++;
    c->running_desc = false;
    struct crypto_args a = reg_args(c);
    uint32_t err = crypto_cmd_run(&c->env, cmd, &a, &c->done);
    if (!err && c->done.time_ns) {
        wait_for_done(c);
        return;
    }
    c->result = c->done.result;
    finish(c, err);
}

/* --- descriptors --- */

static uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

/* Descriptor at addr into *d, or an error code (logged). */
static uint32_t read_desc(struct crypto *c, uint32_t addr, struct crypto_desc *d)
{
    const uint8_t *p = addr % 4 ? NULL : machine_sram_range(c->m, addr, sizeof(*d));

    if (!p) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                    "crypto: descriptor 0x%08x is not a word-aligned 64-byte block in SRAM", addr);
        return CRYPTO_ERR_ADDR;
    }
    uint32_t *w = (uint32_t *)d;
    for (size_t i = 0; i < sizeof(*d) / 4; i++)
        w[i] = le32(p + 4 * i);
    return 0;
}

/* The engine's write-back into the descriptor it has finished with
 * (read_desc has checked it lies in SRAM). */
static void write_back(struct crypto *c, uint32_t addr, uint32_t err, uint32_t result)
{
    uint8_t *p = machine_sram_range_rw(c->m, addr, sizeof(struct crypto_desc));
    uint32_t status = GUINT32_TO_LE(CRYPTO_DESC_DONE | err), result_le = GUINT32_TO_LE(result);

    memcpy(p + offsetof(struct crypto_desc, status), &status, 4);
    memcpy(p + offsetof(struct crypto_desc, result), &result_le, 4);
    c->result = result;
}

/* Runs descriptors from addr on until one needs time (the timer goes on
 * from there), one fails (ERR; the chain stops there) or the chain ends
 * (DONE). */
static void run_chain(struct crypto *c, uint32_t addr)
{
    while (addr) {
        struct crypto_desc d;
        uint32_t err;

        c->desc = addr;
        if ((err = read_desc(c, addr, &d))) {
            finish(c, err);
            return;
        }
        if (!c->chain_left--) {
            machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                        "crypto: chain longer than %u descriptors (does it loop?): stopped at "
                        "0x%08x", CRYPTO_CHAIN_MAX, addr);
            write_back(c, addr, CRYPTO_ERR_LEN, 0);
            finish(c, CRYPTO_ERR_LEN);
            return;
        }
        c->ops++;
        err = crypto_cmd_run(&c->env, d.cmd, &d.args, &c->done);
        if (!err && c->done.time_ns) {
            c->desc_next = d.next;
            wait_for_done(c);
            return;
        }
        write_back(c, addr, err, c->done.result);
        if (err) {
            finish(c, err);
            return;
        }
        addr = d.next;
    }
    finish(c, 0);
}

static void start_chain(struct crypto *c, uint32_t addr)
{
    if (!may_start(c)) {
        machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                    "crypto: DESC 0x%08x written while busy: ignored", addr);
        return;
    }
    c->running_desc = true;
    c->chain_left = CRYPTO_CHAIN_MAX;
    run_chain(c, addr);
}

/* A public-key command's time is up. */
static void done_timer_fired(void *opaque)
{
    struct crypto *c = opaque;

    /* Checked when the command started; SRAM does not move.  A verify
     * writes nothing (its answer is RESULT). */
    if (c->done.out_len)
        memcpy(machine_sram_range_rw(c->m, c->done.out_addr, c->done.out_len), c->done.out,
               c->done.out_len);
    if (!c->running_desc) {
        c->result = c->done.result;
        finish(c, 0);
        return;
    }
    write_back(c, c->desc, 0, c->done.result);
    run_chain(c, c->desc_next);
}

static void *crypto_new(struct machine *m, GError **error)
{
    struct crypto *c = g_new0(struct crypto, 1);
    c->m = m;
    c->env = (struct crypto_cmd_env){ .m = m, .aes = crypto_host_aes_new() };
    c->done_timer = machine_timer_new(m, done_timer_fired, c);
    return c;
}

static bool is_arg(uint32_t offset)
{
    return offset >= CRYPTO_REG_SRC && offset <= CRYPTO_REG_TAGLEN && offset % 4 == 0;
}

static uint32_t crypto_read(void *opaque, uint32_t offset, unsigned size)
{
    struct crypto *c = opaque;

    switch (offset) {
    case CRYPTO_REG_ID: return CRYPTO_ID_VALUE;
    case CRYPTO_REG_CTRL: return c->ctrl;
    case CRYPTO_REG_STATUS: return c->status;
    case CRYPTO_REG_ERRCODE: return c->errcode;
    case CRYPTO_REG_RESULT: return c->result;
    case CRYPTO_REG_DESC: return c->desc;
    }
    if (is_arg(offset))
        return c->reg[(offset - CRYPTO_REG_SRC) / 4];
    machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: read of 0x%03x", offset);
    return 0;
}

static void crypto_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct crypto *c = opaque;

    switch (offset) {
    case CRYPTO_REG_CTRL:
        c->ctrl = value & CRYPTO_CTRL_IE;
        update_irq(c);
        return;
    case CRYPTO_REG_CLR:
        c->status &= ~(value & (CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR));
        update_irq(c);
        return;
    case CRYPTO_REG_CMD:
        start_cmd(c, value);
        return;
    case CRYPTO_REG_DESC:
        start_chain(c, value);
        return;
    }
    if (is_arg(offset)) {
        if ((c->status & CRYPTO_STATUS_BUSY) && !c->running_desc)
            machine_log(c->m, MACHINE_LOG_GUEST_ERROR,
                        "crypto: argument 0x%03x changed while busy (the running command "
                        "already read its inputs)", offset);
        c->reg[(offset - CRYPTO_REG_SRC) / 4] = value;
        return;
    }
    machine_log(c->m, MACHINE_LOG_GUEST_ERROR, "crypto: write to 0x%03x", offset);
}

static void crypto_reset(void *opaque, uint32_t cause)
{
    struct crypto *c = opaque;

    machine_timer_cancel(c->done_timer);
    c->ctrl = c->status = c->errcode = c->result = 0;
    c->desc = c->desc_next = c->chain_left = 0;
    c->running_desc = false;
    memset(c->reg, 0, sizeof(c->reg));
    memset(&c->done, 0, sizeof(c->done));
    crypto_host_aes_forget(c->env.aes);
    machine_irq_set(c->m, IRQ_CRYPTO, false);
}

uint64_t crypto_op_count(void *opaque) { return ((struct crypto *)opaque)->ops; }

static void crypto_free(void *opaque)
{
    struct crypto *c = opaque;
    machine_timer_free(c->done_timer);
    crypto_cmd_env_free(&c->env);
    g_free(c);
}

const struct periph_ops crypto_ops = {
    .create = crypto_new,
    .name = "crypto", .read = crypto_read, .write = crypto_write, .reset = crypto_reset,
    .free = crypto_free,
};
