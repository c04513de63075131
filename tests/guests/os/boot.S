/*
 * boot.S: the kernel's assembly — entry from the Multiboot loader, the
 * interrupt stubs that build a struct trapframe, the way back to the
 * interrupted code (trap_return), and the kernel stack switch.
 *
 * _start runs in 32-bit protected mode with paging off, EAX = 0x2BADB002 and
 * EBX = the Multiboot information (Multiboot 0.6.96 §3.2); it calls
 * kmain(magic, mbi) on a boot stack.
 *
 * Every vector the kernel handles (0-31 exceptions, 32-47 IRQs, 0x80 system
 * calls) has a stub that pushes a zero error code when the CPU does not push
 * one (it does for vectors 8, 10-14, 17: SDM Vol. 3A §6.13), then the vector
 * number.  trap_common saves the registers and calls trap(frame).  A new
 * process starts by "returning" to trap_return with a trapframe built by the
 * kernel, which drops to ring 3 with iret.
 */
        .section .text.entry, "ax"
        .globl _start
_start:
        cli
        movl $boot_stack_top, %esp
        pushl $2                        /* EFLAGS: only the reserved bit 1 */
        popfl
        pushl %ebx
        pushl %eax
        call kmain
1:      cli
        hlt
        jmp 1b

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
