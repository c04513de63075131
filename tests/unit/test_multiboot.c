/*
 * test_multiboot.c: the Multiboot v1 loader against images built byte by byte.
 *
 * Every image is assembled here (an ELF32 with two PT_LOADs and bss, an
 * a.out-kludge image) and written to a temporary file; each malformation the
 * loader must refuse is one mutation of a valid image, and each refusal must
 * name its problem.  Valid loads are checked in guest RAM: the copied bytes,
 * the zeroed bss, the untouched bytes around them (RAM is poisoned with 0xAA
 * before every test), the entry registers, and the Multiboot information
 * parsed back with the offsets of the specification (0.6.96 §3.3), written
 * out here rather than taken from the loader's headers.
 *
 * A last test loads real guest kernels when they exist: the files named in
 * $BTV_MULTIBOOT_KERNEL (colon separated) and guests/ *.elf, *.bin under the
 * working directory (ctest runs in build/tests, where the guest kernels are
 * built).  A real file without a header must be refused.
 *
 *   ctest --test-dir build -R test_multiboot --output-on-failure
 */
#include <dirent.h>
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

#include "loader/multiboot.h"
#include "loader/mbmods.h"
#include "monitor/vm.h"

#define RAM_SIZE (16u << 20)
#define POISON 0xAA
#define IMG_MAX (64u << 10)

/* Multiboot 0.6.96 constants, spelled out independently of the loader. */
#define MB_MAGIC 0x1BADB002u
#define MB_EAX 0x2BADB002u
#define MB_AOUT (1u << 16)

/* ELF32 (System V ABI, i386 supplement), spelled out here: <elf.h> would
 * clash with monitor/vcpu.h (EV_NONE). */
#define ELFMAG "\x7f" "ELF"
#define SELFMAG 4
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define ELF_EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4

typedef struct {
    uint8_t e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf32_Ehdr;

typedef struct {
    uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} Elf32_Phdr;

_Static_assert(sizeof(Elf32_Ehdr) == 52 && sizeof(Elf32_Phdr) == 32, "ELF32 layout");

struct fixture {
    struct vm *vm;
    char dir[64];   /* temporary directory for the image files */
    char path[128]; /* the last image written */
    char err[512];  /* the loader's message */
    uint8_t img[IMG_MAX];
    size_t len;
};

/* ---------- little helpers ---------- */

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t pattern(uint32_t off) { return (uint8_t)(off * 7 + 3); }

static uint8_t *ram(struct fixture *f, uint32_t pa, uint32_t len)
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

static void write_file(struct fixture *f, const char *name, const void *buf, size_t len)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
}

static int load(struct fixture *f, const char *cmdline, struct boot_entry *e)
{
    write_file(f, "kernel", f->img, f->len);
    f->err[0] = '\0';
    return multiboot_load(f->vm, f->path, cmdline, e, f->err, sizeof f->err);
}

/* The load must fail with a message containing `needle`, and leave RAM untouched. */
static void expect_fail(struct fixture *f, const char *needle)
{
    struct boot_entry e;
    assert_int_equal(load(f, "", &e), -1);
    if (!strstr(f->err, needle))
        fail_msg("message \"%s\" does not contain \"%s\"", f->err, needle);
    assert_all(ram(f, 0x1000, 0x10000), 0x10000, POISON);
    assert_all(ram(f, 0x100000, 0x10000), 0x10000, POISON);
}

static void put_mb_header(uint8_t *p, uint32_t flags)
{
    put32(p, MB_MAGIC);
    put32(p + 4, flags);
    put32(p + 8, (uint32_t)-(MB_MAGIC + flags));
}

/* ---------- the ELF32 image ---------- */

#define ELF_MBHDR 0x100u /* file offset of the Multiboot header (outside any segment) */

struct seg {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

/* Two PT_LOADs: text 0x100000 (0x1800 bytes) and data+bss 0x200000 (0x800 of 0x3000). */
static const struct seg elf_default[2] = {
    { PT_LOAD, 0x1000, 0x100000, 0x100000, 0x1800, 0x1800 },
    { PT_LOAD, 0x3000, 0x200000, 0x200000, 0x800, 0x3000 },
};

static Elf32_Ehdr *ehdr(struct fixture *f) { return (Elf32_Ehdr *)f->img; }
static Elf32_Phdr *phdr(struct fixture *f, unsigned i)
{
    return (Elf32_Phdr *)(f->img + sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr));
}

static void build_elf(struct fixture *f, const struct seg *s, unsigned n, uint32_t entry)
{
    memset(f->img, 0, sizeof f->img);
    Elf32_Ehdr *eh = ehdr(f);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS32;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = ELF_EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_386;
    eh->e_version = ELF_EV_CURRENT;
    eh->e_entry = entry;
    eh->e_phoff = sizeof(Elf32_Ehdr);
    eh->e_ehsize = sizeof(Elf32_Ehdr);
    eh->e_phentsize = sizeof(Elf32_Phdr);
    eh->e_phnum = (uint16_t)n;
    f->len = ELF_MBHDR + 12;
    for (unsigned i = 0; i < n; i++) {
        Elf32_Phdr *ph = phdr(f, i);
        *ph = (Elf32_Phdr){ .p_type = s[i].type, .p_offset = s[i].offset, .p_vaddr = s[i].vaddr,
                            .p_paddr = s[i].paddr, .p_filesz = s[i].filesz,
                            .p_memsz = s[i].memsz, .p_align = 0x1000 };
        for (uint32_t o = s[i].offset; o < s[i].offset + s[i].filesz && o < IMG_MAX; o++)
            f->img[o] = pattern(o);
        if (s[i].offset + s[i].filesz > f->len && s[i].offset + s[i].filesz <= IMG_MAX)
            f->len = s[i].offset + s[i].filesz;
    }
    put_mb_header(f->img + ELF_MBHDR, 0x3);
}

static void build_elf_default(struct fixture *f)
{
    build_elf(f, elf_default, 2, 0x100010);
}

/* ---------- the a.out-kludge image ---------- */

/* File: 0x2400 bytes, header at offset 0x40; loads file[0, 0x2000) at
 * 0x100000, bss up to 0x104000, entry 0x100080. */
#define AOUT_HDR 0x40u

static void set_aout_fields(struct fixture *f, uint32_t off, uint32_t flags, uint32_t header_addr,
                            uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
                            uint32_t entry)
{
    uint8_t *h = f->img + off;
    put_mb_header(h, flags);
    put32(h + 12, header_addr);
    put32(h + 16, load_addr);
    put32(h + 20, load_end);
    put32(h + 24, bss_end);
    put32(h + 28, entry);
}

static void build_aout(struct fixture *f)
{
    memset(f->img, 0, sizeof f->img);
    f->len = 0x2400;
    for (uint32_t o = 0; o < f->len; o++)
        f->img[o] = pattern(o);
    set_aout_fields(f, AOUT_HDR, MB_AOUT | 0x3, 0x100000 + AOUT_HDR, 0x100000, 0x102000,
                    0x104000, 0x100080);
}

/* ---------- parsing the information structure back (§3.3) ---------- */

struct mbi_view {
    uint32_t flags, mem_lower, mem_upper, mods_count;
    const char *cmdline, *loader_name;
    uint64_t mmap[8][3]; /* base, length, type */
    unsigned nmmap;
};

/* A C string at guest address pa that must end inside [lo, hi). */
static const char *guest_string(struct fixture *f, uint32_t pa, uint32_t lo, uint32_t hi)
{
    assert_true(pa >= lo && pa < hi);
    const char *s = (const char *)ram(f, pa, hi - pa);
    assert_non_null(memchr(s, '\0', hi - pa));
    return s;
}

static void mbi_parse(struct fixture *f, uint32_t ebx, struct mbi_view *v)
{
    uint32_t lo = ebx, hi = ebx + 4096; /* everything must sit in the 4 KiB area */
    assert_true(ebx >= 0x1000 && hi <= 0x9fc00);
    const uint8_t *p = ram(f, ebx, 88);
    *v = (struct mbi_view){ .flags = get32(p), .mem_lower = get32(p + 4),
                            .mem_upper = get32(p + 8), .mods_count = get32(p + 20) };
    v->cmdline = guest_string(f, get32(p + 16), lo, hi);
    v->loader_name = guest_string(f, get32(p + 64), lo, hi);
    uint32_t mlen = get32(p + 44), maddr = get32(p + 48);
    assert_true(maddr >= lo && maddr + mlen <= hi);
    for (uint32_t off = 0; off < mlen; v->nmmap++) {
        const uint8_t *m = ram(f, maddr + off, 24);
        assert_true(v->nmmap < 8);
        v->mmap[v->nmmap][0] = get64(m + 4);
        v->mmap[v->nmmap][1] = get64(m + 12);
        v->mmap[v->nmmap][2] = get32(m + 20);
        assert_int_equal(get32(m), 20); /* size does not count itself */
        off += get32(m) + 4;
    }
}

static void assert_standard_mbi(struct fixture *f, uint32_t ebx, const char *cmdline)
{
    struct mbi_view v;
    mbi_parse(f, ebx, &v);
    const uint32_t want = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9);
    assert_int_equal(v.flags & want, want);
    assert_int_equal(v.mem_lower, 640);
    assert_int_equal(v.mem_upper, (RAM_SIZE - (1u << 20)) / 1024);
    assert_int_equal(v.mods_count, 0);
    assert_string_equal(v.loader_name, "btvisor");
    assert_string_equal(v.cmdline, cmdline);
    assert_int_equal(v.nmmap, 3);
    const uint64_t map[3][3] = { { 0, 0x9fc00, 1 },
                                 { 0x9fc00, 0x100000 - 0x9fc00, 2 },
                                 { 0x100000, RAM_SIZE - 0x100000, 1 } };
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(v.mmap[i][0], map[i][0]);
        assert_int_equal(v.mmap[i][1], map[i][1]);
        assert_int_equal(v.mmap[i][2], map[i][2]);
    }
}

/* ---------- fixtures ---------- */

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    if (!f)
        return -1;
    f->vm = calloc(1, sizeof *f->vm);
    if (!f->vm || gmem_init(&f->vm->mem, RAM_SIZE, err, sizeof err) < 0) {
        fprintf(stderr, "gmem_init: %s\n", err);
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/btv-mbtest-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    char p[160];
    const char *names[] = { "kernel", "empty", "huge" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/adir", f->dir);
    rmdir(p);
    rmdir(f->dir);
    gmem_destroy(&f->vm->mem);
    free(f->vm);
    free(f);
    return 0;
}

static int test_setup(void **state)
{
    struct fixture *f = *state;
    memset(f->vm->mem.ram, POISON, f->vm->mem.ram_size);
    return 0;
}

/* ---------- valid images ---------- */

static void test_elf_loads_segments_and_bss(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    assert_int_equal(load(f, "console=ttyS0 quiet", &e), 0);
    assert_int_equal(e.eip, 0x100010);
    assert_int_equal(e.eax, MB_EAX);
    /* text: a verbatim copy, nothing written after it */
    const uint8_t *t = ram(f, 0x100000, 0x1800);
    for (uint32_t i = 0; i < 0x1800; i++)
        assert_int_equal(t[i], pattern(0x1000 + i));
    assert_all(ram(f, 0x101800, 0x100), 0x100, POISON);
    /* data copied, bss zeroed up to p_memsz exactly */
    const uint8_t *d = ram(f, 0x200000, 0x800);
    for (uint32_t i = 0; i < 0x800; i++)
        assert_int_equal(d[i], pattern(0x3000 + i));
    assert_all(ram(f, 0x200800, 0x2800), 0x2800, 0);
    assert_all(ram(f, 0x203000, 0x100), 0x100, POISON);
    char want[256];
    snprintf(want, sizeof want, "%s console=ttyS0 quiet", f->path);
    assert_standard_mbi(f, e.ebx, want);
}

static void test_elf_empty_cmdline_and_preferred_area(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    assert_int_equal(load(f, NULL, &e), 0);
    assert_int_equal(e.ebx, 0x9000);
    char want[256];
    snprintf(want, sizeof want, "%s ", f->path); /* as QEMU: path, space, -append */
    assert_standard_mbi(f, e.ebx, want);
}

static void test_elf_higher_half_entry_is_physical(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    struct seg s[2] = { elf_default[0], elf_default[1] };
    s[0].vaddr = 0xC0100000;
    s[1].vaddr = 0xC0200000;
    build_elf(f, s, 2, 0xC0100123);
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(e.eip, 0x100123);
    assert_int_equal(ram(f, 0x100000, 1)[0], pattern(0x1000)); /* loaded at p_paddr */
}

/* xv6's layout: linked at 0x80100000, loaded at 0x100000, e_entry physical. */
static void test_elf_higher_half_physical_entry(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    struct seg s[2] = { elf_default[0], elf_default[1] };
    s[0].vaddr = 0x80100000;
    s[1].vaddr = 0x80200000;
    build_elf(f, s, 2, 0x10000c);
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(e.eip, 0x10000c);
    assert_int_equal(ram(f, 0x100000, 1)[0], pattern(0x1000)); /* loaded at p_paddr */
}

static void test_elf_ignores_non_load_and_empty_segments(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    struct seg s[4] = { elf_default[0], elf_default[1],
                        { PT_NOTE, 0x100, 0x500, 0x500, 0x10, 0x10 }, /* below 0x1000: ignored */
                        { PT_LOAD, 0, 0x600, 0x600, 0, 0 } };         /* empty: ignored */
    build_elf(f, s, 4, 0x100010);
    put_mb_header(f->img + ELF_MBHDR, 0x3);
    assert_int_equal(load(f, "", &e), 0); /* the empty PT_LOAD at 0x600 did not count */
    assert_all(ram(f, 0x500, 0x200), 0x200, POISON);
}

static void test_optional_unknown_flag_is_ignored(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    put_mb_header(f->img + ELF_MBHDR, 0x3 | (1u << 20)); /* bits 16-31 are optional */
    assert_int_equal(load(f, "", &e), 0);
}

static void test_header_after_false_magic(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    put32(f->img + 0xC0, MB_MAGIC); /* magic with a wrong checksum earlier in the file */
    assert_int_equal(load(f, "", &e), 0);
}

static void test_kernel_over_preferred_area_moves_info(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    struct seg s[2] = { { PT_LOAD, 0x1000, 0x8000, 0x8000, 0x3000, 0x3000 }, elf_default[1] };
    build_elf(f, s, 2, 0x8000);
    assert_int_equal(load(f, "x", &e), 0);
    assert_false(e.ebx < 0xB000 && e.ebx + 4096 > 0x8000);
    for (uint32_t i = 0; i < 0x3000; i++) /* the kernel was not overwritten */
        assert_int_equal(ram(f, 0x8000, 0x3000)[i], pattern(0x1000 + i));
    char want[256];
    snprintf(want, sizeof want, "%s x", f->path);
    assert_standard_mbi(f, e.ebx, want);
}

static void test_aout_kludge_loads(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_aout(f);
    assert_int_equal(load(f, "a=1", &e), 0);
    assert_int_equal(e.eip, 0x100080);
    assert_int_equal(e.eax, MB_EAX);
    /* file offset 0 at load_addr; load_end_addr stops the copy at 0x2000 */
    assert_memory_equal(ram(f, 0x100000, 0x2000), f->img, 0x2000);
    assert_all(ram(f, 0x102000, 0x2000), 0x2000, 0);
    assert_all(ram(f, 0x104000, 0x100), 0x100, POISON);
    char want[256];
    snprintf(want, sizeof want, "%s a=1", f->path);
    assert_standard_mbi(f, e.ebx, want);
}

static void test_aout_whole_file_no_bss(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_aout(f);
    /* Header at file offset 0x40 loads at 0x300040: file offset 0 goes to 0x300000. */
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x300040, 0x300000, 0, 0, 0x3023ff);
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(e.eip, 0x3023ff);
    assert_memory_equal(ram(f, 0x300000, 0x2400), f->img, 0x2400);
    assert_all(ram(f, 0x302400, 0x100), 0x100, POISON);
}

static void test_aout_text_starts_inside_file(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_aout(f);
    /* load_addr 0x20 below header_addr: copying starts at file offset 0x20. */
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100020, 0x100420, 0, 0x100020);
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(ram(f, 0x100000, 0x20)[0x1f], POISON);
    assert_int_equal(ram(f, 0x100020, 1)[0], pattern(0x20));
    assert_int_equal(ram(f, 0x10041f, 1)[0], pattern(0x41f));
    assert_int_equal(ram(f, 0x100420, 1)[0], POISON);
}

static void test_aout_kludge_wins_over_elf(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    /* §3.1.2: with bit 16 the header's addresses are used even for an ELF file. */
    set_aout_fields(f, ELF_MBHDR, MB_AOUT | 0x2, 0x500000 + ELF_MBHDR, 0x500000, 0x501000, 0,
                    0x500800);
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(e.eip, 0x500800);
    assert_memory_equal(ram(f, 0x500000, 4), ELFMAG, 4);
    assert_all(ram(f, 0x100000, 0x100), 0x100, POISON); /* PT_LOADs not used */
}

/* ---------- files and headers ---------- */

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    assert_int_equal(multiboot_load(f->vm, "/nonexistent/k.elf", "", &e, f->err, sizeof f->err), -1);
    assert_string_equal(f->err, "could not open kernel '/nonexistent/k.elf': No such file or directory");
}

static void test_empty_file_and_directory(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    write_file(f, "empty", "", 0);
    assert_int_equal(multiboot_load(f->vm, f->path, "", &e, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "is empty"));
    char d[160];
    snprintf(d, sizeof d, "%s/adir", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(multiboot_load(f->vm, d, "", &e, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "Is a directory"));
}

static void test_file_larger_than_ram(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    snprintf(f->path, sizeof f->path, "%s/huge", f->dir);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(ftruncate(fileno(fp), RAM_SIZE + 1), 0); /* sparse */
    fclose(fp);
    assert_int_equal(multiboot_load(f->vm, f->path, "", &e, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "larger than guest RAM (16 MiB)"));
}

static void test_no_header(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    memset(f->img + ELF_MBHDR, 0, 12);
    expect_fail(f, "is not a multiboot kernel: no multiboot header in the first 8 KiB");
}

static void test_bad_checksum(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    put32(f->img + ELF_MBHDR + 8, get32(f->img + ELF_MBHDR + 8) + 1);
    expect_fail(f, "no multiboot header in the first 8 KiB");
}

static void test_misaligned_header(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    memset(f->img + ELF_MBHDR, 0, 12);
    put_mb_header(f->img + ELF_MBHDR + 2, 0x3);
    expect_fail(f, "no multiboot header");
}

static void test_header_beyond_8k(void **state)
{
    struct fixture *f = *state;
    struct seg s[1] = { { PT_LOAD, 0x1000, 0x100000, 0x100000, 0x2000, 0x2000 } };
    build_elf(f, s, 1, 0x100000);
    memset(f->img + ELF_MBHDR, 0, 12);
    put_mb_header(f->img + 8192, 0x3); /* inside the file, but past the window */
    expect_fail(f, "no multiboot header in the first 8 KiB");
    memset(f->img + 8192, 0, 12);
    put_mb_header(f->img + 8192 - 12, 0x3); /* the last place it may be */
    struct boot_entry e;
    assert_int_equal(load(f, "", &e), 0);
}

static void test_video_flag_refused(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    put_mb_header(f->img + ELF_MBHDR, 0x7);
    expect_fail(f, "video mode");
}

static void test_unknown_required_flag_refused(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    put_mb_header(f->img + ELF_MBHDR, 0x3 | (1u << 5));
    expect_fail(f, "unknown multiboot features");
    put_mb_header(f->img + ELF_MBHDR, 0x3 | (1u << 15));
    expect_fail(f, "unsupported required bits 0x8000");
}

/* ---------- ELF malformations ---------- */

static void test_elf_bad_ident(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    ehdr(f)->e_ident[EI_CLASS] = ELFCLASS64;
    expect_fail(f, "64-bit ELF");
    build_elf_default(f);
    ehdr(f)->e_ident[EI_DATA] = ELFDATA2MSB;
    expect_fail(f, "not little endian");
    build_elf_default(f);
    ehdr(f)->e_machine = EM_X86_64;
    expect_fail(f, "not i386");
    build_elf_default(f);
    ehdr(f)->e_type = ET_DYN;
    expect_fail(f, "not an executable");
    build_elf_default(f);
    memcpy(f->img, "\x7f" "ELG", 4);
    expect_fail(f, "is not an ELF file");
}

static void test_not_elf_without_aout_fields(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    memset(f->img, 0, 0x40); /* not ELF, header valid, no address fields */
    expect_fail(f, "flag bit 16 clear");
}

static void test_elf_phdrs_outside_file(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    ehdr(f)->e_phoff = (uint32_t)f->len - 16;
    expect_fail(f, "program headers");
    build_elf_default(f);
    ehdr(f)->e_phoff = 0xfffffff0; /* offset + size wraps in 32 bits */
    expect_fail(f, "extend beyond the end of the file");
    build_elf_default(f);
    ehdr(f)->e_phnum = 0;
    expect_fail(f, "no program headers");
    build_elf_default(f);
    ehdr(f)->e_phentsize = 16;
    expect_fail(f, "program header size");
}

static void test_elf_no_load_segment(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 0)->p_type = PT_NOTE;
    phdr(f, 1)->p_type = PT_NULL;
    expect_fail(f, "no loadable (PT_LOAD) segment");
}

static void test_elf_segment_outside_ram(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 1)->p_paddr = RAM_SIZE - 0x1000; /* memsz 0x3000 runs past the end */
    expect_fail(f, "kernel segment 0xfff000-0x1002000 lies outside guest RAM (16 MiB)");
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0xfffff000; /* wraps to 0x2000 in 32 bits */
    expect_fail(f, "lies outside guest RAM");
}

static void test_elf_segment_low_or_reserved(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0x800;
    expect_fail(f, "lies below 0x1000");
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0x9f000; /* 0x9f000-0xa2000 crosses into the VGA hole */
    expect_fail(f, "overlaps the reserved area 0x9fc00-0x100000");
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0xf0000;
    expect_fail(f, "reserved area");
}

static void test_elf_segments_overlap(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0x1017ff; /* one byte into the text segment */
    expect_fail(f, "overlap");
    build_elf_default(f);
    phdr(f, 1)->p_paddr = 0x101800; /* adjacent is fine */
    struct boot_entry e;
    assert_int_equal(load(f, "", &e), 0);
}

static void test_elf_filesz_above_memsz(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 1)->p_memsz = 0x7ff;
    expect_fail(f, "p_filesz 0x800 > p_memsz 0x7ff");
    build_elf_default(f);
    phdr(f, 1)->p_memsz = 0; /* a "empty" segment with file bytes is still wrong */
    expect_fail(f, "p_filesz");
}

static void test_elf_offsets_beyond_file(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    phdr(f, 1)->p_offset = (uint32_t)f->len - 0x7ff;
    expect_fail(f, "beyond the end of the file");
    build_elf_default(f);
    phdr(f, 1)->p_offset = 0xfffffc00; /* + p_filesz wraps in 32 bits */
    expect_fail(f, "beyond the end of the file");
}

static void test_elf_entry_outside_segments(void **state)
{
    struct fixture *f = *state;
    build_elf_default(f);
    ehdr(f)->e_entry = 0x101800; /* just past the text */
    expect_fail(f, "entry point 0x101800 is not inside a loaded segment");
    build_elf_default(f);
    ehdr(f)->e_entry = 0x202fff; /* last bss byte counts as loaded */
    struct boot_entry e;
    assert_int_equal(load(f, "", &e), 0);
    assert_int_equal(e.eip, 0x202fff);
}

static void test_elf_fills_low_memory(void **state)
{
    struct fixture *f = *state;
    struct seg s[2] = { elf_default[0], { PT_LOAD, 0x3000, 0x1000, 0x1000, 0x10, 0x9ec00 } };
    build_elf(f, s, 2, 0x100000);
    expect_fail(f, "no free page is left for the multiboot information");
}

/* ---------- a.out kludge malformations ---------- */

static void test_aout_bad_addresses(void **state)
{
    struct fixture *f = *state;
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100044, 0, 0, 0x100044);
    expect_fail(f, "load_addr 0x100044 lies above header_addr 0x100040");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0xff000, 0, 0, 0x100044);
    expect_fail(f, "points before the start of the file");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100000, 0x102401, 0, 0x100044);
    expect_fail(f, "load_end_addr 0x102401 lies beyond the end of the file");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100000, 0xfffff, 0, 0x100044);
    expect_fail(f, "load_end_addr 0xfffff lies below load_addr");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100000, 0x102000, 0x101fff, 0x100044);
    expect_fail(f, "bss_end_addr 0x101fff lies below");
}

static void test_aout_bad_entry_and_placement(void **state)
{
    struct fixture *f = *state;
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100000, 0x102000, 0x104000, 0x104000);
    expect_fail(f, "entry point 0x104000 is not inside");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0x100040, 0x100000, 0x102000, 0x104000, 0xfffff);
    expect_fail(f, "entry point 0xfffff");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0xfff040, 0xfff000, 0, 0x1002000, 0xfff000);
    expect_fail(f, "lies outside guest RAM (16 MiB)");
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0xfffff040, 0xfffff000, 0, 0, 0xfffff000);
    expect_fail(f, "lies outside guest RAM"); /* 0xfffff000 + 0x2400 wraps in 32 bits */
    build_aout(f);
    set_aout_fields(f, AOUT_HDR, MB_AOUT, 0xa0040, 0xa0000, 0, 0, 0xa0000);
    expect_fail(f, "reserved area");
}

static void test_aout_fields_cut_off(void **state)
{
    struct fixture *f = *state;
    build_aout(f);
    memset(f->img + AOUT_HDR, 0, 32);
    set_aout_fields(f, 8192 - 16, MB_AOUT, 0, 0, 0, 0, 0); /* fields past 8 KiB */
    expect_fail(f, "address fields are cut off");
}

/* ---------- the command line ---------- */

static void test_cmdline_longest_fits_exactly(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    build_elf_default(f);
    write_file(f, "kernel", f->img, f->len);
    char line[8192];
    size_t fits = 0;
    for (size_t n = 3500; n < 4200; n++) {
        memset(line, 'a' + n % 26, n);
        line[n] = '\0';
        if (multiboot_load(f->vm, f->path, line, &e, f->err, sizeof f->err) < 0) {
            assert_non_null(strstr(f->err, "command line too long"));
            break;
        }
        fits = n;
        /* the whole string arrives, inside the area */
        struct mbi_view v;
        mbi_parse(f, e.ebx, &v);
        assert_int_equal(strlen(v.cmdline), strlen(f->path) + 1 + n);
        assert_string_equal(v.cmdline + strlen(f->path) + 1, line);
    }
    assert_true(fits > 3500 && fits < 4200 - 1);
}

static void test_cmdline_huge_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    size_t n = 1u << 20;
    char *line = malloc(n + 1);
    assert_non_null(line);
    memset(line, 'x', n);
    line[n] = '\0';
    build_elf_default(f);
    write_file(f, "kernel", f->img, f->len);
    assert_int_equal(multiboot_load(f->vm, f->path, line, &e, f->err, sizeof f->err), -1);
    free(line);
    assert_non_null(strstr(f->err, "command line too long"));
    assert_all(ram(f, 0x100000, 0x1800), 0x1800, POISON); /* nothing loaded */
}

/* ---------- modules (-initrd "file args,file") ---------- */

static void test_modules_list_syntax(void **state)
{
    (void)state;
    struct mb_modules m;
    char err[256];
    assert_int_equal(mb_modules_parse(&m, "a.bin one two,b,,c,d", err, sizeof err), 0);
    assert_int_equal(m.count, 3);
    assert_string_equal(m.mod[0].spec, "a.bin one two");
    assert_string_equal(m.mod[0].path, "a.bin");
    assert_string_equal(m.mod[1].spec, "b,c"); /* ",," is a comma inside the name */
    assert_string_equal(m.mod[1].path, "b,c");
    assert_string_equal(m.mod[2].path, "d");
    mb_modules_free(&m);
    assert_int_equal(mb_modules_parse(&m, "a,,", err, sizeof err), 0);
    assert_int_equal(m.count, 1);
    mb_modules_free(&m);
    assert_int_equal(mb_modules_parse(&m, "a,,b, x", err, sizeof err), -1);
    assert_non_null(strstr(err, "empty module name"));
}

/* Two modules land page-aligned after the kernel, with their command lines. */
static void test_modules_loaded_after_kernel(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    char kernel[160], m1[160], m2[160], list[400];
    uint8_t a[5000], b[3];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = pattern((uint32_t)i);
    memcpy(b, "xyz", 3);
    build_elf_default(f); /* ends at 0x203000 */
    write_file(f, "kernel", f->img, f->len);
    snprintf(kernel, sizeof kernel, "%s", f->path);
    write_file(f, "mod1", a, sizeof a);
    snprintf(m1, sizeof m1, "%s", f->path);
    write_file(f, "mod2", b, sizeof b);
    snprintf(m2, sizeof m2, "%s", f->path);
    snprintf(list, sizeof list, "%s arg=1 two,%s", m1, m2);
    assert_int_equal(multiboot_load_modules(f->vm, kernel, "k", list, &e, f->err, sizeof f->err), 0);
    const uint8_t *p = ram(f, e.ebx, 88);
    assert_true(get32(p) & (1u << 3));
    assert_int_equal(get32(p + 20), 2);
    const uint8_t *t = ram(f, get32(p + 24), 32);
    assert_int_equal(get32(t), 0x203000);
    assert_int_equal(get32(t + 4), 0x203000 + sizeof a);
    assert_int_equal(get32(t + 16), 0x205000); /* the next page boundary */
    assert_int_equal(get32(t + 20), 0x205003);
    assert_memory_equal(ram(f, 0x203000, sizeof a), a, sizeof a);
    assert_memory_equal(ram(f, 0x205000, 3), "xyz", 3);
    char want[200];
    snprintf(want, sizeof want, "%s arg=1 two", m1);
    assert_string_equal(guest_string(f, get32(t + 8), e.ebx, e.ebx + 4096), want);
    assert_string_equal(guest_string(f, get32(t + 24), e.ebx, e.ebx + 4096), m2);
    struct mbi_view v;
    mbi_parse(f, e.ebx, &v); /* the kernel's command line is intact beside them */
    snprintf(want, sizeof want, "%s k", kernel);
    assert_string_equal(v.cmdline, want);
}

static void test_modules_errors(void **state)
{
    struct fixture *f = *state;
    struct boot_entry e;
    char kernel[160];
    build_elf_default(f);
    write_file(f, "kernel", f->img, f->len);
    snprintf(kernel, sizeof kernel, "%s", f->path);
    assert_int_equal(multiboot_load_modules(f->vm, kernel, "", "/nonexistent/env", &e, f->err,
                                            sizeof f->err), -1);
    assert_non_null(strstr(f->err, "could not open module '/nonexistent/env'"));
    assert_all(ram(f, 0x100000, 0x1800), 0x1800, POISON); /* nothing loaded */
    /* a module larger than what is left of RAM after the kernel */
    static uint8_t big[RAM_SIZE - 0x203000 + 1];
    write_file(f, "big", big, sizeof big);
    assert_int_equal(multiboot_load_modules(f->vm, kernel, "", f->path, &e, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "does not fit in guest RAM"));
    assert_all(ram(f, 0x100000, 0x1800), 0x1800, POISON);
}

/* ---------- random corruption ---------- */

/* Flip random bytes of the header areas of valid images, many times over: the
 * loader must never crash, and must either fail with a message or produce an
 * entry point and information structure that lie in RAM. */
static void corrupt_and_load(struct fixture *f, uint64_t *seed, unsigned span)
{
    for (unsigned k = 0; k < 4; k++) {
        *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
        f->img[(*seed >> 33) % span] ^= (uint8_t)(1u << ((*seed >> 20) & 7));
    }
    struct boot_entry e;
    if (load(f, "fuzz", &e) < 0) {
        assert_true(strlen(f->err) > 10);
        return;
    }
    assert_true(e.eip < RAM_SIZE && e.eip >= 0x1000);
    assert_true(e.ebx >= 0x1000 && e.ebx + 4096 <= 0x9fc00);
    assert_int_equal(e.eax, MB_EAX);
}

static void test_random_corruption_never_crashes(void **state)
{
    struct fixture *f = *state;
    uint64_t seed = 12345;
    for (unsigned i = 0; i < 1500; i++) {
        build_elf_default(f);
        corrupt_and_load(f, &seed, ELF_MBHDR + 12); /* ELF header, phdrs, multiboot header */
        build_aout(f);
        corrupt_and_load(f, &seed, AOUT_HDR + 32); /* the a.out kludge header fields */
    }
}

/* ---------- real guest kernels ---------- */

/* Read a whole file (plus zeroed slack for header reads); *n = its size. */
static uint8_t *read_whole(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct stat st;
    assert_int_equal(fstat(fileno(fp), &st), 0);
    *n = (size_t)st.st_size;
    uint8_t *buf = calloc(1, *n + 64);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *n, fp), *n);
    fclose(fp);
    return buf;
}

/* File offset of the Multiboot header (§3.1.1), or -1. */
static long find_mb_header(const uint8_t *buf, size_t n)
{
    for (size_t off = 0; off + 12 <= n && off + 12 <= 8192; off += 4)
        if (get32(buf + off) == MB_MAGIC &&
            get32(buf + off) + get32(buf + off + 4) + get32(buf + off + 8) == 0)
            return (long)off;
    return -1;
}

/* a.out kludge: the header's own addresses say what went where (§3.1.3). */
static void check_real_aout(struct fixture *f, const uint8_t *buf, size_t n, long hoff,
                            const struct boot_entry *e)
{
    const uint8_t *h = buf + hoff;
    uint32_t header_addr = get32(h + 12), load = get32(h + 16), load_end = get32(h + 20);
    uint32_t bss_end = get32(h + 24);
    size_t text = (size_t)hoff - (header_addr - load);
    uint32_t filesz = load_end ? load_end - load : (uint32_t)(n - text);
    assert_memory_equal(ram(f, load, filesz), buf + text, filesz);
    if (bss_end)
        assert_all(ram(f, load + filesz, bss_end - load - filesz), bss_end - load - filesz, 0);
    assert_int_equal(e->eip, get32(h + 28));
}

/* ELF: every PT_LOAD in RAM as in the file, bss zeroed, entry translated. */
static void check_real_elf(struct fixture *f, const uint8_t *buf, size_t n,
                           const struct boot_entry *e)
{
    Elf32_Ehdr eh;
    memcpy(&eh, buf, sizeof eh);
    assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf32_Phdr ph;
        assert_true(eh.e_phoff + (i + 1) * sizeof ph <= n);
        memcpy(&ph, buf + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        assert_true(ph.p_offset + ph.p_filesz <= n);
        assert_memory_equal(ram(f, ph.p_paddr, ph.p_filesz), buf + ph.p_offset, ph.p_filesz);
        assert_all(ram(f, ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz),
                   ph.p_memsz - ph.p_filesz, 0);
        if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
            assert_int_equal(e->eip, eh.e_entry - ph.p_vaddr + ph.p_paddr);
    }
}

/* Check one real kernel file: a file without a header must be refused; one
 * with a header must be loaded exactly as its header or ELF headers say. */
static void check_real_kernel(struct fixture *f, const char *path)
{
    size_t n;
    uint8_t *buf = read_whole(path, &n);
    long hoff = find_mb_header(buf, n);
    struct boot_entry e;
    memset(f->vm->mem.ram, POISON, f->vm->mem.ram_size);
    int rc = multiboot_load(f->vm, path, "real", &e, f->err, sizeof f->err);
    if (hoff < 0) {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(f->err, "no multiboot header"));
        free(buf);
        return;
    }
    if (rc < 0)
        fail_msg("%s: %s", path, f->err);
    assert_int_equal(e.eax, MB_EAX);
    if (get32(buf + hoff + 4) & MB_AOUT)
        check_real_aout(f, buf, n, hoff, &e);
    else
        check_real_elf(f, buf, n, &e);
    free(buf);
    char want[512];
    snprintf(want, sizeof want, "%s real", path);
    assert_standard_mbi(f, e.ebx, want);
}

/* Real kernels from $BTV_MULTIBOOT_KERNEL and guests/ *.elf, *.bin; returns how many. */
static unsigned check_real_kernels(struct fixture *f)
{
    unsigned count = 0;
    const char *env = getenv("BTV_MULTIBOOT_KERNEL");
    if (env && *env) {
        char *list = strdup(env), *save = NULL;
        for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save), count++)
            check_real_kernel(f, p);
        free(list);
    }
    DIR *d = opendir("guests");
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || (strcmp(de->d_name + len - 4, ".elf") != 0 &&
                        strcmp(de->d_name + len - 4, ".bin") != 0))
            continue;
        char p[512];
        snprintf(p, sizeof p, "guests/%s", de->d_name);
        check_real_kernel(f, p);
        count++;
    }
    if (d)
        closedir(d);
    return count;
}

static void test_real_guest_kernels(void **state)
{
    if (check_real_kernels(*state) == 0)
        skip(); /* no guest kernel built yet and none named in the environment */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, test_setup)
    const struct CMUnitTest tests[] = {
        T(test_elf_loads_segments_and_bss),
        T(test_modules_list_syntax),
        T(test_modules_loaded_after_kernel),
        T(test_modules_errors),
        T(test_elf_empty_cmdline_and_preferred_area),
        T(test_elf_higher_half_entry_is_physical),
        T(test_elf_higher_half_physical_entry),
        T(test_elf_ignores_non_load_and_empty_segments),
        T(test_optional_unknown_flag_is_ignored),
        T(test_header_after_false_magic),
        T(test_kernel_over_preferred_area_moves_info),
        T(test_aout_kludge_loads),
        T(test_aout_whole_file_no_bss),
        T(test_aout_text_starts_inside_file),
        T(test_aout_kludge_wins_over_elf),
        T(test_missing_file),
        T(test_empty_file_and_directory),
        T(test_file_larger_than_ram),
        T(test_no_header),
        T(test_bad_checksum),
        T(test_misaligned_header),
        T(test_header_beyond_8k),
        T(test_video_flag_refused),
        T(test_unknown_required_flag_refused),
        T(test_elf_bad_ident),
        T(test_not_elf_without_aout_fields),
        T(test_elf_phdrs_outside_file),
        T(test_elf_no_load_segment),
        T(test_elf_segment_outside_ram),
        T(test_elf_segment_low_or_reserved),
        T(test_elf_segments_overlap),
        T(test_elf_filesz_above_memsz),
        T(test_elf_offsets_beyond_file),
        T(test_elf_entry_outside_segments),
        T(test_elf_fills_low_memory),
        T(test_aout_bad_addresses),
        T(test_aout_bad_entry_and_placement),
        T(test_aout_fields_cut_off),
        T(test_cmdline_longest_fits_exactly),
        T(test_cmdline_huge_is_an_error),
        T(test_random_corruption_never_crashes),
        T(test_real_guest_kernels),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
