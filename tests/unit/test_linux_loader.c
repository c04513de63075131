/*
 * test_linux_loader.c: the Linux bzImage loader against images built byte by byte.
 *
 * Every bzImage here is assembled in the test: setup sectors filled with a
 * pattern, the setup header at 0x1f1 written field by field (offsets spelled
 * out below from Documentation/arch/x86/boot.rst and zero-page.rst, not taken
 * from the loader's headers), and a protected-mode payload of pattern bytes.
 * Guest RAM is poisoned before each test, so the payload at 1 MiB, the
 * initrd, the zero page, the command line, the GDT and every byte left
 * untouched are all visible.  The zero page is checked field by field: the
 * header bytes copied from the file (exactly as many as the jump at 0x200
 * says), the fields the loader writes, the E820 table, and zero everywhere
 * else.  Each refusal is one mutation of a valid image or configuration, must
 * name its problem, and must leave RAM untouched.  A property test flips
 * random bits in the header: every load either fails with a message or
 * produces a consistent boot.  A real kernel is parsed when present
 * ($BTV_LINUX_KERNEL, build/linux/bzImage or tests/linux/bzImage under the
 * source tree); the test is skipped otherwise.
 *
 *   ctest --test-dir build -R test_linux_loader --output-on-failure
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

#include "cli/drive.c"
#include "cli/options.c" /* the parser lives in the executable, not in btvcore */
#include "cli/options_qemu.c"
#include "loader/linux.h"
#include "loader/loader.h"
#include "monitor/vm.h"

#define POISON 0xAA
#define IMG_MAX (4u << 20)
#define MIB (1u << 20)
#define DEFAULT_RAM (32u * MIB)

/* Setup header offsets (boot.rst, "The Real-Mode Kernel Header"). */
#define H_SETUP_SECTS 0x1f1
#define H_ROOT_FLAGS 0x1f2
#define H_SYSSIZE 0x1f4
#define H_VID_MODE 0x1fa
#define H_BOOT_FLAG 0x1fe
#define H_JUMP 0x200
#define H_HEADER 0x202
#define H_VERSION 0x206
#define H_TYPE_OF_LOADER 0x210
#define H_LOADFLAGS 0x211
#define H_CODE32_START 0x214
#define H_RAMDISK_IMAGE 0x218
#define H_RAMDISK_SIZE 0x21c
#define H_HEAP_END_PTR 0x224
#define H_EXT_LOADER_VER 0x226
#define H_EXT_LOADER_TYPE 0x227
#define H_CMD_LINE_PTR 0x228
#define H_INITRD_ADDR_MAX 0x22c
#define H_KERNEL_ALIGNMENT 0x230
#define H_RELOCATABLE 0x234
#define H_XLOADFLAGS 0x236
#define H_CMDLINE_SIZE 0x238
#define H_HW_SUBARCH 0x23c
#define H_HW_SUBARCH_DATA 0x240
#define H_SETUP_DATA 0x250
#define H_PREF_ADDRESS 0x258
#define H_INIT_SIZE 0x260
#define H_END_215 0x26c

/* Zero page offsets (zero-page.rst). */
#define ZP_EXT_MEM_K 0x002
#define ZP_ALT_MEM_K 0x1e0
#define ZP_E820_ENTRIES 0x1e8
#define ZP_SENTINEL 0x1ef
#define ZP_E820_TABLE 0x2d0
#define ZP_SIZE 4096

struct fixture {
    struct vm *vm;
    char dir[64];       /* temporary directory for the files */
    char kpath[128];    /* the last kernel written */
    char rpath[128];    /* the last initrd written */
    char err[512];      /* the loader's message */
    uint8_t *img;       /* the bzImage being built */
    size_t len;
    uint8_t *rd;        /* initrd contents */
    size_t rdlen;
    struct linux_entry e;
};

/* ---------- little helpers ---------- */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t pattern(uint32_t off) { return (uint8_t)(off * 13 + 5); }

static uint8_t *ram(struct fixture *f, uint64_t pa, uint64_t len)
{
    uint8_t *p = gmem_phys_ptr(&f->vm->mem, pa, len);
    assert_non_null(p);
    return p;
}

static void assert_all(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
}

/* Guest RAM of `bytes`, poisoned (a fresh machine when the size changes). */
static void use_ram(struct fixture *f, uint64_t bytes)
{
    char err[256];
    if (f->vm->mem.ram_size != bytes) {
        gmem_destroy(&f->vm->mem);
        if (gmem_init(&f->vm->mem, bytes, err, sizeof err) < 0)
            fail_msg("gmem_init: %s", err);
    }
    memset(f->vm->mem.ram, POISON, f->vm->mem.ram_size);
}

static void write_file(struct fixture *f, char *path, const char *name, const void *buf,
                       size_t len)
{
    snprintf(path, 128, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
}

/* ---------- building images ---------- */

static uint32_t setup_size(const struct fixture *f)
{
    uint32_t s = f->img[H_SETUP_SECTS] ? f->img[H_SETUP_SECTS] : 4;
    return (s + 1) * 512;
}

/* A protocol 2.15 relocatable bzImage: 3 setup sectors, `pm` bytes of code,
 * running at 4 MiB (pref_address) for init_size 6 MiB. */
static void build_kernel(struct fixture *f, uint32_t pm)
{
    uint32_t setup = 4 * 512;
    for (uint32_t i = 0; i < setup; i++)
        f->img[i] = (uint8_t)(0x40 + i % 31); /* header fields not written keep these */
    uint8_t *h = f->img;
    h[H_SETUP_SECTS] = 3;
    put32(h + H_SYSSIZE, (pm + 15) / 16);
    put16(h + H_BOOT_FLAG, 0xAA55);
    h[H_JUMP] = 0xEB;
    h[H_JUMP + 1] = H_END_215 - 0x202;
    memcpy(h + H_HEADER, "HdrS", 4);
    put16(h + H_VERSION, 0x020f);
    h[H_LOADFLAGS] = 0x01;
    put32(h + H_CODE32_START, 0x100000);
    put32(h + H_INITRD_ADDR_MAX, 0x37ffffff);
    put32(h + H_KERNEL_ALIGNMENT, 0x200000);
    h[H_RELOCATABLE] = 1;
    put16(h + H_XLOADFLAGS, 0);
    put32(h + H_CMDLINE_SIZE, 2047);
    put64(h + H_PREF_ADDRESS, 0x400000);
    put32(h + H_INIT_SIZE, 0x600000);
    for (uint32_t i = 0; i < pm; i++)
        f->img[setup + i] = pattern(i);
    f->len = setup + pm;
}

static void build_default(struct fixture *f)
{
    build_kernel(f, 0x5000);
}

static void build_initrd(struct fixture *f, size_t len)
{
    f->rd = realloc(f->rd, len ? len : 1);
    assert_non_null(f->rd);
    for (size_t i = 0; i < len; i++)
        f->rd[i] = (uint8_t)(i * 7 + 1);
    f->rdlen = len;
}

static int load(struct fixture *f, const char *initrd, const char *cmdline)
{
    write_file(f, f->kpath, "bzImage", f->img, f->len);
    f->err[0] = '\0';
    memset(&f->e, 0x5c, sizeof f->e);
    return linux_load(f->vm, f->kpath, initrd, cmdline, &f->e, f->err, sizeof f->err);
}

static int load_with_initrd(struct fixture *f, const char *cmdline)
{
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    return load(f, f->rpath, cmdline);
}

static void assert_contains(const char *msg, const char *needle)
{
    if (!strstr(msg, needle))
        fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
}

/* RAM must be exactly as poisoned: nothing written. */
static void assert_ram_untouched(struct fixture *f)
{
    assert_all(ram(f, 0, 0x100000), 0x100000, POISON);
    assert_all(ram(f, 0x100000, 0x100000), 0x100000, POISON);
    uint64_t top = f->vm->mem.ram_size;
    assert_all(ram(f, top - 0x100000, 0x100000), 0x100000, POISON);
}

static void expect_fail(struct fixture *f, const char *initrd, const char *cmdline,
                        const char *needle)
{
    assert_int_equal(load(f, initrd, cmdline), -1);
    assert_contains(f->err, needle);
    assert_null(strchr(f->err, '\n')); /* one line */
    assert_ram_untouched(f);
}

static void expect_kernel_fail(struct fixture *f, const char *needle)
{
    expect_fail(f, NULL, "", needle);
}

/* ---------- checking a successful boot ---------- */

static const uint8_t *zero_page(struct fixture *f)
{
    assert_true(f->e.esi >= 0x1000 && f->e.esi + ZP_SIZE <= 0x9fc00);
    assert_int_equal(f->e.esi % 4096, 0);
    return ram(f, f->e.esi, ZP_SIZE);
}

/* Header offsets the loader writes; everything else in the header is copied. */
static int written_by_loader(uint32_t off)
{
    static const struct { uint32_t off, len; } w[] = {
        { H_VID_MODE, 2 }, { H_TYPE_OF_LOADER, 1 }, { H_LOADFLAGS, 1 },
        { H_RAMDISK_IMAGE, 4 }, { H_RAMDISK_SIZE, 4 }, { H_HEAP_END_PTR, 2 },
        { H_EXT_LOADER_VER, 1 }, { H_EXT_LOADER_TYPE, 1 }, { H_CMD_LINE_PTR, 4 },
        { H_HW_SUBARCH, 4 }, { H_HW_SUBARCH_DATA, 8 }, { H_SETUP_DATA, 8 },
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (off >= w[i].off && off < w[i].off + w[i].len)
            return 1;
    return 0;
}

/* Zero page: header copied up to hdr_end, loader fields, zero elsewhere
 * (except the fields checked by the caller). */
static void check_zero_page_layout(struct fixture *f, uint32_t hdr_end)
{
    const uint8_t *zp = zero_page(f);
    for (uint32_t off = 0x1f1; off < hdr_end; off++)
        if (!written_by_loader(off) && zp[off] != f->img[off])
            fail_msg("zero page 0x%x is 0x%02x, the file has 0x%02x", off, zp[off], f->img[off]);
    for (uint32_t off = hdr_end; off < ZP_E820_TABLE; off++)
        if (zp[off] != 0)
            fail_msg("zero page 0x%x past the header is 0x%02x", off, zp[off]);
    for (uint32_t off = 0; off < 0x1f1; off++) {
        int field = (off >= ZP_EXT_MEM_K && off < ZP_EXT_MEM_K + 2) ||
                    (off >= ZP_ALT_MEM_K && off < ZP_ALT_MEM_K + 4) || off == ZP_E820_ENTRIES;
        if (!field && zp[off] != 0)
            fail_msg("zero page 0x%x is 0x%02x, expected 0", off, zp[off]);
    }
    uint32_t e820_end = ZP_E820_TABLE + 20 * zp[ZP_E820_ENTRIES];
    assert_all(zp + e820_end, ZP_SIZE - e820_end, 0);
    assert_int_equal(zp[ZP_SENTINEL], 0);
}

static void check_loader_fields(struct fixture *f, uint32_t rd_addr, uint32_t rd_size)
{
    const uint8_t *zp = zero_page(f);
    assert_int_equal(zp[H_TYPE_OF_LOADER], 0xff);
    assert_int_equal(zp[H_LOADFLAGS], 0x01);
    assert_int_equal(get16(zp + H_VID_MODE), 0xffff);
    assert_int_equal(get16(zp + H_HEAP_END_PTR), 0);
    assert_int_equal(zp[H_EXT_LOADER_VER], 0);
    assert_int_equal(zp[H_EXT_LOADER_TYPE], 0);
    assert_int_equal(get32(zp + H_RAMDISK_IMAGE), rd_addr);
    assert_int_equal(get32(zp + H_RAMDISK_SIZE), rd_size);
}

static void check_e820(struct fixture *f)
{
    const uint8_t *zp = zero_page(f);
    const uint64_t want[3][3] = { { 0, 0x9fc00, 1 },
                                  { 0x9fc00, 0x100000 - 0x9fc00, 2 },
                                  { 0x100000, f->vm->mem.ram_size - 0x100000, 1 } };
    assert_int_equal(zp[ZP_E820_ENTRIES], 3);
    for (int i = 0; i < 3; i++) {
        const uint8_t *ent = zp + ZP_E820_TABLE + 20 * i;
        assert_int_equal(get64(ent), want[i][0]);
        assert_int_equal(get64(ent + 8), want[i][1]);
        assert_int_equal(get32(ent + 16), want[i][2]);
    }
    uint64_t kib = (f->vm->mem.ram_size - 0x100000) / 1024;
    assert_int_equal(get32(zp + ZP_ALT_MEM_K), kib);
    assert_int_equal(get16(zp + ZP_EXT_MEM_K), kib > 0xffff ? 0xffff : kib);
}

static void check_cmdline(struct fixture *f, const char *want)
{
    const uint8_t *zp = zero_page(f);
    uint32_t p = get32(zp + H_CMD_LINE_PTR);
    size_t n = strlen(want);
    assert_true(p >= 0x1000 && p + n + 1 <= 0x9fc00);
    assert_memory_equal(ram(f, p, n + 1), want, n + 1);
    assert_int_equal(*ram(f, p + n + 1, 1), POISON); /* exactly the string and its NUL */
    /* The command line does not overlap the zero page. */
    assert_true(p + n + 1 <= f->e.esi || p >= f->e.esi + ZP_SIZE);
}

/* The payload at 1 MiB, and nothing after it. */
static void check_payload(struct fixture *f)
{
    uint32_t setup = setup_size(f), pm = (uint32_t)(f->len - setup);
    assert_memory_equal(ram(f, 0x100000, pm), f->img + setup, pm);
    assert_int_equal(*ram(f, 0x100000 + pm, 1), POISON);
    assert_int_equal(*ram(f, 0xfffff, 1), POISON);
}

/* Decode GDT entry `sel` from RAM: base, limit (in bytes) and access/flags. */
static void check_gdt_entry(struct fixture *f, uint16_t sel, uint8_t type)
{
    assert_true(sel + 8u <= f->e.gdt_limit + 1u);
    uint64_t d = get64(ram(f, f->e.gdt_base + sel, 8));
    uint32_t base = (uint32_t)((d >> 16) & 0xffffff) | (uint32_t)((d >> 56) & 0xff) << 24;
    uint32_t limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 48) & 0xf) << 16;
    assert_int_equal(base, 0);
    assert_int_equal(limit, 0xfffff);
    assert_int_equal((d >> 40) & 0xf, type);   /* type */
    assert_int_equal((d >> 44) & 1, 1);        /* S: code/data */
    assert_int_equal((d >> 45) & 3, 0);        /* DPL 0 */
    assert_int_equal((d >> 47) & 1, 1);        /* present */
    assert_int_equal((d >> 53) & 1, 0);        /* not 64-bit code */
    assert_int_equal((d >> 54) & 1, 1);        /* D/B: 32-bit */
    assert_int_equal((d >> 55) & 1, 1);        /* G: 4 KiB units, 4 GiB */
}

/* ---------- fixtures ---------- */

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    if (!f)
        return -1;
    f->vm = calloc(1, sizeof *f->vm);
    f->img = malloc(IMG_MAX);
    if (!f->vm || !f->img || gmem_init(&f->vm->mem, DEFAULT_RAM, err, sizeof err) < 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    f->vm->cpu.vm = f->vm;
    snprintf(f->dir, sizeof f->dir, "/tmp/btv-lxtest-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    char p[160];
    const char *names[] = { "bzImage", "initrd", "empty", "notlinux" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    gmem_destroy(&f->vm->mem);
    free(f->vm);
    free(f->img);
    free(f->rd);
    free(f);
    return 0;
}

static int test_setup(void **state)
{
    struct fixture *f = *state;
    use_ram(f, DEFAULT_RAM);
    build_default(f);
    return 0;
}

/* ---------- valid images ---------- */

static void test_loads_payload_zero_page_and_cmdline(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, NULL, "console=ttyS0 root=/dev/ram0"), 0);
    check_payload(f);
    check_zero_page_layout(f, H_END_215);
    check_loader_fields(f, 0, 0);
    check_e820(f);
    check_cmdline(f, "console=ttyS0 root=/dev/ram0");
    assert_int_equal(f->e.eip, 0x100000);
    /* The setup sectors themselves are not loaded anywhere low. */
    assert_all(ram(f, 0x90000, 0x8000), 0x8000, POISON);
}

static void test_loader_overrides_write_fields(void **state)
{
    struct fixture *f = *state;
    f->img[H_LOADFLAGS] = 0xff; /* QUIET, CAN_USE_HEAP, KEEP_SEGMENTS, KASLR set in the file */
    f->img[H_TYPE_OF_LOADER] = 0x71;
    put32(f->img + H_RAMDISK_IMAGE, 0x12345678);
    put32(f->img + H_HW_SUBARCH, 2);
    put64(f->img + H_SETUP_DATA, 0xdeadbeef);
    assert_int_equal(load(f, NULL, "x"), 0);
    check_loader_fields(f, 0, 0);
    const uint8_t *zp = zero_page(f);
    assert_int_equal(get32(zp + H_HW_SUBARCH), 0);
    assert_int_equal(get64(zp + H_HW_SUBARCH_DATA), 0);
    assert_int_equal(get64(zp + H_SETUP_DATA), 0);
}

static void test_mem_sizes_for_large_ram(void **state)
{
    struct fixture *f = *state;
    use_ram(f, 256u * MIB);
    assert_int_equal(load(f, NULL, ""), 0);
    check_e820(f); /* ext_mem_k saturates at 0xffff, alt_mem_k = 261120 */
    assert_int_equal(get16(zero_page(f) + ZP_EXT_MEM_K), 0xffff);
    assert_int_equal(get32(zero_page(f) + ZP_ALT_MEM_K), 255u * 1024);
}

static void test_header_copied_to_jump_end_only(void **state)
{
    struct fixture *f = *state;
    put16(f->img + H_VERSION, 0x020b); /* 2.11: header ends at 0x268 */
    f->img[H_JUMP + 1] = 0x268 - 0x202;
    assert_int_equal(load(f, NULL, ""), 0);
    check_zero_page_layout(f, 0x268); /* 0x268-0x26b of the file are not copied */
    assert_int_not_equal(f->img[0x268], 0);
}

static void test_empty_and_null_cmdline(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, NULL, NULL), 0);
    check_cmdline(f, "");
    use_ram(f, DEFAULT_RAM);
    assert_int_equal(load(f, NULL, ""), 0);
    check_cmdline(f, "");
}

static void test_cmdline_exactly_cmdline_size(void **state)
{
    struct fixture *f = *state;
    char line[18];
    memset(line, 'c', 16);
    line[16] = '\0';
    put32(f->img + H_CMDLINE_SIZE, 16);
    assert_int_equal(load(f, NULL, line), 0);
    check_cmdline(f, line);
    use_ram(f, DEFAULT_RAM);
    strcat(line, "d");
    expect_fail(f, NULL, line, "command line is 17 bytes");
    assert_contains(f->err, "at most 16");
}

static void test_protocol_204_limits(void **state)
{
    struct fixture *f = *state;
    char line[300];
    put16(f->img + H_VERSION, 0x0204);
    f->img[H_JUMP + 1] = 0x230 - 0x202; /* the 2.04 header ends after initrd_addr_max */
    memset(line, 'a', 255);
    line[255] = '\0';
    assert_int_equal(load(f, NULL, line), 0); /* 255 characters: the pre-2.06 limit */
    check_zero_page_layout(f, 0x230);
    check_cmdline(f, line);
    use_ram(f, DEFAULT_RAM);
    strcat(line, "b");
    expect_fail(f, NULL, line, "at most 255");
}

static void test_setup_sects_zero_means_four(void **state)
{
    struct fixture *f = *state;
    uint32_t pm = 0x3000;
    build_kernel(f, pm);
    f->img[H_SETUP_SECTS] = 0; /* 4 sectors + boot sector: code at 0xa00 */
    memmove(f->img + 0xa00, f->img + 0x800, pm);
    f->len = 0xa00 + pm;
    assert_int_equal(load(f, NULL, ""), 0);
    assert_memory_equal(ram(f, 0x100000, pm), f->img + 0xa00, pm);
    assert_int_equal(*ram(f, 0x100000 + pm, 1), POISON);
}

static void test_code32_start_inside_payload(void **state)
{
    struct fixture *f = *state;
    put32(f->img + H_CODE32_START, 0x100200);
    assert_int_equal(load(f, NULL, ""), 0);
    assert_int_equal(f->e.eip, 0x100200);
    assert_int_equal(get32(zero_page(f) + H_CODE32_START), 0x100200);
}

static void test_initrd_at_top_of_ram(void **state)
{
    struct fixture *f = *state;
    build_initrd(f, 10000);
    assert_int_equal(load_with_initrd(f, "initrd"), 0);
    uint32_t addr = (DEFAULT_RAM - 10000) & ~0xfffu;
    check_loader_fields(f, addr, 10000);
    assert_memory_equal(ram(f, addr, 10000), f->rd, 10000);
    assert_all(ram(f, addr + 10000, DEFAULT_RAM - addr - 10000), DEFAULT_RAM - addr - 10000,
               POISON);
    assert_int_equal(*ram(f, addr - 1, 1), POISON);
    check_payload(f);
    check_zero_page_layout(f, H_END_215);
}

static void test_initrd_below_initrd_addr_max(void **state)
{
    struct fixture *f = *state;
    put32(f->img + H_INITRD_ADDR_MAX, 0x0fffffff); /* above RAM: RAM is the limit */
    build_initrd(f, 0x2000);
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_loader_fields(f, DEFAULT_RAM - 0x2000, 0x2000);

    use_ram(f, DEFAULT_RAM);
    put32(f->img + H_INITRD_ADDR_MAX, 0x00ffffff); /* 16 MiB - 1: last byte allowed */
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_loader_fields(f, 0x1000000 - 0x2000, 0x2000); /* ends exactly at 16 MiB */
    assert_memory_equal(ram(f, 0x1000000 - 0x2000, 0x2000), f->rd, 0x2000);
    assert_all(ram(f, 0x1000000, DEFAULT_RAM - 0x1000000), DEFAULT_RAM - 0x1000000, POISON);

    use_ram(f, DEFAULT_RAM);
    put32(f->img + H_INITRD_ADDR_MAX, 0x00fffffe); /* one byte lower: a page lower */
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_loader_fields(f, 0x1000000 - 0x3000, 0x2000);
}

static void test_initrd_stays_above_init_region(void **state)
{
    struct fixture *f = *state;
    /* Kernel initialises in 4 MiB..10 MiB; an initrd that fills the rest of
     * RAM above 10 MiB exactly still fits. */
    build_initrd(f, DEFAULT_RAM - 10 * MIB);
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_loader_fields(f, 10 * MIB, DEFAULT_RAM - 10 * MIB);
    /* One byte more and it would overlap the kernel's init_size region. */
    use_ram(f, DEFAULT_RAM);
    build_initrd(f, DEFAULT_RAM - 10 * MIB + 1);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    expect_fail(f, f->rpath, "", "does not fit in guest RAM above the kernel");
    assert_contains(f->err, "needs at least 33 MiB");
}

static void test_non_relocatable_runs_at_pref_address(void **state)
{
    struct fixture *f = *state;
    f->img[H_RELOCATABLE] = 0;
    put64(f->img + H_PREF_ADDRESS, 0x1000000);
    put32(f->img + H_INIT_SIZE, 0x1000000); /* runs in 16-32 MiB: all of RAM */
    assert_int_equal(load(f, NULL, ""), 0);
    use_ram(f, DEFAULT_RAM);
    build_initrd(f, 4096); /* no room left above 32 MiB */
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    expect_fail(f, f->rpath, "", "needs at least 33 MiB");
    use_ram(f, 24u * MIB);
    expect_kernel_fail(f, "needs at least 32 MiB of guest RAM");
    assert_contains(f->err, "0x1000000-0x2000000");
    assert_contains(f->err, "init_size 0x1000000");
}

static void test_relocatable_aligned_up(void **state)
{
    struct fixture *f = *state;
    put32(f->img + H_KERNEL_ALIGNMENT, 0x800000); /* 1 MiB aligned up to 8 MiB */
    put64(f->img + H_PREF_ADDRESS, 0x100000);
    put32(f->img + H_INIT_SIZE, 0x1800000);      /* 8 MiB + 24 MiB = 32 MiB: fits */
    assert_int_equal(load(f, NULL, ""), 0);
    use_ram(f, DEFAULT_RAM);
    put32(f->img + H_INIT_SIZE, 0x1800001);
    expect_kernel_fail(f, "needs at least 33 MiB of guest RAM");
    assert_contains(f->err, "0x800000-");
}

static void test_old_protocol_ignores_init_size_fields(void **state)
{
    struct fixture *f = *state;
    /* 2.09: no init_size or pref_address; these bytes are not header fields. */
    put16(f->img + H_VERSION, 0x0209);
    f->img[H_JUMP + 1] = 0x258 - 0x202;
    put32(f->img + H_INIT_SIZE, 0xffffffff);
    put64(f->img + H_PREF_ADDRESS, 0x7fffffff00000000ull);
    build_initrd(f, 4096);
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_zero_page_layout(f, 0x258);
    check_loader_fields(f, DEFAULT_RAM - 4096, 4096);
}

static void test_entry_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, NULL, ""), 0);
    struct vcpu *v = &f->vm->cpu;
    memset(v->gpr, 0x77, sizeof v->gpr);
    vcpu_set_eflags(v, EFLAGS_IF | EFLAGS_FIXED);
    v->cr0 = CR0_PE | CR0_PG;
    linux_vcpu_reset(v, &f->e);
    assert_int_equal(v->eip, 0x100000);
    assert_int_equal(v->gpr[GPR_ESI], f->e.esi);
    assert_int_equal(f->e.esi, 0x10000);
    assert_int_equal(v->gpr[GPR_EBP], 0);
    assert_int_equal(v->gpr[GPR_EDI], 0);
    assert_int_equal(v->gpr[GPR_EBX], 0);
    assert_int_equal(v->gpr[GPR_ESP], f->e.esp);
    assert_int_equal(vcpu_get_eflags(v) & EFLAGS_IF, 0);
    assert_int_equal(v->cr0 & CR0_PE, CR0_PE);
    assert_int_equal(v->cr0 & CR0_PG, 0);
    assert_int_equal(v->cpl, 0);
    assert_ptr_equal(v->vm, f->vm);
    assert_int_equal(v->gdtr.base, f->e.gdt_base);
    assert_int_equal(v->gdtr.limit, f->e.gdt_limit);
    assert_int_equal(v->seg[SREG_CS].sel, 0x10);
    for (int s = 0; s < SREG_COUNT; s++) {
        const struct seg_cache *c = &v->seg[s];
        if (s != SREG_CS)
            assert_int_equal(c->sel, 0x18);
        assert_int_equal(c->base, 0);
        assert_int_equal(c->limit, 0xffffffffu);
        assert_int_equal(v->seg_base[s], 0);
        assert_true(vcpu_seg_unrestricted(v, (enum x86_sreg)s));
        /* The cache holds what loading the GDT entry would give. */
        uint64_t d = get64(ram(f, f->e.gdt_base + c->sel, 8));
        uint32_t attr = (uint32_t)((d >> 40) & 0xff) | (uint32_t)((d >> 40) & 0xf000);
        assert_int_equal(c->attr, attr);
    }
    assert_true(v->seg[SREG_CS].attr & SEG_ATTR_CODE);
    assert_true(v->seg[SREG_CS].attr & SEG_ATTR_DB);
    assert_false(v->seg[SREG_SS].attr & SEG_ATTR_CODE);
    /* GDT in RAM: null entry, __BOOT_CS execute/read, __BOOT_DS read/write. */
    assert_true(f->e.gdt_base + f->e.gdt_limit + 1u <= 0x9fc00);
    assert_int_equal(f->e.gdt_limit, 31);
    assert_int_equal(get64(ram(f, f->e.gdt_base, 8)), 0);
    check_gdt_entry(f, 0x10, 0xb);
    check_gdt_entry(f, 0x18, 0x3);
    /* GDT, zero page, command line and stack do not overlap. */
    assert_true(f->e.gdt_base >= f->e.esi + ZP_SIZE || f->e.gdt_base + 32 <= f->e.esi);
    assert_true(f->e.esp <= f->e.esi && f->e.esp >= 0x2000);
}

/* ---------- refusals ---------- */

static void test_missing_files(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/absent", f->dir);
    struct linux_entry e;
    assert_int_equal(linux_load(f->vm, path, NULL, "", &e, f->err, sizeof f->err), -1);
    assert_contains(f->err, "could not open kernel");
    assert_contains(f->err, "No such file");
    expect_fail(f, path, "", "could not open initrd");
    assert_contains(f->err, "absent");
    expect_fail(f, f->dir, "", "cannot read initrd");
}

static void test_empty_initrd_and_kernel(void **state)
{
    struct fixture *f = *state;
    char empty[128];
    write_file(f, empty, "empty", "", 0);
    expect_fail(f, empty, "", "initrd");
    assert_contains(f->err, "is empty");
    struct linux_entry e;
    assert_int_equal(linux_load(f->vm, empty, NULL, "", &e, f->err, sizeof f->err), -1);
    assert_contains(f->err, "kernel");
    assert_contains(f->err, "is empty");
}

static void test_not_a_bzimage(void **state)
{
    struct fixture *f = *state;
    memcpy(f->img + H_HEADER, "HdrT", 4);
    expect_kernel_fail(f, "is not a Linux bzImage: no \"HdrS\"");
    f->len = 0x204; /* too short to hold the magic */
    expect_kernel_fail(f, "no \"HdrS\"");
}

static void test_bad_boot_flag(void **state)
{
    struct fixture *f = *state;
    put16(f->img + H_BOOT_FLAG, 0x55AA);
    expect_kernel_fail(f, "boot_flag at 0x1fe is 0x55aa");
}

static void test_protocol_too_old(void **state)
{
    struct fixture *f = *state;
    put16(f->img + H_VERSION, 0x0202);
    expect_kernel_fail(f, "uses boot protocol 2.02; btvisor needs 2.04 or newer");
    put16(f->img + H_VERSION, 0x0203);
    expect_kernel_fail(f, "uses boot protocol 2.03;");
}

static void test_bad_jump(void **state)
{
    struct fixture *f = *state;
    f->img[H_JUMP] = 0xE9;
    expect_kernel_fail(f, "no short jump (0xEB) at offset 0x200 (found 0xe9)");
    f->img[H_JUMP] = 0xEB;
    f->img[H_JUMP + 1] = 0x250 - 0x202; /* shorter than a 2.15 header */
    expect_kernel_fail(f, "setup header ends at 0x250, before the fields of boot protocol 2.15");
    f->img[H_JUMP + 1] = 0xfe; /* backwards: ends at 0x200 */
    expect_kernel_fail(f, "setup header ends at 0x200");
}

static void test_truncated_kernels(void **state)
{
    struct fixture *f = *state;
    f->len = 0x250; /* the header itself is cut off */
    expect_kernel_fail(f, "is truncated: its setup header ends at 0x26c");
    build_default(f);
    f->len = 0x800; /* setup sectors only */
    expect_kernel_fail(f, "is truncated: the protected-mode code should start after 3 setup sectors");
    build_default(f);
    f->len -= 16; /* one paragraph short of syssize */
    expect_kernel_fail(f, "is truncated: syssize says 20480 bytes");
    build_default(f);
    f->len -= 15; /* a partial last paragraph is fine */
    assert_int_equal(load(f, NULL, ""), 0);
}

static void test_zimage_and_64bit_refused(void **state)
{
    struct fixture *f = *state;
    f->img[H_LOADFLAGS] = 0x80;
    expect_kernel_fail(f, "is a zImage (loadflags bit 0 LOADED_HIGH clear)");
    build_default(f);
    put16(f->img + H_XLOADFLAGS, 0x0003);
    expect_kernel_fail(f, "is a 64-bit (x86-64) kernel");
    /* Before 2.12 the bytes are not xloadflags. */
    put16(f->img + H_VERSION, 0x020b);
    f->img[H_JUMP + 1] = 0x268 - 0x202;
    use_ram(f, DEFAULT_RAM);
    assert_int_equal(load(f, NULL, ""), 0);
}

static void test_bad_alignment_and_entry(void **state)
{
    struct fixture *f = *state;
    put32(f->img + H_KERNEL_ALIGNMENT, 0x300000);
    expect_kernel_fail(f, "kernel_alignment 0x300000 is not a power of two");
    put32(f->img + H_KERNEL_ALIGNMENT, 0);
    expect_kernel_fail(f, "kernel_alignment 0x0 is not a power of two");
    f->img[H_RELOCATABLE] = 0; /* not relocatable: the alignment does not matter */
    assert_int_equal(load(f, NULL, ""), 0);
    use_ram(f, DEFAULT_RAM);
    build_default(f);
    put32(f->img + H_CODE32_START, 0x105000); /* just past the 0x5000-byte payload */
    expect_kernel_fail(f, "code32_start 0x105000 is not inside the protected-mode code loaded "
                          "at 0x100000-0x105000");
    put32(f->img + H_CODE32_START, 0xfffff);
    expect_kernel_fail(f, "code32_start 0xfffff");
}

static void test_kernel_too_big_for_ram(void **state)
{
    struct fixture *f = *state;
    use_ram(f, 2u * MIB);
    build_kernel(f, 0x180000); /* 1.5 MiB of code at 1 MiB */
    put32(f->img + H_INIT_SIZE, 0x100000);
    put64(f->img + H_PREF_ADDRESS, 0);
    expect_kernel_fail(f, "needs at least 3 MiB of guest RAM: its 1572864 bytes of protected-mode "
                          "code are loaded at 1 MiB, guest RAM is 2 MiB (use -m)");
    use_ram(f, DEFAULT_RAM);
    build_default(f);
    put32(f->img + H_INIT_SIZE, 0x2000000); /* 4 MiB + 32 MiB */
    expect_kernel_fail(f, "needs at least 36 MiB of guest RAM: it initialises itself in "
                          "0x400000-0x2400000 (init_size 0x2000000), guest RAM is 32 MiB");
    /* A pref_address whose region wraps past 2^64 is refused, not wrapped. */
    build_default(f);
    f->img[H_RELOCATABLE] = 0;
    put64(f->img + H_PREF_ADDRESS, 0xfffffffffffff000ull);
    expect_kernel_fail(f, "needs at least 17592186044416 MiB of guest RAM");
}

static void test_initrd_too_big(void **state)
{
    struct fixture *f = *state;
    build_initrd(f, DEFAULT_RAM + 1);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    expect_fail(f, f->rpath, "", "initrd");
    assert_contains(f->err, "is larger than guest RAM (32 MiB)");
    put32(f->img + H_INITRD_ADDR_MAX, 0x00bfffff); /* 12 MiB: only 2 MiB above the kernel */
    build_initrd(f, 2 * MIB + 1);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    expect_fail(f, f->rpath, "", "does not fit between the end of the kernel 0xa00000 and the "
                                 "kernel's initrd_addr_max 0xbfffff");
    build_initrd(f, 2 * MIB);
    assert_int_equal(load_with_initrd(f, ""), 0);
    check_loader_fields(f, 10 * MIB, 2 * MIB);
}

static void test_cmdline_too_long_for_low_memory(void **state)
{
    struct fixture *f = *state;
    size_t n = 0x9fc00 - 0x20000 + 16;
    char *line = malloc(n + 1);
    assert_non_null(line);
    memset(line, 'x', n);
    line[n] = '\0';
    put32(f->img + H_CMDLINE_SIZE, 0xffffffff);
    expect_fail(f, NULL, line, "fit in low memory");
    free(line);
}

/* ---------- format choice and the command line ---------- */

static void test_loader_boot_picks_linux(void **state)
{
    struct fixture *f = *state;
    build_initrd(f, 8192);
    write_file(f, f->kpath, "bzImage", f->img, f->len);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    struct vm_config cfg = { .kernel = f->kpath, .initrd = f->rpath, .append = "quiet" };
    assert_int_equal(loader_boot(f->vm, &cfg, f->err, sizeof f->err), 0);
    assert_int_equal(f->vm->cpu.eip, 0x100000);
    assert_int_equal(f->vm->cpu.seg[SREG_CS].sel, 0x10);
    uint32_t bp = f->vm->cpu.gpr[GPR_ESI];
    const uint8_t *zp = ram(f, bp, ZP_SIZE);
    assert_int_equal(get32(zp + H_RAMDISK_SIZE), 8192);
    assert_string_equal((const char *)ram(f, get32(zp + H_CMD_LINE_PTR), 6), "quiet");
}

/* -initrd with a file that is no bzImage: it is a list of Multiboot
 * modules, and the Multiboot loader judges the kernel first. */
static void test_loader_boot_initrd_with_non_linux(void **state)
{
    struct fixture *f = *state;
    char notlinux[128];
    uint8_t junk[1024] = { 0x7f, 'E', 'L', 'F' };
    write_file(f, notlinux, "notlinux", junk, sizeof junk);
    build_initrd(f, 100);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    struct vm_config cfg = { .kernel = notlinux, .initrd = f->rpath, .append = "" };
    assert_int_equal(loader_boot(f->vm, &cfg, f->err, sizeof f->err), -1);
    assert_contains(f->err, "multiboot");
    assert_ram_untouched(f);
    /* Without -initrd the Multiboot loader judges the file. */
    cfg.initrd = NULL;
    assert_int_equal(loader_boot(f->vm, &cfg, f->err, sizeof f->err), -1);
    assert_contains(f->err, "multiboot");
    /* A kernel that cannot be opened is named as such. */
    cfg.kernel = "/nonexistent/bzImage";
    assert_int_equal(loader_boot(f->vm, &cfg, f->err, sizeof f->err), -1);
    assert_contains(f->err, "could not open kernel '/nonexistent/bzImage'");
}

static void test_options_initrd(void **state)
{
    (void)state;
    struct vm_config cfg;
    char *argv[] = { "btvisor", "-kernel", "bz", "-initrd", "rd.gz", "-append", "a b", NULL };
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    assert_int_equal(options_parse(7, argv, &cfg, null, null), 0);
    assert_string_equal(cfg.initrd, "rd.gz");
    assert_string_equal(cfg.append, "a b");
    char *argv2[] = { "btvisor", "-kernel", "bz", NULL };
    assert_int_equal(options_parse(3, argv2, &cfg, null, null), 0);
    assert_null(cfg.initrd);
    char *argv3[] = { "btvisor", "-kernel", "bz", "--initrd=", NULL };
    assert_int_equal(options_parse(4, argv3, &cfg, null, null), -1);
    fclose(null);
}

/* ---------- robustness ---------- */

/* Deterministic xorshift: the same corruptions on every run. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* After a successful load of a corrupted image, everything must still be consistent. */
static void check_consistent_boot(struct fixture *f, uint64_t ram_size)
{
    const uint8_t *zp = zero_page(f);
    uint32_t rd = get32(zp + H_RAMDISK_IMAGE), rdsz = get32(zp + H_RAMDISK_SIZE);
    assert_int_equal(rdsz, f->rdlen);
    assert_true(rd >= 0x100000 && rd % 4096 == 0 && (uint64_t)rd + rdsz <= ram_size);
    assert_true((uint64_t)rd + rdsz - 1 <= get32(zp + H_INITRD_ADDR_MAX));
    assert_true(f->e.eip >= 0x100000 && f->e.eip < 0x100000 + (f->len - setup_size(f)));
    assert_true((uint64_t)rd >= 0x100000 + (f->len - setup_size(f)));
    assert_int_equal(zp[ZP_SENTINEL], 0);
    assert_int_equal(zp[H_LOADFLAGS], 1);
}

static void test_random_corruption_never_crashes(void **state)
{
    struct fixture *f = *state;
    uint32_t seed = 0x1badb002, ok = 0, refused = 0;
    build_initrd(f, 5000);
    write_file(f, f->rpath, "initrd", f->rd, f->rdlen);
    for (int round = 0; round < 1500; round++) {
        build_default(f);
        int flips = 1 + (int)(rng_next(&seed) % 4);
        for (int i = 0; i < flips; i++) {
            uint32_t bit = rng_next(&seed) % ((0x270 - 0x1f1) * 8);
            f->img[0x1f1 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        if (rng_next(&seed) % 8 == 0)
            f->len -= rng_next(&seed) % f->len; /* sometimes truncated too */
        memset(f->vm->mem.ram, POISON, 0x200000);
        memset(f->vm->mem.ram + DEFAULT_RAM - 0x100000, POISON, 0x100000);
        if (load(f, f->rpath, "console=ttyS0") == 0) {
            check_consistent_boot(f, DEFAULT_RAM);
            ok++;
        } else {
            assert_true(f->err[0] != '\0');
            assert_null(strchr(f->err, '\n'));
            assert_all(ram(f, 0, 0x200000), 0x200000, POISON);
            refused++;
        }
    }
    /* Both outcomes happen: flips in unused bytes are harmless, others are caught. */
    assert_true(ok > 100);
    assert_true(refused > 100);
}

/* ---------- a real kernel, when one is there ---------- */

/* The source tree's root, from this file's path (…/tests/unit/test_linux_loader.c). */
static void source_root(char *buf, size_t len)
{
    snprintf(buf, len, "%s", __FILE__);
    char *p = strstr(buf, "tests/unit/test_linux_loader.c");
    if (p)
        *p = '\0';
    else
        snprintf(buf, len, "./");
}

static const char *find_real_kernel(char *buf, size_t len)
{
    const char *env = getenv("BTV_LINUX_KERNEL");
    if (env && *env)
        return env;
    char root[512];
    source_root(root, sizeof root);
    const char *cands[] = { "build/linux/bzImage", "tests/linux/bzImage" };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        struct stat st;
        snprintf(buf, len, "%s%s", root, cands[i]);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
            return buf;
    }
    return NULL;
}

static void test_real_kernel(void **state)
{
    struct fixture *f = *state;
    char path[640];
    const char *k = find_real_kernel(path, sizeof path);
    if (!k)
        skip(); /* no kernel downloaded (scripts fetch Debian's i386 bzImage into build/linux) */
    use_ram(f, 256u * MIB);
    char err[512];
    assert_int_equal(linux_is_bzimage(k, err, sizeof err), 1);
    struct linux_entry e;
    if (linux_load(f->vm, k, NULL, "console=ttyS0", &e, err, sizeof err) < 0)
        fail_msg("real kernel '%s' refused: %s", k, err);
    const uint8_t *zp = ram(f, e.esi, ZP_SIZE);
    assert_true(get16(zp + H_VERSION) >= 0x0204);
    assert_int_equal(get16(zp + H_BOOT_FLAG), 0xAA55);
    assert_int_equal(e.eip, get32(zp + H_CODE32_START));
    assert_int_equal(zp[H_TYPE_OF_LOADER], 0xff);
    assert_string_equal((const char *)ram(f, get32(zp + H_CMD_LINE_PTR), 14), "console=ttyS0");
    /* The payload at 1 MiB is the file after the setup sectors. */
    FILE *fp = fopen(k, "rb");
    assert_non_null(fp);
    uint8_t head[0x400], first[512];
    assert_int_equal(fread(head, 1, sizeof head, fp), sizeof head);
    uint32_t setup = ((head[H_SETUP_SECTS] ? head[H_SETUP_SECTS] : 4) + 1) * 512u;
    assert_int_equal(fseek(fp, setup, SEEK_SET), 0);
    assert_int_equal(fread(first, 1, sizeof first, fp), sizeof first);
    fclose(fp);
    assert_memory_equal(ram(f, 0x100000, sizeof first), first, sizeof first);
    print_message("real kernel %s: protocol %u.%02u, init_size 0x%x, entry 0x%x\n", k,
                  zp[H_VERSION + 1], zp[H_VERSION], get32(zp + H_INIT_SIZE), e.eip);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, test_setup)
    const struct CMUnitTest tests[] = {
        T(test_loads_payload_zero_page_and_cmdline),
        T(test_loader_overrides_write_fields),
        T(test_mem_sizes_for_large_ram),
        T(test_header_copied_to_jump_end_only),
        T(test_empty_and_null_cmdline),
        T(test_cmdline_exactly_cmdline_size),
        T(test_protocol_204_limits),
        T(test_setup_sects_zero_means_four),
        T(test_code32_start_inside_payload),
        T(test_initrd_at_top_of_ram),
        T(test_initrd_below_initrd_addr_max),
        T(test_initrd_stays_above_init_region),
        T(test_non_relocatable_runs_at_pref_address),
        T(test_relocatable_aligned_up),
        T(test_old_protocol_ignores_init_size_fields),
        T(test_entry_state),
        T(test_missing_files),
        T(test_empty_initrd_and_kernel),
        T(test_not_a_bzimage),
        T(test_bad_boot_flag),
        T(test_protocol_too_old),
        T(test_bad_jump),
        T(test_truncated_kernels),
        T(test_zimage_and_64bit_refused),
        T(test_bad_alignment_and_entry),
        T(test_kernel_too_big_for_ram),
        T(test_initrd_too_big),
        T(test_cmdline_too_long_for_low_memory),
        T(test_loader_boot_picks_linux),
        T(test_loader_boot_initrd_with_non_linux),
        T(test_options_initrd),
        T(test_random_corruption_never_crashes),
        T(test_real_kernel),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
