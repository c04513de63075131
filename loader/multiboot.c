/*
 * multiboot.c: loading a Multiboot (version 1) kernel, the -kernel path for
 * kernels that are not Linux bzImages.
 *
 * multiboot_load() runs the stages declared in loader/mbimage.h: read the
 * file, find and check the Multiboot header, build the load plan (ELF32
 * program headers, or the header's own addresses with the "a.out kludge",
 * flag bit 16), check every segment against guest RAM, choose where the
 * Multiboot information goes and build it, and only then copy the kernel and
 * the information into guest memory.  The result is the machine state of
 * Multiboot 0.6.96 §3.2 that the vCPU must start in: EIP = entry point,
 * EAX = 0x2BADB002, EBX = physical address of the information structure
 * (the flat 32-bit segments, CR0.PE = 1, paging off and IF = 0 are set up by
 * the vCPU reset code).
 *
 * The image comes from the user, so every field is validated with checked
 * arithmetic, and each rejection is one line that names the problem.
 *
 *   struct boot_entry e;
 *   if (multiboot_load(vm, "kernel.elf", "console=ttyS0", &e, err, sizeof err) < 0)
 *       fprintf(stderr, "btvisor: %s\n", err);
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "loader/mbimage.h"
#include "loader/mbinfo.h"
#include "loader/mbmods.h"
#include "loader/multiboot.h"
#include "monitor/vm.h"

int mb_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *mb_format_size(uint64_t bytes, char *buf, size_t buflen)
{
    if (bytes % (1u << 20) == 0)
        snprintf(buf, buflen, "%" PRIu64 " MiB", bytes >> 20);
    else
        snprintf(buf, buflen, "%" PRIu64 " KiB", bytes >> 10);
    return buf;
}

/* Header, load plan and placement checks: everything that reads only the file. */
static int multiboot_plan(struct mb_image *img, char *err, size_t errlen)
{
    if (mb_file_read(img, err, errlen) < 0)
        return -1;
    if (mb_header_find(img, err, errlen) < 0)
        return -1;
    /* §3.1.2: with bit 16 the header's addresses win over any ELF header. */
    int rc = (img->hdr.flags & MB_HF_AOUT_KLUDGE) ? mb_aout_collect(img, err, errlen)
                                                   : elf32_collect(img, err, errlen);
    if (rc < 0)
        return -1;
    return mb_segments_check(img, err, errlen);
}

int multiboot_load_modules(struct vm *vm, const char *path, const char *cmdline, const char *modules,
                           struct boot_entry *out, char *err, size_t errlen)
{
    char sz[32];
    if (vm->mem.ram_size < MB_HIGH_RAM_START + MBI_AREA_SIZE)
        return mb_fail(err, errlen, "guest RAM (%s) is too small for a multiboot kernel",
                       mb_format_size(vm->mem.ram_size, sz, sizeof sz));
    struct mb_image img = { .path = path, .ram_size = vm->mem.ram_size };
    struct mb_modules mods = { .count = 0 };
    uint8_t info[MBI_AREA_SIZE];
    uint32_t area;
    if (multiboot_plan(&img, err, errlen) < 0 || mbinfo_place(&img, &area, err, errlen) < 0 ||
        mb_modules_prepare(&mods, modules, &img, err, errlen) < 0) {
        mb_file_free(&img);
        return -1;
    }
    if (mbinfo_build(info, area, img.ram_size, path, cmdline, &mods, err, errlen) < 0) {
        mb_modules_free(&mods);
        mb_file_free(&img);
        return -1;
    }
    mb_segments_copy(vm, &img);
    mb_modules_copy(vm, &mods);
    mbinfo_write(vm, area, info);
    *out = (struct boot_entry){ .eip = img.entry, .eax = MB_BOOTLOADER_MAGIC, .ebx = area };
    mb_modules_free(&mods);
    mb_file_free(&img);
    return 0;
}

int multiboot_load(struct vm *vm, const char *path, const char *cmdline, struct boot_entry *out,
                   char *err, size_t errlen)
{
    return multiboot_load_modules(vm, path, cmdline, NULL, out, err, errlen);
}
