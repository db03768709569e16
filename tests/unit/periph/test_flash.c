/* tests/unit/periph/test_flash.c: FLASHCTL and its crash-safe store: NOR
 * rules, locking, write protection, OTP fuses, busy time, persistence,
 * damaged files, power cuts. */
#include "periph_harness.h"

#include <CUnit/Basic.h>
#include <string.h>

#define FC(off) (FLASHCTL_BASE + (off))
#define CR FC(0x00)
#define SR FC(0x04)
#define KEY FC(0x08)
#define ADDR FC(0x0C)
#define DATA FC(0x10)
#define CMD FC(0x14)
#define SRC FC(0x18)
#define WPSTART0 FC(0x20)
#define WPEND0 FC(0x24)
#define WPLOCK FC(0x40)
#define SR_BUSY 1u
#define SR_DONE 2u
#define SR_WPERR 0x10u
#define SR_PGERR 0x20u
#define SR_ADDRERR 0x40u
#define SR_LOCKERR 0x80u

static char *dir;
static struct machine *m;

static int setup(void)
{
    dir = bench_tmpdir();
    m = bench_machine_new(dir, 1, NULL);
    return m ? 0 : 1;
}

static int teardown(void)
{
    machine_free(m);
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

static void unlock(void)
{
    reg_write(m, KEY, 0x45670123);
    reg_write(m, KEY, 0xCDEF89AB);
}

/* Issue a command and wait out its busy time; returns SR. */
static uint32_t command(uint32_t cmd, uint32_t addr, uint32_t data)
{
    reg_write(m, SR, 0xFF);
    reg_write(m, ADDR, addr);
    reg_write(m, DATA, data);
    reg_write(m, CMD, cmd);
    while (reg_read(m, SR) & SR_BUSY)
        machine_skip_to_next_deadline(m);
    return reg_read(m, SR);
}

static uint32_t flash32(uint32_t addr)
{
    uint32_t v;
    machine_read_phys(m, addr, &v, 4);
    return v;
}

static void flash_nor_program_only_clears_bits_and_flags_pgerr(void)
{
    static const struct { uint32_t data, want, pgerr; } rows[] = {
        { 0xFFFF0000u, 0xFFFF0000u, 0 },
        { 0x0F0F0000u, 0x0F0F0000u, 0 },
        { 0xFFFFFFFFu, 0x0F0F0000u, SR_PGERR }, /* cannot set bits back */
    };
    unlock();
    CU_ASSERT_EQUAL(command(2, 0x40000, 0) & 0xF0, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        uint32_t sr = command(1, 0x40000, rows[i].data);
        CU_ASSERT_EQUAL(flash32(0x40000), rows[i].want);
        CU_ASSERT_EQUAL(sr & SR_PGERR, rows[i].pgerr);
        CU_ASSERT_TRUE(sr & SR_DONE);
    }
    CU_ASSERT_EQUAL(command(2, 0x40FFC, 0) & 0xF0, 0);  /* erase by any address in it */
    CU_ASSERT_EQUAL(flash32(0x40000), 0xFFFFFFFFu);
    CU_ASSERT_EQUAL(command(1, 0x40002, 0) & SR_ADDRERR, SR_ADDRERR); /* unaligned */
    CU_ASSERT_EQUAL(command(1, FLASH_SIZE, 0) & SR_ADDRERR, SR_ADDRERR);
}

static void flash_locked_controller_refuses_commands(void)
{
    unlock();
    reg_write(m, CR, 1u << 31);                       /* lock again */
    CU_ASSERT_EQUAL(command(2, 0x40000, 0) & SR_LOCKERR, SR_LOCKERR);
    reg_write(m, KEY, 0x12345678);                    /* wrong key */
    reg_write(m, KEY, 0xCDEF89AB);
    CU_ASSERT_EQUAL(command(2, 0x40000, 0) & SR_LOCKERR, SR_LOCKERR);
}

static void flash_write_protect_ranges_and_wplock(void)
{
    uint32_t before = flash32(0x41000);

    unlock();
    reg_write(m, WPSTART0, 0x41000);
    reg_write(m, WPEND0, 0x42000);
    CU_ASSERT_EQUAL(command(1, 0x41000, 0) & SR_WPERR, SR_WPERR);
    CU_ASSERT_EQUAL(flash32(0x41000), before);
    CU_ASSERT_EQUAL(command(1, 0x42000, 0x12345678) & SR_WPERR, 0);  /* end exclusive */
    reg_write(m, WPLOCK, 1);
    reg_write(m, WPEND0, 0x41000);                    /* ignored once locked */
    CU_ASSERT_EQUAL(reg_read(m, WPEND0), 0x42000u);
    CU_ASSERT_EQUAL(command(2, 0x41000, 0) & SR_WPERR, SR_WPERR);
}

static void flash_otp_fuses_only_set_and_bootloader_fuse_protects(void)
{
    uint32_t v;

    unlock();
    CU_ASSERT_EQUAL(command(3, OTP_BASE + 0x20, 0x3) & 0xF0, 0);
    CU_ASSERT_EQUAL(command(3, OTP_BASE + 0x20, 0x4) & 0xF0, 0);
    machine_read_phys(m, OTP_BASE + 0x20, &v, 4);
    CU_ASSERT_EQUAL(v, 0x7u);                          /* OR, never cleared */
    CU_ASSERT_EQUAL(command(3, OTP_BASE + OTP_SIZE, 1) & SR_ADDRERR, SR_ADDRERR);
    CU_ASSERT_EQUAL(command(1, 0x8000, 0) & SR_WPERR, 0);  /* bootloader, fuse intact */
    CU_ASSERT_EQUAL(command(3, OTP_BASE, 0x4) & 0xF0, 0);  /* BOOTLOADER_WP */
    CU_ASSERT_EQUAL(command(2, 0x8000, 0) & SR_WPERR, SR_WPERR);
    CU_ASSERT_EQUAL(command(2, 0x10000, 0) & SR_WPERR, 0);  /* keystore is not covered */
}

static void flash_busy_lasts_the_modelled_time(void)
{
    uint64_t t0 = machine_now_ns(m);

    unlock();
    reg_write(m, ADDR, 0x50000);
    reg_write(m, CMD, 2);
    CU_ASSERT_TRUE(reg_read(m, SR) & SR_BUSY);
    reg_write(m, CMD, 2);                              /* while busy */
    CU_ASSERT_TRUE(reg_read(m, SR) & SR_LOCKERR);
    machine_skip_to_next_deadline(m);
    CU_ASSERT_FALSE(reg_read(m, SR) & SR_BUSY);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 1000000u); /* 1 ms erase */
}

static void flash_state_persists_across_reopen_and_damage_is_refused(void)
{
    g_autofree char *d = bench_tmpdir();
    g_autofree char *img = g_build_filename(d, "lamp.img", NULL);
    g_autoptr(GError) error = NULL;
    struct machine *a = bench_machine_new(d, 1, NULL), *b;
    uint32_t word = 0x600DF00D, back = 0;
    char *data;
    gsize len;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    b = bench_machine_new(d, 1, &error);               /* locked by a */
    CU_ASSERT_PTR_NULL(b);
    CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, "in use") ? error : NULL);
    g_clear_error(&error);
    CU_ASSERT_TRUE(machine_factory_write(a, 0x1000, &word, 4, NULL));
    CU_ASSERT_TRUE(machine_sync(a, NULL));
    machine_free(a);
    b = bench_machine_new(d, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    machine_read_phys(b, 0x1000, &back, 4);
    CU_ASSERT_EQUAL(back, word);
    machine_free(b);

    /* flip one byte of the contents: refused, with the file named */
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(img, &data, &len, NULL));
    data[len / 2] ^= 1;
    CU_ASSERT_TRUE(g_file_set_contents(img, data, (gssize)len, NULL));
    g_free(data);
    b = bench_machine_new(d, 1, &error);
    CU_ASSERT_PTR_NULL(b);
    CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, img) ? error : NULL);
    bench_rmdir(d);
}

/* The file's layout (docs/formats.md): 56-byte header, version at 8, then
 * for version 3 a bitmap of the 513 pages (2 MiB flash, 4 KiB OTP) and the
 * pages whose bit is set. */
#define IMG_HEADER 56u
#define IMG_PAGES (FLASH_SIZE / 4096 + 1)
#define IMG_BITMAP ((IMG_PAGES + 7) / 8)

static uint32_t img_version(const char *data) { return (uint32_t)data[8] | (uint32_t)data[9] << 8; }

static void flash_image_stores_only_pages_holding_data(void)
{
    g_autofree char *d = bench_tmpdir();
    g_autofree char *img = g_build_filename(d, "lamp.img", NULL);
    struct machine *a = bench_machine_new(d, 1, NULL);
    uint32_t word = 0x12345678, back = 0;
    g_autofree char *data = NULL;
    gsize len;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(machine_factory_write(a, 0x3000, &word, 4, NULL));
    CU_ASSERT_TRUE(machine_factory_write(a, 0x1FF000, &word, 4, NULL));
    CU_ASSERT_TRUE(machine_sync(a, NULL));
    machine_free(a);
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(img, &data, &len, NULL));
    CU_ASSERT_EQUAL(img_version(data), 3);
    /* blank OTP and erased flash are not stored: two pages of data */
    CU_ASSERT_EQUAL(len, IMG_HEADER + IMG_BITMAP + 2 * 4096);
    CU_ASSERT_EQUAL((uint8_t)data[IMG_HEADER + 0], 1u << 3);    /* page 3 */
    CU_ASSERT_EQUAL((uint8_t)data[IMG_HEADER + 63], 1u << 7);   /* page 511 */
    a = bench_machine_new(d, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    machine_read_phys(a, 0x1FF000, &back, 4);
    CU_ASSERT_EQUAL(back, word);
    machine_read_phys(a, 0x4000, &back, 4);
    CU_ASSERT_EQUAL(back, 0xFFFFFFFFu);
    machine_free(a);

    /* a bitmap that claims a page the file does not hold: refused by size */
    data[IMG_HEADER + 1] |= 1;
    CU_ASSERT_TRUE(g_file_set_contents(img, data, (gssize)len, NULL));
    {
        g_autoptr(GError) error = NULL;
        a = bench_machine_new(d, 1, &error);
        CU_ASSERT_PTR_NULL(a);
        CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, "bytes, expected") ? error : NULL);
    }
    bench_rmdir(d);
}

/* A version 2 file (every page stored) still opens, and its next
 * checkpoint rewrites it as version 3. */
static void flash_version_2_image_is_read_and_rewritten(void)
{
    g_autofree char *d = bench_tmpdir();
    g_autofree char *img = g_build_filename(d, "lamp.img", NULL);
    size_t len = IMG_HEADER + FLASH_SIZE + OTP_SIZE;
    g_autofree uint8_t *v2 = g_malloc(len);
    g_autofree char *data = NULL;
    uint8_t variant[4] = { FLASH_STORE_VARIANT_CRYPTO, 0, 0, 0 };
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint32_t word = 0, back = 0;
    gsize n = 32, got;
    struct machine *a;

    memset(v2, 0, len);
    memcpy(v2, "LMPSTAT1", 8);
    v2[8] = 2;
    memcpy(v2 + 12, &(uint32_t){ FLASH_SIZE }, 4);
    memcpy(v2 + 16, &(uint32_t){ OTP_SIZE }, 4);
    memcpy(v2 + 20, variant, 4);
    memset(v2 + IMG_HEADER, 0xFF, FLASH_SIZE);
    memcpy(v2 + IMG_HEADER + 0x5000, "\x0D\xF0\xAD\x8B", 4);
    g_checksum_update(sum, variant, 4);
    g_checksum_update(sum, v2 + IMG_HEADER, FLASH_SIZE + OTP_SIZE);
    g_checksum_get_digest(sum, v2 + 24, &n);
    g_checksum_free(sum);
    CU_ASSERT_TRUE_FATAL(g_mkdir_with_parents(d, 0755) == 0);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(img, (char *)v2, (gssize)len, NULL));

    a = bench_machine_new(d, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    machine_read_phys(a, 0x5000, &back, 4);
    memcpy(&word, "\x0D\xF0\xAD\x8B", 4);
    CU_ASSERT_EQUAL(back, word);
    CU_ASSERT_TRUE(machine_sync(a, NULL));
    machine_free(a);
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(img, &data, &got, NULL));
    CU_ASSERT_EQUAL(img_version(data), 3);
    CU_ASSERT_EQUAL(got, IMG_HEADER + IMG_BITMAP + 4096);
    bench_rmdir(d);
}

static void flash_torn_checkpoint_leaves_previous_state(void)
{
    /* A crash mid-checkpoint leaves lamp.img.tmp beside the old image: the
     * old image is what opens, and the leftover is removed. */
    g_autofree char *d = bench_tmpdir();
    g_autofree char *tmp = g_build_filename(d, "lamp.img.tmp", NULL);
    struct machine *a = bench_machine_new(d, 1, NULL);
    uint32_t word = 0x11111111, back = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(machine_factory_write(a, 0x2000, &word, 4, NULL));
    CU_ASSERT_TRUE(machine_sync(a, NULL));
    machine_free(a);
    CU_ASSERT_TRUE(g_file_set_contents(tmp, "partial", 7, NULL));
    a = bench_machine_new(d, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    machine_read_phys(a, 0x2000, &back, 4);
    CU_ASSERT_EQUAL(back, word);
    CU_ASSERT_FALSE(g_file_test(tmp, G_FILE_TEST_EXISTS));
    machine_free(a);
    bench_rmdir(d);
}

static void flash_power_cut_after_and_during_nth_operation(void)
{
    unsigned erased = 0;

    unlock();
    command(2, 0x60000, 0);
    command(1, 0x60000, 0);
    machine_power_on(m);                       /* so a cut is visible */
    machine_inject_power_cut(m, 2, false);
    unlock();
    command(1, 0x60004, 0);                    /* op 1: done */
    CU_ASSERT_PTR_NULL(m->power_cut_why);
    command(1, 0x60008, 0);                    /* op 2: then power is cut */
    CU_ASSERT_PTR_NOT_NULL(m->power_cut_why);
    CU_ASSERT_EQUAL(flash32(0x60008), 0);
    CU_ASSERT_EQUAL(machine_run(m, 10), MACHINE_OFF);

    machine_power_on(m);
    machine_inject_power_cut(m, 1, true);      /* torn erase */
    unlock();
    command(2, 0x60000, 0);
    for (uint32_t a = 0x60000; a < 0x60000 + FLASH_SECTOR_SIZE; a += 4)
        erased += flash32(a) == 0xFFFFFFFFu;
    /* Words that were programmed 0 are partly erased, partly not. */
    CU_ASSERT_TRUE(erased > 0 && erased < FLASH_SECTOR_SIZE / 4);
    CU_ASSERT_EQUAL(machine_run(m, 10), MACHINE_OFF);
}

/* PAGEPROG: 256 bytes from SRAM in one operation, aligned target, source
 * wholly in SRAM, NOR rules per word, and a torn page stops part way. */
static void flash_page_program_from_sram(void)
{
    uint8_t src[256];
    unsigned programmed = 0;

    for (unsigned i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7 + 1);
    memcpy(m->sram + 0x100, src, sizeof(src));
    unlock();
    command(2, 0x70000, 0);
    reg_write(m, SRC, SRAM_BASE + 0x100);
    struct machine_stats before, after;
    machine_get_stats(m, &before);
    CU_ASSERT_EQUAL(command(4, 0x70100, 0) & 0xF0, 0);
    machine_get_stats(m, &after);
    CU_ASSERT_EQUAL(after.flash_ops, before.flash_ops + 1);
    CU_ASSERT_EQUAL(memcmp(m->flash + 0x70100, src, sizeof(src)), 0);
    CU_ASSERT_EQUAL(flash32(0x70200), 0xFFFFFFFFu);

    CU_ASSERT_TRUE(command(4, 0x70180, 0) & SR_ADDRERR);      /* unaligned */
    reg_write(m, SRC, SRAM_BASE + SRAM_SIZE - 128);             /* runs off SRAM */
    CU_ASSERT_TRUE(command(4, 0x70200, 0) & SR_ADDRERR);
    CU_ASSERT_EQUAL(flash32(0x70200), 0xFFFFFFFFu);
    reg_write(m, SRC, 0x00000000);                              /* flash, not SRAM */
    CU_ASSERT_TRUE(command(4, 0x70200, 0) & SR_ADDRERR);

    machine_power_on(m);
    memcpy(m->sram + 0x100, src, sizeof(src));
    machine_inject_power_cut(m, 1, true);
    unlock();
    reg_write(m, SRC, SRAM_BASE + 0x100);
    command(4, 0x70300, 0);
    CU_ASSERT_EQUAL(machine_run(m, 10), MACHINE_OFF);
    for (unsigned w = 0; w < 64; w++) {
        uint32_t want;
        memcpy(&want, src + 4 * w, 4);
        programmed += flash32(0x70300 + 4 * w) == want;
    }
    CU_ASSERT_TRUE(programmed < 64);
    CU_ASSERT_EQUAL(flash32(0x703FC) == 0xFFFFFFFFu || programmed == 63, true);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("flash", setup, teardown);
    CU_add_test(s, "flash_nor_program_only_clears_bits_and_flags_pgerr",
                flash_nor_program_only_clears_bits_and_flags_pgerr);
    CU_add_test(s, "flash_locked_controller_refuses_commands", flash_locked_controller_refuses_commands);
    CU_add_test(s, "flash_write_protect_ranges_and_wplock", flash_write_protect_ranges_and_wplock);
    CU_add_test(s, "flash_otp_fuses_only_set_and_bootloader_fuse_protects",
                flash_otp_fuses_only_set_and_bootloader_fuse_protects);
    CU_add_test(s, "flash_busy_lasts_the_modelled_time", flash_busy_lasts_the_modelled_time);
    CU_add_test(s, "flash_state_persists_across_reopen_and_damage_is_refused",
                flash_state_persists_across_reopen_and_damage_is_refused);
    CU_add_test(s, "flash_image_stores_only_pages_holding_data",
                flash_image_stores_only_pages_holding_data);
    CU_add_test(s, "flash_version_2_image_is_read_and_rewritten",
                flash_version_2_image_is_read_and_rewritten);
    CU_add_test(s, "flash_torn_checkpoint_leaves_previous_state", flash_torn_checkpoint_leaves_previous_state);
    CU_add_test(s, "flash_page_program_from_sram", flash_page_program_from_sram);
    CU_add_test(s, "flash_power_cut_after_and_during_nth_operation",
                flash_power_cut_after_and_during_nth_operation);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
