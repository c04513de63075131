/*
 * smc_asm.S: code the smc guest rewrites while it runs.  It sits on pages of
 * its own (4 KiB aligned before and after) so that the writes here do not
 * also hit the runtime's code.
 */
        .text
        .balign 4096
/* uint32_t smc_get(void): returns its own immediate (patched at smc_get+1) */
        .globl smc_get
smc_get:
        movl $0x11111111, %eax
        ret

/* uint32_t smc_next(uint32_t v): stores v into the immediate of the very
 * next instruction, in the same straight-line block, then executes it. */
        .globl smc_next
smc_next:
        movl 4(%esp), %ecx
        movl %ecx, smc_next_insn + 1
smc_next_insn:
        movl $0, %eax
        ret

/* uint32_t smc_mid(uint32_t v): the patched instruction is in the middle of
 * a block that has run before; the store is a byte-granular rep movsb. */
        .globl smc_mid
smc_mid:
        pushl %esi
        pushl %edi
        leal 12(%esp), %esi             /* &v */
        movl $smc_mid_insn + 1, %edi
        movl $4, %ecx
        rep movsb
        xorl %eax, %eax
        addl $1, %eax
smc_mid_insn:
        .byte 0x05                      /* add eax, imm32 (spelled out: the */
        .long 0                         /* assembler would pick 83 /0 ib) */
        popl %edi
        popl %esi
        ret

/* uint32_t smc_jump(void): jmp rel32 to one of two targets; the caller
 * rewrites the displacement at smc_jump_insn + 1. */
        .globl smc_jump, smc_jump_insn, smc_target_a, smc_target_b
smc_jump:
        movl $0, %eax
smc_jump_insn:
        jmp.d32 smc_target_a
smc_target_a:
        movl $0xaaaa, %eax
        ret
smc_target_b:
        movl $0xbbbb, %eax
        ret

/* uint32_t smc_self_loop(uint32_t n): each iteration adds its own
 * immediate to eax, then increments that immediate: returns 1 + 2 + ... + n
 * when the immediate starts at 1. */
        .globl smc_self_loop, smc_self_insn
smc_self_loop:
        movl 4(%esp), %ecx
        xorl %eax, %eax
1:
smc_self_insn:
        .byte 0x05                      /* add eax, imm32 */
        .long 1
        incl smc_self_insn + 1
        decl %ecx
        jnz 1b
        ret
        .balign 4096
        .section .note.GNU-stack, "", @progbits
