/*
 * invalid64_asm.S: far transfers for the invalid64 guest.
 *
 * inv_far_target is reached with call far (0x9A ptr16:32); it records the
 * return EIP and CS that the call pushed and the CS it runs with, then
 * returns with retf.  inv_jmp_far jumps far (0xEA) to a second flat code
 * selector and back, recording CS on the way.
 */
        .text
        .globl inv_far_target
inv_far_target:
        movl (%esp), %eax
        movl %eax, inv_far_seen_eip
        movl 4(%esp), %eax
        movl %eax, inv_far_seen_cs
        movw %cs, %ax
        movzwl %ax, %eax
        movl %eax, inv_far_cur_cs
        lret

        .globl inv_far_target_imm
inv_far_target_imm:                     /* retf imm16: drops 8 bytes of arguments */
        lret $8

/* uint32_t inv_jmp_far(void): returns CS seen after ljmp to SEL_ALT_CODE
 * (selector GDT_FIRST_FREE * 8 = 0x40) in the low half, and CS after the
 * jump back to 0x08 in the high half. */
        .globl inv_jmp_far
inv_jmp_far:
        ljmp $0x40, $1f
1:      movw %cs, %ax
        movzwl %ax, %ecx
        ljmp $0x08, $2f
2:      movw %cs, %ax
        shll $16, %eax
        orl %ecx, %eax
        ret

/* uint32_t inv_call_far(void): returns the address call far should return to */
        .globl inv_call_far
inv_call_far:
        lcall $0x08, $inv_far_target
3:      movl $3b, %eax
        ret

/* uint32_t inv_call_far_alt(void): call far through the alternate selector,
 * returns CS after the return (must be 0x08 again) */
        .globl inv_call_far_alt
inv_call_far_alt:
        lcall $0x40, $inv_far_target
        movw %cs, %ax
        movzwl %ax, %eax
        ret

/* uint32_t inv_call_far_imm(void): esp delta across call far + retf $8
 * with two pushed arguments (0 if balanced) */
        .globl inv_call_far_imm
inv_call_far_imm:
        movl %esp, %edx
        pushl $1
        pushl $2
        lcall $0x08, $inv_far_target_imm
        movl %edx, %eax
        subl %esp, %eax
        ret

/* uint32_t inv_call_far_indirect(void): lcall *m16:32 and ljmp *m16:32 */
        .globl inv_call_far_indirect
inv_call_far_indirect:
        lcall *inv_farptr
        movl $0, %eax
        ljmp *inv_farptr_jmp
        movl $0xbad, %eax
4:      movl $0x600d, %eax
        ret

        .data
        .align 4
        .globl inv_far_seen_eip, inv_far_seen_cs, inv_far_cur_cs
inv_far_seen_eip:       .long 0
inv_far_seen_cs:        .long 0
inv_far_cur_cs:         .long 0
inv_farptr:             .long inv_far_target
                        .word 0x40
inv_farptr_jmp:         .long 4b
                        .word 0x08
        .section .note.GNU-stack, "", @progbits
