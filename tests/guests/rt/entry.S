/*
 * entry.S: the guest runtime's assembly: boot entry, the 256 exception and
 * interrupt stubs, and the privilege-level trampoline rt_run_ring.
 *
 * _start is entered by the Multiboot loader in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = the multiboot information; it sets
 * up a stack and calls rt_main(magic, mbi) in rt.c.
 *
 * Every IDT vector points to a 16-byte stub in rt_trap_stubs that pushes a
 * dummy error code (unless the CPU pushes one: vectors 8, 10-14, 17, 21,
 * 29, 30; SDM Vol. 3A §6.13) and its vector number, then rt_trap_common
 * saves the registers as struct rt_frame and calls rt_trap(frame).
 *
 * Selector values used below: 0x08 ring 0 code, 0x10 ring 0 data (rt.h).
 */
        .section .text.entry, "ax"
        .globl _start
_start:
        cli
        movl $rt_stack_top, %esp
        pushl $2                        /* EFLAGS: only the reserved bit 1 */
        popfl
        pushl %ebx
        pushl %eax
        call rt_main
1:      cli
        hlt
        jmp 1b

        .text
/* void rt_load_segments(void): after lgdt, reload CS with a far jump and
 * every data segment register with the flat ring 0 selectors. */
        .globl rt_load_segments
rt_load_segments:
        ljmp $0x08, $1f
1:      movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        ret

        .align 16
        .globl rt_trap_stubs
rt_trap_stubs:
        .set vec, 0
        .rept 256
        .align 16
        .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushl $0
        .endif
        pushl $vec
        jmp rt_trap_common
        .set vec, vec + 1
        .endr

rt_trap_common:
        pushal
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        cld
        pushl %esp
        call rt_trap
        addl $4, %esp
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
        addl $8, %esp
        iret

/* uint32_t rt_run_ring(uint16_t cs, uint16_t ss, void (*fn)(void), uint32_t eflags)
 * Enters fn with iret at the privilege level of cs; the ring 0 stack for
 * traps out of that level starts just below this frame (TSS.ESP0).  fn
 * returns to rt_ring_return, whose int $0x70 comes back here. */
        .globl rt_run_ring
rt_run_ring:
        pushfl
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, rt_ring_saved_esp
        movl %esp, rt_tss + 4           /* TSS.ESP0 */
        movl 24(%esp), %ecx             /* cs */
        movl 28(%esp), %edx             /* ss */
        movl 32(%esp), %esi             /* fn */
        movl 36(%esp), %edi             /* eflags */
        movl $rt_ring_return, rt_user_stack_top - 4
        pushl %edx                      /* SS */
        pushl $rt_user_stack_top - 4    /* ESP */
        pushl %edi                      /* EFLAGS */
        pushl %ecx                      /* CS */
        pushl %esi                      /* EIP */
        movw %dx, %ds
        movw %dx, %es
        movw %dx, %fs
        movw %dx, %gs
        iret

        .globl rt_ring_return
rt_ring_return:
        int $0x70

/* Vector 0x70 (gate DPL 3): drop the interrupt frame and return from
 * rt_run_ring with the caller's EAX. */
        .globl rt_ring_exit_entry
rt_ring_exit_entry:
        movw $0x10, %cx
        movw %cx, %ds
        movw %cx, %es
        movw %cx, %fs
        movw %cx, %gs
        movw %cx, %ss
        movl rt_ring_saved_esp, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        popfl
        ret

        .bss
        .align 16
        .globl rt_stack_bottom, rt_stack_top
rt_stack_bottom:
        .skip 32768
rt_stack_top:
        .globl rt_user_stack_top
        .skip 16384
rt_user_stack_top:
        .skip 16
rt_ring_saved_esp:
        .skip 4
        .section .note.GNU-stack, "", @progbits
