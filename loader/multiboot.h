/*
 * multiboot.h: loading a Multiboot (version 1) kernel image into guest memory.
 *
 * Accepts ELF32 executables and a.out-kludge images (header flag bit 16),
 * places the multiboot information structure (memory map, command line,
 * boot loader name, modules) in low guest memory, and reports the
 * entry point and the register values the kernel expects (Multiboot
 * Specification 0.6.96, §3.2 "Machine state").
 *
 *   struct boot_entry e;
 *   if (multiboot_load(vm, "kernel.elf", "console=ttyS0", &e, err, sizeof err) < 0) ...
 *   vcpu_reset_multiboot(&vm->cpu, e.eip, e.eax, e.ebx);
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

struct boot_entry {
    uint32_t eip; /* kernel entry point */
    uint32_t eax; /* 0x2BADB002 */
    uint32_t ebx; /* guest physical address of the multiboot information */
};

/* Returns 0, or -1 with a one-line reason in err (missing file, not a
 * multiboot image, segments outside RAM or overlapping, ...). */
int multiboot_load(struct vm *vm, const char *path, const char *cmdline, struct boot_entry *out,
                   char *err, size_t errlen);
/* The same with the Multiboot modules of a QEMU-style -initrd list
 * ("file[ args][,file...]", loader/mbmods.h); modules may be NULL. */
int multiboot_load_modules(struct vm *vm, const char *path, const char *cmdline, const char *modules,
                           struct boot_entry *out, char *err, size_t errlen);
