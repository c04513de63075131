/*
 * loader.c: choosing between the Linux and the Multiboot loader.
 *
 * vm_main() calls loader_boot() once the machine exists.  The choice is made
 * on the file's contents, never its name: the Linux boot protocol's "HdrS"
 * signature at offset 0x202 (Documentation/arch/x86/boot.rst) marks a
 * bzImage; everything else is tried as a Multiboot kernel.  Each loader
 * returns the entry state as data, and this file hands it to the matching
 * vCPU reset function.
 *
 * For a Multiboot kernel, -initrd is QEMU's list of Multiboot modules
 * ("file[ args][,file...]", loader/mbmods.h), as kvm-unit-tests passes its
 * environment; for a bzImage it is the initial ramdisk.
 *
 *   struct vm_config cfg = { .kernel = "bzImage", .initrd = "initrd.gz",
 *                            .append = "console=ttyS0" };
 *   if (loader_boot(vm, &cfg, err, sizeof err) < 0) ...
 */
#include "loader/loader.h"

#include "loader/linux.h"
#include "loader/mbimage.h"
#include "loader/multiboot.h"
#include "monitor/vm.h"

static int loader_boot_linux(struct vm *vm, const struct vm_config *cfg, const char *cmdline,
                             char *err, size_t errlen)
{
    struct linux_entry e;
    if (linux_load(vm, cfg->kernel, cfg->initrd, cmdline, &e, err, errlen) < 0)
        return -1;
    linux_vcpu_reset(&vm->cpu, &e);
    return 0;
}

static int loader_boot_multiboot(struct vm *vm, const struct vm_config *cfg,
                                 const char *cmdline, char *err, size_t errlen)
{
    struct boot_entry e;
    if (multiboot_load_modules(vm, cfg->kernel, cmdline, cfg->initrd, &e, err, errlen) < 0)
        return -1;
    vcpu_reset_multiboot(&vm->cpu, e.eip, e.eax, e.ebx);
    return 0;
}

int loader_boot(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    const char *cmdline = cfg->append ? cfg->append : "";
    int bz = linux_is_bzimage(cfg->kernel, err, errlen);
    if (bz < 0)
        return -1;
    if (bz)
        return loader_boot_linux(vm, cfg, cmdline, err, errlen);
    return loader_boot_multiboot(vm, cfg, cmdline, err, errlen);
}
