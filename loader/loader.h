/*
 * loader.h: booting the kernel named by -kernel, whatever its format.
 *
 * A file with a Linux setup header ("HdrS" at offset 0x202) is a bzImage and
 * goes to the Linux loader (loader/linux.h); anything else to the Multiboot
 * loader (loader/multiboot.h), which says what is wrong with a file that is
 * neither.  -initrd is only meaningful for Linux: btvisor gives Multiboot
 * kernels no modules, so an initrd with a Multiboot kernel is refused
 * rather than silently dropped.
 *
 *   if (loader_boot(vm, &vm->cfg, err, sizeof err) < 0)
 *       fprintf(stderr, "btvisor: %s\n", err);
 */
#pragma once
#include <stddef.h>

struct vm;
struct vm_config;

/* Load cfg->kernel (with cfg->initrd and cfg->append) into vm and put the
 * vCPU in the kernel's entry state.  Returns 0, or -1 with one line in err. */
int loader_boot(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);
