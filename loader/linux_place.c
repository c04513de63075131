/*
 * linux_place.c: where the kernel, the initrd and the command line go.
 *
 * The guest physical layout of a Linux boot (addresses in loader/linux.h):
 *   0x10000           the zero page (struct boot_params); ESP starts below it
 *   0x11000           the GDT with __BOOT_CS and __BOOT_DS
 *   0x20000           the command line, NUL-terminated, ending below 0x9fc00
 *   0x9fc00-0x100000  reserved in the E820 map (EBDA, VGA, ROMs)
 *   0x100000          the protected-mode code, everything after the setup
 *                     sectors (LOADED_HIGH)
 *   run_start..run_end  where the kernel decompresses and initialises
 *                     itself (init_size, see linux_header.c); may overlap
 *                     the loaded code, must lie inside RAM
 *   top of RAM        the initrd, page aligned, as high as possible but
 *                     ending at or below initrd_addr_max + 1 and above both
 *                     kernel regions (boot.rst: initrd_addr_max, "an initrd
 *                     should be placed near end of memory")
 * Nothing is truncated: a kernel, initrd or command line that does not fit
 * is an error that says how much RAM (or how many bytes) it would need.
 *
 *   if (linux_place_kernel(&img, err, sizeof err) < 0 ||
 *       linux_place_initrd(&img, &rd, err, sizeof err) < 0) return -1;
 */
#include <string.h>

#include "loader/linux.h"
#include "loader/linuximage.h"
#include "loader/mbimage.h"

#define LINUX_PAGE 4096u
#define LINUX_MIB (1ull << 20)

/* Guest RAM needed to hold bytes up to (exclusive) end, in whole MiB. */
static unsigned long long linux_mib_for(uint64_t end)
{
    return end / LINUX_MIB + (end % LINUX_MIB != 0); /* no overflow for end near 2^64 */
}

/* End of the highest kernel region, page aligned: the initrd goes above it. */
static uint64_t linux_kernel_top(const struct linux_image *img)
{
    uint64_t pm_end = (uint64_t)LINUX_KERNEL_ADDR + img->pm_size;
    uint64_t top = img->run_end > pm_end ? img->run_end : pm_end;
    return (top + LINUX_PAGE - 1) & ~(uint64_t)(LINUX_PAGE - 1);
}

int linux_place_kernel(const struct linux_image *img, char *err, size_t errlen)
{
    char sz[32];
    const char *path = img->file.path;
    uint64_t pm_end = (uint64_t)LINUX_KERNEL_ADDR + img->pm_size;
    if (pm_end > img->ram_size)
        return mb_fail(err, errlen,
                       "'%s' needs at least %llu MiB of guest RAM: its %u bytes of protected-mode "
                       "code are loaded at 1 MiB, guest RAM is %s (use -m)",
                       path, linux_mib_for(pm_end), img->pm_size,
                       mb_format_size(img->ram_size, sz, sizeof sz));
    if (img->run_end > img->ram_size)
        return mb_fail(err, errlen,
                       "'%s' needs at least %llu MiB of guest RAM: it initialises itself in "
                       "0x%llx-0x%llx (init_size 0x%x), guest RAM is %s (use -m)",
                       path, linux_mib_for(img->run_end), (unsigned long long)img->run_start,
                       (unsigned long long)img->run_end, img->hdr.init_size,
                       mb_format_size(img->ram_size, sz, sizeof sz));
    return 0;
}

/* The refusal when the initrd does not fit between the kernel and top. */
static int linux_initrd_fail(const struct linux_image *img, const struct linux_initrd *rd,
                             uint64_t floor, char *err, size_t errlen)
{
    char sz[32];
    if (img->initrd_limit < img->ram_size)
        return mb_fail(err, errlen,
                       "initrd '%s' (%u bytes) does not fit between the end of the kernel 0x%llx "
                       "and the kernel's initrd_addr_max 0x%x",
                       rd->file.path, rd->size, (unsigned long long)floor,
                       img->hdr.initrd_addr_max);
    uint64_t need = floor + (((uint64_t)rd->size + LINUX_PAGE - 1) & ~(uint64_t)(LINUX_PAGE - 1));
    return mb_fail(err, errlen,
                   "initrd '%s' (%u bytes) does not fit in guest RAM above the kernel (which ends "
                   "at 0x%llx): needs at least %llu MiB, guest RAM is %s (use -m)",
                   rd->file.path, rd->size, (unsigned long long)floor, linux_mib_for(need),
                   mb_format_size(img->ram_size, sz, sizeof sz));
}

int linux_place_initrd(const struct linux_image *img, struct linux_initrd *rd, char *err,
                       size_t errlen)
{
    rd->addr = 0;
    rd->size = (uint32_t)rd->file.size; /* no larger than guest RAM (linux_file_read) */
    if (!rd->file.data)
        return 0;
    uint64_t top = img->initrd_limit < img->ram_size ? img->initrd_limit : img->ram_size;
    uint64_t floor = linux_kernel_top(img);
    if (top < rd->size)
        return linux_initrd_fail(img, rd, floor, err, errlen);
    uint64_t addr = (top - rd->size) & ~(uint64_t)(LINUX_PAGE - 1);
    if (addr < floor)
        return linux_initrd_fail(img, rd, floor, err, errlen);
    rd->addr = (uint32_t)addr; /* below top <= RAM size < 4 GiB */
    return 0;
}

int linux_cmdline_check(const struct linux_image *img, const char *cmdline, char *err,
                        size_t errlen)
{
    size_t len = strlen(cmdline);
    if (len > img->cmdline_max)
        return mb_fail(err, errlen,
                       "kernel command line is %zu bytes; '%s' accepts at most %u (cmdline_size)",
                       len, img->file.path, img->cmdline_max);
    size_t room = LINUX_CMDLINE_LIMIT - LINUX_CMDLINE_ADDR - 1; /* the NUL */
    if (len > room)
        return mb_fail(err, errlen,
                       "kernel command line is %zu bytes; at most %zu fit in low memory "
                       "(0x%x-0x%x)",
                       len, room, LINUX_CMDLINE_ADDR, LINUX_CMDLINE_LIMIT);
    return 0;
}
