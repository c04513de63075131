/*
 * test_ide.c: the IDE controller (devices/ide*.c) through its ports, on
 * temporary raw image files, and the image checks of ide_disk_open().
 *
 * Images hold a known pattern (byte i of sector n = n * 7 + i), so every
 * read can be checked against the file and every write found in it.  The
 * interrupt line is watched on a real 8259 pair programmed as Linux does
 * (IRQ 14 = vector 0x2e).  Covered: refused images (missing, directory,
 * empty, not whole sectors), IDENTIFY's capacity and integrity word, LBA28
 * and CHS addresses, a sector count of 0 meaning 256, reads past the end
 * (IDNF with the failing address in the task file), writes reaching the
 * file, readonly=on (ABRT, file unchanged), snapshot=on across a 64 KiB
 * chunk boundary (data kept in memory, file unchanged), INTRQ cleared by
 * status reads and masked by nIEN, an absent slave reading status 0, and
 * 8/16/32-bit data port accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/ide.h"
#include "devices/pic.h"
#include "devices/portio.h"
#include "monitor/vm.h"

#define P 0x1f0
#define CTL 0x3f6

struct fixture {
    struct vm vm;
    char path[64];
    unsigned sectors;
};

static uint8_t pattern(unsigned n, unsigned i)
{
    return (uint8_t)(n * 7 + i);
}

static void make_image(const char *path, unsigned sectors)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (unsigned n = 0; n < sectors; n++)
        for (unsigned i = 0; i < 512; i++)
            fputc(pattern(n, i), f);
    fclose(f);
}

static void file_sector(const char *path, unsigned n, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, (long)n * 512, SEEK_SET);
    assert_int_equal(fread(buf, 1, 512, f), 512);
    fclose(f);
}

static void out(struct fixture *f, uint16_t port, uint8_t v)
{
    portio_write(&f->vm, port, 1, v);
}

static uint8_t in(struct fixture *f, uint16_t port)
{
    return (uint8_t)portio_read(&f->vm, port, 1);
}

/* A board with the PIC and the IDE controller; drive 0 = a fresh image. */
static struct fixture *fixture_new(unsigned sectors, bool read_only, bool snapshot)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    assert_non_null(f);
    strcpy(f->path, "/tmp/btv-test-ide-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    make_image(f->path, sectors);
    f->sectors = sectors;
    f->vm.cfg.drives[0] = (struct drive_config){ .present = true, .path = f->path, .read_only = read_only,
                                                 .snapshot = snapshot };
    assert_int_equal(pic_init(&f->vm, err, sizeof err), 0);
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 }, { 0x21, 0xfb },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 }, { 0xa1, 0xbf },
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        out(f, init[i][0], init[i][1]);
    assert_int_equal(ide_init(&f->vm, err, sizeof err), 0);
    return f;
}

static int setup_rw(void **state) { *state = fixture_new(300, false, false); return 0; }
static int setup_ro(void **state) { *state = fixture_new(64, true, false); return 0; }
static int setup_snapshot(void **state) { *state = fixture_new(256, false, true); return 0; }

static int teardown(void **state)
{
    struct fixture *f = *state;
    ide_destroy(&f->vm);
    free(f->vm.board.pic);
    unlink(f->path);
    free(f);
    return 0;
}

/* Vector 0x2e waits at the 8259 (and is acknowledged and EOIed). */
static bool irq14_taken(struct fixture *f)
{
    if (!pic_has_interrupt(&f->vm))
        return false;
    assert_int_equal(pic_acknowledge(&f->vm), 0x2e);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    return true;
}

static void issue_lba(struct fixture *f, unsigned drive, uint32_t lba, uint8_t count, uint8_t cmd)
{
    out(f, P + 2, count);
    out(f, P + 3, (uint8_t)lba);
    out(f, P + 4, (uint8_t)(lba >> 8));
    out(f, P + 5, (uint8_t)(lba >> 16));
    out(f, P + 6, (uint8_t)(0xe0 | drive << 4 | (lba >> 24)));
    out(f, P + 7, cmd);
}

static void read_block(struct fixture *f, uint8_t *buf)
{
    assert_int_equal(in(f, CTL) & (IDE_STATUS_DRQ | IDE_STATUS_ERR), IDE_STATUS_DRQ);
    for (unsigned i = 0; i < 512; i += 4) {
        uint32_t v = portio_read(&f->vm, P, 4);
        memcpy(buf + i, &v, 4);
    }
}

static void assert_pattern(const uint8_t *buf, unsigned n)
{
    for (unsigned i = 0; i < 512; i++)
        assert_int_equal(buf[i], pattern(n, i));
}

static void test_refused_images(void **state)
{
    (void)state;
    char err[256], path[] = "/tmp/btv-test-ide-bad-XXXXXX";
    struct drive_config c = { .present = true, .path = "/nonexistent/disk.img" };
    assert_null(ide_disk_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "cannot open disk image '/nonexistent/disk.img': No such file"));
    c.path = "/tmp";
    assert_null(ide_disk_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "disk image '/tmp'")); /* EISDIR, or not a regular file read-only */
    c.snapshot = true;
    assert_null(ide_disk_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "disk image '/tmp' is not a regular file"));
    c.snapshot = false;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    c.path = path;
    assert_null(ide_disk_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "(0 bytes) is not a whole, non-zero number of 512-byte sectors"));
    assert_int_equal(write(fd, err, 200), 200);
    assert_null(ide_disk_open(&c, err, sizeof err));
    assert_non_null(strstr(err, "(200 bytes)"));
    close(fd);
    unlink(path);
}

static void test_identify(void **state)
{
    struct fixture *f = *state;
    uint8_t id[512];
    out(f, P + 6, 0xa0);
    out(f, P + 7, 0xec);
    assert_true(irq14_taken(f));
    read_block(f, id);
    assert_int_equal(id[120] | id[121] << 8 | id[122] << 16 | id[123] << 24, f->sectors); /* words 60-61 */
    assert_int_equal(id[510], 0xa5);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 512; i++)
        sum = (uint8_t)(sum + id[i]);
    assert_int_equal(sum, 0);
    assert_memory_equal(id + 54, "TBIVOS RAHDRIDKS", 16); /* model, two characters a word */
    assert_int_equal(in(f, P + 7) & IDE_STATUS_DRQ, 0);
}

static void test_read_lba_and_chs(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512];
    out(f, CTL, 0);
    issue_lba(f, 0, 299, 1, 0x20);
    assert_true(irq14_taken(f));
    read_block(f, buf);
    assert_pattern(buf, 299);
    assert_false(irq14_taken(f)); /* data-in ends without an interrupt */
    /* CHS with the default geometry (16 heads, 63 sectors): LBA 100 = 0/1/38. */
    out(f, P + 2, 1);
    out(f, P + 3, 38);
    out(f, P + 4, 0);
    out(f, P + 5, 0);
    out(f, P + 6, 0xa1);
    out(f, P + 7, 0x20);
    read_block(f, buf);
    assert_pattern(buf, 100);
    /* Sector 0 does not exist in CHS. */
    out(f, P + 3, 0);
    out(f, P + 7, 0x20);
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_ERR | IDE_STATUS_DRQ), IDE_STATUS_ERR);
    assert_int_equal(in(f, P + 1) & IDE_ERROR_IDNF, IDE_ERROR_IDNF);
}

static void test_count_zero_and_past_end(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512];
    issue_lba(f, 0, 0, 0, 0x20); /* 0 = 256 sectors */
    for (unsigned n = 0; n < 256; n++) {
        read_block(f, buf);
        assert_int_equal(buf[0], pattern(n, 0));
    }
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_DRQ | IDE_STATUS_ERR), 0);
    issue_lba(f, 0, 100, 0, 0x20); /* 100 + 256 > 300 */
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_ERR | IDE_STATUS_DRQ), IDE_STATUS_ERR);
    assert_int_equal(in(f, P + 1), IDE_ERROR_IDNF);
    assert_int_equal(in(f, P + 3) | in(f, P + 4) << 8, 300); /* first sector past the end */
}

static void test_write_reaches_file(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512], back[512];
    for (unsigned i = 0; i < 512; i++)
        buf[i] = (uint8_t)(0xc3 ^ i);
    out(f, CTL, 0);
    issue_lba(f, 0, 42, 1, 0x30);
    assert_false(irq14_taken(f)); /* the first data-out block needs no interrupt */
    assert_int_equal(in(f, CTL) & IDE_STATUS_DRQ, IDE_STATUS_DRQ);
    for (unsigned i = 0; i < 512; i += 2)
        portio_write(&f->vm, P, 2, buf[i] | buf[i + 1] << 8);
    assert_true(irq14_taken(f));
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_DRQ | IDE_STATUS_ERR), 0);
    file_sector(f->path, 42, back);
    assert_memory_equal(back, buf, 512);
    file_sector(f->path, 43, back);
    assert_pattern(back, 43);
    out(f, P + 7, 0xe7); /* FLUSH CACHE */
    assert_int_equal(in(f, P + 7) & IDE_STATUS_ERR, 0);
}

static void test_read_only_refuses(void **state)
{
    struct fixture *f = *state;
    uint8_t back[512];
    issue_lba(f, 0, 3, 1, 0x30);
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_ERR | IDE_STATUS_DRQ), IDE_STATUS_ERR);
    assert_int_equal(in(f, P + 1), IDE_ERROR_ABRT);
    file_sector(f->path, 3, back);
    assert_pattern(back, 3);
}

static void test_snapshot_keeps_file(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512], back[512];
    issue_lba(f, 0, 127, 2, 0x30); /* sectors 127 and 128: two 64 KiB chunks */
    for (unsigned s = 0; s < 2; s++) {
        assert_int_equal(in(f, CTL) & IDE_STATUS_DRQ, IDE_STATUS_DRQ);
        for (unsigned i = 0; i < 512; i++)
            portio_write(&f->vm, P, 1, (uint8_t)(s + 0x40)); /* 8-bit data accesses */
    }
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_ERR | IDE_STATUS_DRQ), 0);
    issue_lba(f, 0, 126, 4, 0x20);
    read_block(f, buf);
    assert_pattern(buf, 126); /* same chunk as 127, not written */
    read_block(f, buf);
    assert_int_equal(buf[0], 0x40);
    assert_int_equal(buf[511], 0x40);
    read_block(f, buf);
    assert_int_equal(buf[100], 0x41);
    read_block(f, buf);
    assert_pattern(buf, 129);
    file_sector(f->path, 127, back);
    assert_pattern(back, 127);
    file_sector(f->path, 128, back);
    assert_pattern(back, 128);
}

static void test_interrupt_line(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512];
    out(f, CTL, IDE_CONTROL_NIEN);
    issue_lba(f, 0, 1, 1, 0x20);
    assert_false(irq14_taken(f)); /* nIEN */
    read_block(f, buf);
    out(f, CTL, 0);
    issue_lba(f, 0, 1, 2, 0x20);
    assert_true(irq14_taken(f));
    assert_int_equal(in(f, CTL) & IDE_STATUS_DRQ, IDE_STATUS_DRQ); /* alternate status: line stays */
    in(f, P + 7);                                                    /* status: acknowledges */
    read_block(f, buf);
    assert_true(irq14_taken(f)); /* the second block: a new edge */
    read_block(f, buf);
    assert_pattern(buf, 2);
}

static void test_absent_slave(void **state)
{
    struct fixture *f = *state;
    out(f, P + 6, 0xb0);
    assert_int_equal(in(f, P + 7), 0);
    out(f, P + 7, 0xec); /* no drive to take it */
    assert_int_equal(in(f, CTL), 0);
    out(f, P + 6, 0xa0);
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_DRDY | IDE_STATUS_DRQ), IDE_STATUS_DRDY);
    assert_int_equal(portio_read(&f->vm, 0x177, 1), 0xff); /* no secondary channel */
}

static void test_software_reset(void **state)
{
    struct fixture *f = *state;
    issue_lba(f, 0, 9, 1, 0x20);
    out(f, CTL, IDE_CONTROL_SRST);
    assert_int_equal(in(f, P + 7) & IDE_STATUS_BSY, IDE_STATUS_BSY);
    out(f, CTL, 0);
    assert_int_equal(in(f, P + 7) & (IDE_STATUS_BSY | IDE_STATUS_DRQ | IDE_STATUS_DRDY), IDE_STATUS_DRDY);
    assert_int_equal(in(f, P + 2), 1);
    assert_int_equal(in(f, P + 3), 1);
    assert_int_equal(in(f, P + 4) | in(f, P + 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_images),
        cmocka_unit_test_setup_teardown(test_identify, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_read_lba_and_chs, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_count_zero_and_past_end, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_write_reaches_file, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses, setup_ro, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_keeps_file, setup_snapshot, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_line, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_absent_slave, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_software_reset, setup_rw, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
