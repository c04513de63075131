/*
 * segments_asm.S: far call targets for the segments guest's call gates.
 *
 * seg_gate0_target is reached through a DPL 0 call gate from ring 0 (no
 * stack switch); seg_gate3_target through a DPL 3 gate from ring 3, so the
 * processor switches to TSS.SS0:ESP0 and copies the gate's 2 parameter
 * dwords (SDM Vol. 3A §5.8.5).  Both record their stack and return with
 * retf (imm16: drop the parameters on both stacks).
 */
        .text
        .globl seg_gate0_target
seg_gate0_target:
        movl (%esp), %eax
        movl %eax, seg_rec + 0          /* return EIP */
        movl 4(%esp), %eax
        movl %eax, seg_rec + 4          /* return CS */
        movw %cs, %ax
        movzwl %ax, %eax
        movl %eax, seg_rec + 8          /* CS inside */
        lret

        .globl seg_gate3_target
seg_gate3_target:
        movl (%esp), %eax
        movl %eax, seg_rec + 0          /* return EIP */
        movl 4(%esp), %eax
        movl %eax, seg_rec + 4          /* return CS (ring 3) */
        movl 8(%esp), %eax
        movl %eax, seg_rec + 12         /* copied parameter 1 (pushed last) */
        movl 12(%esp), %eax
        movl %eax, seg_rec + 16         /* copied parameter 2 */
        movl 16(%esp), %eax
        movl %eax, seg_rec + 20         /* caller ESP */
        movl 20(%esp), %eax
        movl %eax, seg_rec + 24         /* caller SS */
        movw %cs, %ax
        movzwl %ax, %eax
        movl %eax, seg_rec + 8          /* CS inside: ring 0 */
        movw %ss, %ax
        movzwl %ax, %eax
        movl %eax, seg_rec + 28         /* SS inside: TSS.SS0 */
        lret $8

/* ring 3 body: push two parameters, call through the DPL 3 gate
 * (selector 0x60 = SEL_GATE3 | RPL 3: 0x63), record ESP before and after. */
        .globl seg_user_call
seg_user_call:
        movl %esp, seg_rec + 32         /* ESP before pushing */
        pushl $0x22222222
        pushl $0x11111111
        movl %esp, seg_rec + 36         /* ESP at the call */
        lcall $0x63, $0
1:      movl $1b, seg_rec + 40          /* expected return EIP */
        movl %esp, seg_rec + 44         /* ESP after retf $8 */
        ret

        .data
        .align 4
        .globl seg_rec
seg_rec:
        .skip 64
        .section .note.GNU-stack, "", @progbits
