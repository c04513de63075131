/*
 * linux_header.c: checking a bzImage's setup header and deriving the load plan.
 *
 * The setup header at file offset 0x1f1 (Documentation/arch/x86/boot.rst,
 * "The Real-Mode Kernel Header") is untrusted input.  In order:
 *   - "HdrS" at 0x202 and boot_flag 0xAA55 at 0x1fe: this is a Linux kernel;
 *   - version >= 2.04: btvisor reads the 32-bit syssize and initrd_addr_max,
 *     and older kernels only boot through their real-mode setup code;
 *   - the short jump at 0x200 gives the header's length ("0x0202 + byte
 *     value at offset 0x0201", boot.rst "32-bit Boot Protocol"), which must
 *     cover every field the version defines;
 *   - setup_sects (0 means 4) and syssize must agree with the file's size:
 *     the protected-mode code starts at (setup_sects + 1) * 512;
 *   - LOADED_HIGH must be set (a bzImage, loaded at 1 MiB), XLF_KERNEL_64
 *     clear (an x86-64 kernel needs long mode), code32_start inside the code.
 * Then the region the kernel occupies while it decompresses and sets itself
 * up is computed ("init_size" in boot.rst): from the runtime start address
 *     relocatable: align_up(load address, kernel_alignment)
 *     otherwise:   pref_address
 * for init_size bytes.  Linux's decompressor also never runs below its
 * LOAD_PHYSICAL_ADDR, which is what pref_address holds, so the start is
 * raised to pref_address for relocatable kernels too (the larger, safe
 * answer), and a non-relocatable kernel is never assumed below 1 MiB.  Before protocol 2.10 there is no init_size; the loaded code's
 * own size is the best lower bound.
 *
 *   struct linux_image img = { .file = f, .ram_size = vm->mem.ram_size };
 *   if (linux_header_parse(&img, err, sizeof err) < 0) return -1;
 */
#include <stdbool.h>
#include <string.h>

#include "loader/linux.h"
#include "loader/linuximage.h"
#include "loader/mbimage.h"

static uint16_t linux_get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* End (exclusive offset) of the last header field protocol `version` defines
 * (boot.rst header table). */
static uint32_t linux_header_min_end(uint16_t version)
{
    static const struct { uint16_t version; uint16_t end; } table[] = {
        { BP_PROTO(2, 15), 0x26c }, /* kernel_info_offset */
        { BP_PROTO(2, 11), 0x268 }, /* handover_offset */
        { BP_PROTO(2, 10), 0x264 }, /* pref_address, init_size */
        { BP_PROTO(2, 9), 0x258 },  /* setup_data */
        { BP_PROTO(2, 8), 0x250 },  /* payload_offset, payload_length */
        { BP_PROTO(2, 7), 0x248 },  /* hardware_subarch(_data) */
        { BP_PROTO(2, 6), 0x23c },  /* cmdline_size */
        { BP_PROTO(2, 5), 0x235 },  /* kernel_alignment, relocatable_kernel */
        { BP_PROTO(2, 4), 0x230 },  /* initrd_addr_max (2.03), syssize 32 bits */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (version >= table[i].version)
            return table[i].end;
    return 0x230;
}

/* The magic numbers and the protocol version. */
static int linux_header_check_magic(const struct linux_image *img, char *err, size_t errlen)
{
    const struct linux_file *f = &img->file;
    if (f->size < BP_HDR_END_BASE + 6 || mb_get32(f->data + BP_HDR_END_BASE) != BP_HDRS_MAGIC)
        return mb_fail(err, errlen,
                       "'%s' is not a Linux bzImage: no \"HdrS\" setup header at offset 0x202",
                       f->path);
    uint16_t flag = linux_get16(f->data + offsetof(struct boot_params, hdr.boot_flag));
    if (flag != BP_BOOT_FLAG)
        return mb_fail(err, errlen,
                       "'%s' is not a Linux bzImage: boot_flag at 0x1fe is 0x%04x, not 0xAA55",
                       f->path, flag);
    uint16_t v = linux_get16(f->data + offsetof(struct boot_params, hdr.version));
    if (v < BP_PROTO(2, 4))
        return mb_fail(err, errlen, "'%s' uses boot protocol %u.%02u; btvisor needs 2.04 or newer",
                       f->path, v >> 8, v & 0xff);
    return 0;
}

/* The header's length from the jump at 0x200, checked against the version
 * and the file; then the header itself into img->hdr. */
static int linux_header_copy(struct linux_image *img, char *err, size_t errlen)
{
    const struct linux_file *f = &img->file;
    const uint8_t *jmp = f->data + BP_JUMP_OFFSET;
    uint16_t v = linux_get16(f->data + offsetof(struct boot_params, hdr.version));
    if (jmp[0] != BP_JMP_SHORT)
        return mb_fail(err, errlen,
                       "'%s': no short jump (0xEB) at offset 0x200 (found 0x%02x), so the setup "
                       "header's length is unknown",
                       f->path, jmp[0]);
    int64_t end = (int64_t)BP_HDR_END_BASE + (int8_t)jmp[1];
    uint32_t need = linux_header_min_end(v);
    if (end < need)
        return mb_fail(err, errlen,
                       "'%s': setup header ends at 0x%llx, before the fields of boot protocol "
                       "%u.%02u (up to 0x%x)",
                       f->path, (unsigned long long)end, v >> 8, v & 0xff, need);
    if ((uint64_t)end > f->size)
        return mb_fail(err, errlen, "'%s' is truncated: its setup header ends at 0x%llx, the file "
                                    "has %zu bytes",
                       f->path, (unsigned long long)end, f->size);
    /* end <= 0x202 + 127 = 0x281: always inside boot_params' hole before 0x290. */
    img->hdr_len = (uint32_t)end - BP_HDR_OFFSET;
    memset(&img->hdr, 0, sizeof img->hdr);
    memcpy(&img->hdr, f->data + BP_HDR_OFFSET,
           img->hdr_len < sizeof img->hdr ? img->hdr_len : sizeof img->hdr);
    return 0;
}

/* setup_sects and syssize against the file size. */
static int linux_header_sizes(struct linux_image *img, char *err, size_t errlen)
{
    const struct linux_file *f = &img->file;
    uint32_t sects = img->hdr.setup_sects ? img->hdr.setup_sects : BP_SETUP_SECTS_DEFAULT;
    img->setup_size = (sects + 1) * BP_SECTOR;
    /* The header ends by 0x281 (jump displacement <= 127), inside even the
     * smallest setup (one sector after the boot sector, 0x400 bytes). */
    if (f->size <= img->setup_size)
        return mb_fail(err, errlen,
                       "'%s' is truncated: the protected-mode code should start after %u setup "
                       "sectors at 0x%x, the file has %zu bytes",
                       f->path, sects, img->setup_size, f->size);
    img->pm_size = (uint32_t)(f->size - img->setup_size); /* the file is no larger than RAM */
    uint64_t paragraphs = ((uint64_t)img->pm_size + 15) / 16;
    if (paragraphs < img->hdr.syssize)
        return mb_fail(err, errlen,
                       "'%s' is truncated: syssize says %llu bytes of protected-mode code, the "
                       "file has %u after the setup sectors",
                       f->path, (unsigned long long)img->hdr.syssize * 16, img->pm_size);
    return 0;
}

/* loadflags, xloadflags, kernel_alignment and code32_start. */
static int linux_header_kind(const struct linux_image *img, char *err, size_t errlen)
{
    const struct setup_header *h = &img->hdr;
    const char *path = img->file.path;
    if (!(h->loadflags & BP_LOADED_HIGH))
        return mb_fail(err, errlen,
                       "'%s' is a zImage (loadflags bit 0 LOADED_HIGH clear): it must be loaded "
                       "at 0x10000, which btvisor does not do; build a bzImage",
                       path);
    if (h->version >= BP_PROTO(2, 12) && (h->xloadflags & BP_XLF_KERNEL_64))
        return mb_fail(err, errlen,
                       "'%s' is a 64-bit (x86-64) kernel; btvisor runs 32-bit x86 guests only",
                       path);
    uint32_t a = h->kernel_alignment;
    if (h->version >= BP_PROTO(2, 5) && h->relocatable_kernel && (a == 0 || (a & (a - 1))))
        return mb_fail(err, errlen, "'%s': kernel_alignment 0x%x is not a power of two", path, a);
    if (h->code32_start < LINUX_KERNEL_ADDR ||
        h->code32_start - LINUX_KERNEL_ADDR >= img->pm_size)
        return mb_fail(err, errlen,
                       "'%s': code32_start 0x%x is not inside the protected-mode code loaded at "
                       "0x%x-0x%llx",
                       path, h->code32_start, LINUX_KERNEL_ADDR,
                       (unsigned long long)LINUX_KERNEL_ADDR + img->pm_size);
    return 0;
}

/* Where the kernel runs while it initialises (see the comment at the top):
 * the load address, aligned up for a relocatable kernel, and never below
 * pref_address (2.10+).  A pref_address that makes the end wrap gives an end
 * no RAM size can reach, so linux_place_kernel() refuses it. */
static void linux_header_run_region(struct linux_image *img)
{
    const struct setup_header *h = &img->hdr;
    bool reloc = h->version >= BP_PROTO(2, 5) && h->relocatable_kernel;
    bool v210 = h->version >= BP_PROTO(2, 10);
    uint64_t start = LINUX_KERNEL_ADDR;
    if (reloc)
        start = (start + h->kernel_alignment - 1) & ~((uint64_t)h->kernel_alignment - 1);
    if (v210 && h->pref_address > start)
        start = h->pref_address;
    img->run_start = start;
    if (!mb_add_checked(start, v210 ? h->init_size : img->pm_size, &img->run_end))
        img->run_end = UINT64_MAX;
}

int linux_header_parse(struct linux_image *img, char *err, size_t errlen)
{
    if (linux_header_check_magic(img, err, errlen) < 0 || linux_header_copy(img, err, errlen) < 0 ||
        linux_header_sizes(img, err, errlen) < 0 || linux_header_kind(img, err, errlen) < 0)
        return -1;
    const struct setup_header *h = &img->hdr;
    img->cmdline_max = h->version >= BP_PROTO(2, 6) ? h->cmdline_size : BP_CMDLINE_MAX_OLD;
    img->initrd_limit = (uint64_t)h->initrd_addr_max + 1; /* the field names the last byte */
    linux_header_run_region(img);
    return 0;
}
