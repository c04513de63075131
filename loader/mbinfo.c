/*
 * mbinfo.c: building the Multiboot information structure (EBX at entry).
 *
 * A Multiboot kernel learns about the machine from one structure whose
 * physical address is in EBX (Multiboot 0.6.96 §3.2, §3.3).  btvisor fills:
 *   - mem_lower = 640 KiB and mem_upper = RAM above 1 MiB, in KiB (flag bit 0);
 *   - the command line "<kernel path> <-append string>" (flag bit 2), the
 *     form QEMU's -kernel uses, so kernels see argv[0] as GRUB would give it;
 *   - the modules of -initrd (flag bit 3, loader/mbmods.h): a table of start,
 *     end and command line per module; mods_count = 0 when there are none;
 *   - a memory map (flag bit 6): available 0-0x9fc00, reserved
 *     0x9fc00-0x100000 (EBDA, VGA, ROMs), available 0x100000-RAM end;
 *   - the boot loader name "btvisor" (flag bit 9).
 * Everything lives in one 4 KiB area of conventional memory, preferably
 * 0x9000, otherwise the first page that no kernel segment touches.  The area
 * is first built in a host buffer so that a command line that does not fit
 * is an error before anything is written to the guest, never a truncation.
 *
 *   uint8_t buf[MBI_AREA_SIZE];
 *   if (mbinfo_build(buf, 0x9000, 64 << 20, "k.elf", "quiet", NULL, err, sizeof err) == 0)
 *       mbinfo_write(vm, 0x9000, buf);
 */
#include <string.h>

#include "loader/mbimage.h"
#include "loader/mbinfo.h"
#include "loader/mbmods.h"
#include "monitor/vm.h"

static void mbinfo_put32(uint8_t *buf, uint32_t off, uint32_t v)
{
    memcpy(buf + off, &v, sizeof v); /* the guest is little-endian, like the host */
}

static void mbinfo_put64(uint8_t *buf, uint32_t off, uint64_t v)
{
    memcpy(buf + off, &v, sizeof v);
}

/* True if the page at pa is free of every kernel segment. */
static int mbinfo_area_free(const struct mb_image *img, uint32_t pa)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        uint64_t s0 = img->seg[i].paddr, s1 = s0 + img->seg[i].memsz;
        if (s0 < (uint64_t)pa + MBI_AREA_SIZE && pa < s1)
            return 0;
    }
    return 1;
}

int mbinfo_place(const struct mb_image *img, uint32_t *area, char *err, size_t errlen)
{
    if (mbinfo_area_free(img, MBI_AREA_PREFERRED)) {
        *area = MBI_AREA_PREFERRED;
        return 0;
    }
    /* Any other whole page of conventional memory above page 0. */
    for (uint32_t pa = MB_LOW_LIMIT; pa + MBI_AREA_SIZE <= MB_LOW_RAM_END; pa += MBI_AREA_SIZE) {
        if (mbinfo_area_free(img, pa)) {
            *area = pa;
            return 0;
        }
    }
    return mb_fail(err, errlen,
                   "'%s' occupies all of conventional memory (0x%x-0x%x): no free page is left "
                   "for the multiboot information",
                   img->path, MB_LOW_LIMIT, MB_LOW_RAM_END);
}

/* One memory map entry at buf[off]. */
static uint32_t mbinfo_put_mmap_entry(uint8_t *buf, uint32_t off, uint64_t base, uint64_t len,
                                      uint32_t type)
{
    mbinfo_put32(buf, off, MBI_MMAP_ENTRY_SIZE);
    mbinfo_put64(buf, off + 4, base);
    mbinfo_put64(buf, off + 12, len);
    mbinfo_put32(buf, off + 20, type);
    return off + MBI_MMAP_STRIDE;
}

/* The memory map and the mem_lower/mem_upper fields (§3.3 flag bits 0 and 6). */
static void mbinfo_build_memory(uint8_t *buf, uint32_t area, uint64_t ram_size)
{
    uint32_t off = MBI_AREA_MMAP;
    off = mbinfo_put_mmap_entry(buf, off, 0, MB_LOW_RAM_END, MBI_MMAP_AVAILABLE);
    off = mbinfo_put_mmap_entry(buf, off, MB_LOW_RAM_END, MB_HIGH_RAM_START - MB_LOW_RAM_END,
                                MBI_MMAP_RESERVED);
    if (ram_size > MB_HIGH_RAM_START)
        off = mbinfo_put_mmap_entry(buf, off, MB_HIGH_RAM_START, ram_size - MB_HIGH_RAM_START,
                                    MBI_MMAP_AVAILABLE);
    mbinfo_put32(buf, MBI_OFF_MMAP_LENGTH, off - MBI_AREA_MMAP);
    mbinfo_put32(buf, MBI_OFF_MMAP_ADDR, area + MBI_AREA_MMAP);
    mbinfo_put32(buf, MBI_OFF_MEM_LOWER, MBI_MEM_LOWER_KIB);
    /* mem_upper: KiB from 1 MiB to the first hole, i.e. the end of RAM (§3.3). */
    uint64_t upper = ram_size > MB_HIGH_RAM_START ? (ram_size - MB_HIGH_RAM_START) / 1024 : 0;
    mbinfo_put32(buf, MBI_OFF_MEM_UPPER, (uint32_t)upper);
}

/* Append a NUL-terminated string at *off; returns its guest address, or 0
 * when it does not fit in the area. */
static uint32_t mbinfo_put_string(uint8_t *buf, uint32_t area, uint32_t *off, const char *a,
                                  const char *b)
{
    size_t alen = strlen(a), blen = b ? strlen(b) : 0;
    size_t need = alen + (b ? 1 + blen : 0) + 1; /* cannot wrap: both are in memory */
    if (need > MBI_AREA_SIZE - *off)
        return 0;
    uint8_t *dst = buf + *off;
    memcpy(dst, a, alen);
    if (b) {
        dst[alen] = ' ';
        memcpy(dst + alen + 1, b, blen);
    }
    dst[need - 1] = '\0';
    uint32_t at = area + *off;
    *off += (uint32_t)need;
    return at;
}

/* The module table at MBI_AREA_MODS, the kernel command line "<path>
 * <cmdline>" after it, then the modules' command lines. */
static int mbinfo_build_strings(uint8_t *buf, uint32_t area, const char *path, const char *cmdline,
                                const struct mb_modules *mods, char *err, size_t errlen)
{
    unsigned n = mods ? mods->count : 0;
    uint32_t off = MBI_AREA_MODS + n * MBI_MODULE_SIZE;
    uint32_t at = mbinfo_put_string(buf, area, &off, path, cmdline);
    if (!at)
        return mb_fail(err, errlen,
                       "kernel command line too long: \"<kernel path> <-append>\" needs %zu bytes, "
                       "at most %u fit in the multiboot information area",
                       strlen(path) + strlen(cmdline) + 2, (unsigned)(MBI_AREA_SIZE - off));
    mbinfo_put32(buf, MBI_OFF_CMDLINE, at);
    for (unsigned i = 0; i < n; i++) {
        const struct mb_module *m = &mods->mod[i];
        uint32_t entry = MBI_AREA_MODS + i * MBI_MODULE_SIZE;
        uint32_t s = mbinfo_put_string(buf, area, &off, m->spec, NULL);
        if (!s)
            return mb_fail(err, errlen, "the modules' command lines do not fit in the multiboot "
                                        "information area (4 KiB with the kernel's)");
        mbinfo_put32(buf, entry, m->start);
        mbinfo_put32(buf, entry + 4, m->end);
        mbinfo_put32(buf, entry + 8, s);
    }
    mbinfo_put32(buf, MBI_OFF_MODS_COUNT, n);
    mbinfo_put32(buf, MBI_OFF_MODS_ADDR, area + MBI_AREA_MODS);
    return 0;
}

int mbinfo_build(uint8_t buf[MBI_AREA_SIZE], uint32_t area, uint64_t ram_size, const char *path,
                 const char *cmdline, const struct mb_modules *mods, char *err, size_t errlen)
{
    memset(buf, 0, MBI_AREA_SIZE);
    if (mbinfo_build_strings(buf, area, path, cmdline ? cmdline : "", mods, err, errlen) < 0)
        return -1;
    mbinfo_build_memory(buf, area, ram_size);
    memcpy(buf + MBI_AREA_NAME, MBI_LOADER_NAME, sizeof MBI_LOADER_NAME);
    mbinfo_put32(buf, MBI_OFF_LOADER_NAME, area + MBI_AREA_NAME);
    mbinfo_put32(buf, MBI_OFF_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                                         MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
    return 0;
}

void mbinfo_write(struct vm *vm, uint32_t area, const uint8_t buf[MBI_AREA_SIZE])
{
    gmem_write_phys(vm, area, buf, MBI_AREA_SIZE);
}
