/*
 * boot.S: the kernel's assembly — the boot stub that turns paging on and
 * enters the kernel at its high address, the interrupt stubs that build a
 * struct trapframe, the way back to the interrupted code (trap_return), and
 * the kernel stack switch.
 *
 * The Multiboot loader enters _start in 32-bit protected mode with paging
 * off, EAX = 0x2BADB002 and EBX = the physical address of the Multiboot
 * information (Multiboot 0.6.96 §3.2).  The kernel is linked at
 * KERNEL_BASE + its physical address (link.ld), so until paging is on only
 * the stub in .boot.text (linked at its physical address) may run.  It
 *   1. fills the kernel map's page tables, kernel_pt: physical [0, 16 MiB),
 *      supervisor-only, read/write;
 *   2. points boot_pgdir at them twice: at KERNEL_BASE, and at 0 (an
 *      identity map, so that the instruction after the one that sets CR0.PG
 *      is still fetched from where it lies: SDM Vol. 3A §9.9.1);
 *   3. turns paging on and jumps to high_start at its high address;
 *   4. drops the identity half of boot_pgdir (and flushes the TLB), so from
 *      here on nothing but KERNEL_BASE and up is mapped for the kernel;
 *   5. calls kmain(magic, mbi) on the boot stack, mbi still physical.
 * Every process's page directory later shares kernel_pt (mem.c).
 *
 * Every vector the kernel handles (0-31 exceptions, 32-47 IRQs, 0x80 system
 * calls) has a stub that pushes a zero error code when the CPU does not push
 * one (it does for vectors 8, 10-14, 17: SDM Vol. 3A §6.13), then the vector
 * number.  trap_common saves the registers and calls trap(frame).  A new
 * process starts by "returning" to trap_return with a trapframe built by the
 * kernel, which drops to ring 3 with iret.
 */
#include "layout.h"

#define PHYS(sym) ((sym) - KERNEL_BASE) /* a kernel symbol's physical address */

        .section .boot.text, "ax"
        .globl _start
_start:
        cli
        /* 1: kernel_pt[i] = (i << 12) | P | W for the 4 * 1024 frames */
        movl $PHYS(kernel_pt), %edi
        movl $(PTE_P | PTE_W), %edx
        movl $(KERNEL_PT_COUNT * 1024), %ecx
1:      movl %edx, (%edi)
        addl $4, %edi
        addl $4096, %edx
        loop 1b
        /* 2: boot_pgdir[i] = boot_pgdir[KERNEL_PDE_FIRST + i] = kernel_pt[i] */
        movl $PHYS(boot_pgdir), %edi
        movl $(PHYS(kernel_pt) + PTE_P + PTE_W), %edx
        xorl %ecx, %ecx
2:      movl %edx, (%edi,%ecx,4)
        movl %edx, KERNEL_PDE_FIRST * 4(%edi,%ecx,4)
        addl $4096, %edx
        incl %ecx
        cmpl $KERNEL_PT_COUNT, %ecx
        jb 2b
        /* 3: paging on (CR0.WP too: the kernel must not write through
         * read-only user pages, fault.c), then leave the identity map */
        movl %edi, %cr3
        movl %cr0, %edx
        orl $(CR0_PG | CR0_WP), %edx
        movl %edx, %cr0
        movl $high_start, %edx
        jmp *%edx

        .section .text.entry, "ax"
high_start:
        /* 4: the identity half goes; a CR3 reload flushes its TLB entries */
        xorl %ecx, %ecx
3:      movl $0, boot_pgdir(,%ecx,4)
        incl %ecx
        cmpl $KERNEL_PT_COUNT, %ecx
        jb 3b
        movl %cr3, %edx
        movl %edx, %cr3
        /* 5 */
        movl $boot_stack_top, %esp
        pushl $2                        /* EFLAGS: only the reserved bit 1 */
        popfl
        pushl %ebx
        pushl %eax
        call kmain
4:      cli
        hlt
        jmp 4b

        .text
/* void load_segments(void): after lgdt, reload CS with a far jump and the
 * data segment registers with the ring 0 data selector 0x10. */
        .globl load_segments
load_segments:
        ljmp $0x08, $1f
1:      movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        ret

/* One stub per vector; TRAP_STUB(vector, cpu_pushes_error_code). Each stub
 * also records its address and vector in the tables desc.c reads. */
        .macro TRAP_STUB vec, haserr
        .text
        .align 16
1:
        .if \haserr == 0
        pushl $0
        .endif
        pushl $\vec
        jmp trap_common
        .section .rodata.stubs, "a"
        .long 1b
        .section .rodata.vecs, "a"
        .byte \vec
        .endm

        .section .rodata.stubs, "a"
        .align 4
        .globl trap_stub_table
trap_stub_table:
        .section .rodata.vecs, "a"
        .globl trap_vectors
trap_vectors:

        .irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        TRAP_STUB \v, 0
        .endr
        .irp v, 8,10,11,12,13,14,17
        TRAP_STUB \v, 1
        .endr
        .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128
        TRAP_STUB \v, 0
        .endr

        .section .rodata.vecs, "a"
trap_vectors_end:
        .section .rodata
        .align 4
        .globl trap_stub_count
trap_stub_count:                        /* entries in both tables */
        .long trap_vectors_end - trap_vectors

        .text
trap_common:
        pushal
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        movw $0x10, %ax                 /* kernel data for the C code */
        movw %ax, %ds
        movw %ax, %es
        cld                             /* the C ABI wants DF = 0 */
        pushl %esp                      /* struct trapframe *tf */
        call trap
        addl $4, %esp
        .globl trap_return
trap_return:
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
        addl $8, %esp                   /* vector and error code */
        iret

/* void switch_stack(uint32_t *save_esp, uint32_t new_esp): save the
 * callee-saved registers on this stack, store ESP in *save_esp, continue on
 * new_esp where switch_stack saved them earlier (or proc.c built a frame). */
        .globl switch_stack
switch_stack:
        movl 4(%esp), %eax
        movl 8(%esp), %edx
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, (%eax)
        movl %edx, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

        .bss
        .align 16
boot_stack:
        .skip 16384
boot_stack_top:

/* The kernel map's page tables (shared by every page directory, mem.c) and
 * the boot page directory, used until the first process's directory. */
        .align 4096
        .globl kernel_pt
kernel_pt:
        .skip KERNEL_PT_COUNT * 4096
boot_pgdir:
        .skip 4096
