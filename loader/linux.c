/*
 * linux.c: loading a Linux bzImage (the -kernel path for kernels with a
 * "HdrS" setup header), with the 32-bit boot protocol.
 *
 * A bzImage is the kernel's real-mode setup code (boot sector + setup_sects
 * sectors) followed by the protected-mode code, which decompresses the real
 * kernel.  BIOS boot loaders run the real-mode code; btvisor has no BIOS, so
 * it does what the setup code would have done and enters the protected-mode
 * code directly, as boot.rst's "32-bit Boot Protocol" describes (and as EFI
 * loaders and kexec do):
 *   1. read the bzImage and the initrd into host memory;
 *   2. check the setup header and work out the load plan (linux_header.c);
 *   3. check that the code, the init_size region, the initrd and the command
 *      line all fit, choosing the initrd's address (linux_place.c);
 *   4. build the zero page (linux_bootparams.c) and the GDT (linux_entry.c);
 *   5. only then write to guest RAM: the protected-mode code at 1 MiB, the
 *      initrd, the zero page, the command line and the GDT.
 * A refused load leaves guest RAM as it was.  Writes go through
 * gmem_write_phys(), so stale translations of the pages are dropped.
 *
 *   struct linux_entry e;
 *   if (linux_load(vm, "bzImage", NULL, "console=ttyS0", &e, err, sizeof err) == 0)
 *       linux_vcpu_reset(&vm->cpu, &e);
 */
#include <string.h>

#include "loader/linux.h"
#include "loader/linuximage.h"
#include "loader/mbimage.h"
#include "monitor/vm.h"

/* Everything that only reads the files: steps 1-4. */
static int linux_plan(struct linux_image *img, struct linux_initrd *rd, const char *cmdline,
                      struct boot_params *bp, char *err, size_t errlen)
{
    if (linux_file_read(&img->file, "kernel", img->ram_size, err, errlen) < 0 ||
        linux_header_parse(img, err, errlen) < 0 || linux_place_kernel(img, err, errlen) < 0 ||
        linux_cmdline_check(img, cmdline, err, errlen) < 0)
        return -1;
    if (rd->file.path && linux_file_read(&rd->file, "initrd", img->ram_size, err, errlen) < 0)
        return -1;
    if (linux_place_initrd(img, rd, err, errlen) < 0)
        return -1;
    linux_bootparams_build(img, rd, bp);
    return 0;
}

/* Step 5: the checked plan into guest RAM. */
static void linux_write(struct vm *vm, const struct linux_image *img,
                        const struct linux_initrd *rd, const char *cmdline,
                        const struct boot_params *bp)
{
    uint64_t gdt[LINUX_GDT_ENTRIES];
    linux_gdt_build(gdt);
    gmem_write_phys(vm, LINUX_KERNEL_ADDR, img->file.data + img->setup_size, img->pm_size);
    if (rd->size)
        gmem_write_phys(vm, rd->addr, rd->file.data, rd->size);
    gmem_write_phys(vm, LINUX_BOOT_PARAMS_ADDR, bp, sizeof *bp);
    /* Length checked by linux_cmdline_check(): far below 4 GiB. */
    gmem_write_phys(vm, LINUX_CMDLINE_ADDR, cmdline, (uint32_t)strlen(cmdline) + 1);
    gmem_write_phys(vm, LINUX_GDT_ADDR, gdt, sizeof gdt);
}

int linux_load(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline,
               struct linux_entry *out, char *err, size_t errlen)
{
    struct linux_image img = { .file = { .path = kernel }, .ram_size = vm->mem.ram_size };
    struct linux_initrd rd = { .file = { .path = initrd } };
    struct boot_params bp;
    if (!cmdline)
        cmdline = "";
    int rc = linux_plan(&img, &rd, cmdline, &bp, err, errlen);
    if (rc == 0) {
        linux_write(vm, &img, &rd, cmdline, &bp);
        *out = (struct linux_entry){ .eip = img.hdr.code32_start,
                                     .esi = LINUX_BOOT_PARAMS_ADDR,
                                     .esp = LINUX_STACK_TOP,
                                     .gdt_base = LINUX_GDT_ADDR,
                                     .gdt_limit = LINUX_GDT_ENTRIES * 8 - 1 };
    }
    linux_file_free(&rd.file);
    linux_file_free(&img.file);
    return rc;
}
