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
 * QEMU turns -initrd into Multiboot modules; btvisor's Multiboot loader
 * passes no modules (mods_count = 0), so -initrd with a Multiboot kernel is
 * an error that says so, before anything is loaded.
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
    if (cfg->initrd)
        return mb_fail(err, errlen,
                       "-initrd '%s' needs a Linux bzImage kernel; '%s' is not one, and btvisor "
                       "loads no Multiboot modules",
                       cfg->initrd, cfg->kernel);
    struct boot_entry e;
    if (multiboot_load(vm, cfg->kernel, cmdline, &e, err, errlen) < 0)
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
