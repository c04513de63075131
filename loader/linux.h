/*
 * linux.h: loading a Linux bzImage with the 32-bit boot protocol.
 *
 * linux_load() reads a bzImage (and optionally an initrd), checks its setup
 * header, places the protected-mode kernel at 1 MiB, the initrd as high in
 * RAM as the kernel allows, and builds the zero page (struct boot_params,
 * loader/bootparams.h) with the command line, the E820 memory map and a GDT
 * in low memory.  linux_vcpu_reset() then puts the vCPU in the entry state of
 * the protocol (Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"):
 * protected mode, paging off, interrupts off, CS = __BOOT_CS (0x10),
 * DS = ES = SS = __BOOT_DS (0x18), both flat 4 GiB, ESI = boot_params,
 * EBP = EDI = EBX = 0, EIP = code32_start.
 *
 *   struct linux_entry e;
 *   if (linux_load(vm, "bzImage", "initrd.gz", "console=ttyS0", &e, err, sizeof err) < 0)
 *       fprintf(stderr, "btvisor: %s\n", err);
 *   else
 *       linux_vcpu_reset(&vm->cpu, &e);
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Guest physical layout btvisor uses for a Linux boot. */
#define LINUX_BOOT_PARAMS_ADDR 0x10000u /* the zero page */
#define LINUX_GDT_ADDR 0x11000u         /* GDT with __BOOT_CS and __BOOT_DS */
#define LINUX_CMDLINE_ADDR 0x20000u     /* NUL-terminated command line */
#define LINUX_CMDLINE_LIMIT 0x9fc00u    /* the command line must end below the EBDA */
#define LINUX_STACK_TOP 0x10000u        /* initial ESP: grows down below the zero page */
#define LINUX_KERNEL_ADDR 0x100000u     /* protected-mode kernel (LOADED_HIGH) */
#define LINUX_LOW_RAM_END 0x9fc00u      /* E820: usable RAM below this */
#define LINUX_HIGH_RAM_START 0x100000u  /* E820: reserved from LOW_RAM_END up to this */

/* Selectors the 32-bit boot protocol requires (boot.rst). */
#define LINUX_BOOT_CS 0x10u
#define LINUX_BOOT_DS 0x18u
#define LINUX_GDT_ENTRIES 4u

/* What the vCPU must hold when the kernel starts. */
struct linux_entry {
    uint32_t eip;       /* code32_start: the protected-mode kernel's entry */
    uint32_t esi;       /* guest physical address of struct boot_params */
    uint32_t esp;       /* initial stack; the protocol leaves it free, the kernel sets its own */
    uint32_t gdt_base;  /* guest physical address of the GDT */
    uint16_t gdt_limit; /* GDTR limit: LINUX_GDT_ENTRIES * 8 - 1 */
};

/* Does the file carry a Linux setup header ("HdrS" at 0x202)?  Returns 1 or
 * 0, or -1 with "could not open kernel ..." in err (QEMU's words, which harnesses look for) if it cannot be read. */
int linux_is_bzimage(const char *path, char *err, size_t errlen);

/* Load kernel (and initrd, NULL for none) with cmdline (NULL = "").  Returns
 * 0, or -1 with a one-line reason in err; guest RAM is untouched then. */
int linux_load(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline,
               struct linux_entry *out, char *err, size_t errlen);

/* Put the vCPU in the 32-bit boot protocol's entry state described by e. */
void linux_vcpu_reset(struct vcpu *v, const struct linux_entry *e);
