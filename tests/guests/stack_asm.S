/*
 * stack_asm.S: the stack instructions of the stack guest, in plain
 * assembly so the exact encodings and the stack layout are under control.
 *
 * Every routine is cdecl: void st_xxx(uint32_t *out), records what it saw
 * in out[] and returns with every callee-saved register and ESP intact.
 */
        .text

/* out[0] = value popped after push reg, out[1] = esp delta of push,
 * out[2] = [esp] after push imm8 -2 (6A), out[3] = esp delta,
 * out[4] = [esp] after push imm32 (68), out[5] = [esp] after push mem (FF /6),
 * out[6] = st_cell after pop mem (8F /0) */
        .globl st_push_pop
st_push_pop:
        pushl %ebx
        movl 8(%esp), %ebx              /* out */
        movl %esp, %edx
        movl $0xa1b2c3d4, %ecx
        pushl %ecx
        movl %edx, %eax
        subl %esp, %eax
        movl %eax, 4(%ebx)
        popl %eax
        movl %eax, 0(%ebx)
        movl %esp, %edx
        .byte 0x6a, 0xfe                /* push imm8 -2 */
        movl (%esp), %eax
        movl %eax, 8(%ebx)
        movl %edx, %eax
        subl %esp, %eax
        movl %eax, 12(%ebx)
        addl $4, %esp
        pushl $0x12345678
        popl 16(%ebx)
        pushl st_cell
        popl 20(%ebx)
        pushl $0x600dcafe
        popl st_cell
        movl st_cell, %eax
        movl %eax, 24(%ebx)
        popl %ebx
        ret

/* 16-bit forms (0x66): out[0] esp delta of push r16, out[1] word popped
 * into cx (upper ecx kept), out[2] esp delta of push imm16, out[3] word at
 * [esp], out[4] word after push imm8 -1 (66 6A FF), out[5] st_cell after
 * popw mem, out[6] esp delta of pushw mem */
        .globl st_push16
st_push16:
        pushl %ebx
        movl 8(%esp), %ebx
        movl %esp, %edx
        movl $0x11112222, %eax
        pushw %ax
        movl %edx, %ecx
        subl %esp, %ecx
        movl %ecx, 0(%ebx)
        movl $0xaaaabbbb, %ecx
        popw %cx
        movl %ecx, 4(%ebx)
        pushw $0x3456
        movl %edx, %ecx
        subl %esp, %ecx
        movl %ecx, 8(%ebx)
        movzwl (%esp), %ecx
        movl %ecx, 12(%ebx)
        addl $2, %esp
        .byte 0x66, 0x6a, 0xff          /* push imm8 -1, 16-bit */
        movl (%esp), %ecx               /* low word pushed, high word stale */
        movzwl %cx, %ecx
        movl %ecx, 16(%ebx)
        movl $0x77777777, st_cell
        popw st_cell
        movl st_cell, %ecx
        movl %ecx, 20(%ebx)
        movl %esp, %edx
        pushw st_cell
        movl %edx, %ecx
        subl %esp, %ecx
        movl %ecx, 24(%ebx)
        addl $2, %esp
        popl %ebx
        ret

/* pushad/popad: out[0..7] = the 8 slots pushad wrote (lowest first:
 * edi esi ebp esp ebx edx ecx eax), out[8] = esp before pushad,
 * out[9..16] = registers after popad of a frame whose ESP slot was changed
 * (eax ecx edx ebx esp ebp esi edi), out[17] = esp before popad */
        .globl st_pushad
st_pushad:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl 20(%esp), %eax
        movl %eax, st_out
        movl %esp, st_saved_esp
        movl $0xa0a0a0a0, %eax
        movl $0xc1c1c1c1, %ecx
        movl $0xd2d2d2d2, %edx
        movl $0xb3b3b3b3, %ebx
        movl $0xb5b5b5b5, %ebp
        movl $0x56565656, %esi
        movl $0xd7d7d7d7, %edi
        pushal
        movl st_out, %eax
        movl 0(%esp), %ecx;  movl %ecx, 0(%eax)
        movl 4(%esp), %ecx;  movl %ecx, 4(%eax)
        movl 8(%esp), %ecx;  movl %ecx, 8(%eax)
        movl 12(%esp), %ecx; movl %ecx, 12(%eax)
        movl 16(%esp), %ecx; movl %ecx, 16(%eax)
        movl 20(%esp), %ecx; movl %ecx, 20(%eax)
        movl 24(%esp), %ecx; movl %ecx, 24(%eax)
        movl 28(%esp), %ecx; movl %ecx, 28(%eax)
        movl st_saved_esp, %ecx
        movl %ecx, 32(%eax)
        movl %esp, 68(%eax)
        movl $0xdeadbeef, 12(%esp)      /* the ESP slot: popad must skip it */
        movl $0x11111111, 28(%esp)      /* new eax */
        movl $0x77777777, 0(%esp)       /* new edi */
        popal
        pushl %eax
        movl st_out, %eax
        movl %ecx, 40(%eax)
        movl %edx, 44(%eax)
        movl %ebx, 48(%eax)
        movl %ebp, 56(%eax)
        movl %esi, 60(%eax)
        movl %edi, 64(%eax)
        popl %ecx
        movl %ecx, 36(%eax)
        movl %esp, 52(%eax)
        movl st_saved_esp, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/* pushaw/popaw (66 60 / 66 61): out[0] = esp delta, out[1] = word in the
 * AX slot, out[2] = word in the DI slot, out[3] = eax after popaw (upper
 * half kept) */
        .globl st_pushaw
st_pushaw:
        pushl %ebx
        pushl %esi
        pushl %edi
        pushl %ebp
        movl 20(%esp), %ebx
        movl %esp, %edx
        movl $0x1234abcd, %eax
        movl $0x5678ef01, %edi
        movl %ebx, %esi                 /* popaw restores si to this */
        pushaw
        movl %edx, %ecx
        subl %esp, %ecx
        movl %ecx, 0(%ebx)
        movzwl 14(%esp), %ecx
        movl %ecx, 4(%ebx)
        movzwl 0(%esp), %ecx
        movl %ecx, 8(%ebx)
        movw $0x9999, 14(%esp)
        popaw
        movl %eax, 12(%esi)
        popl %ebp
        popl %edi
        popl %esi
        popl %ebx
        ret

/* pop into [esp + x]: ESP is incremented before the address is computed
 * (SDM Vol. 2B "POP").  out[0] = first pop after popl 4(%esp), out[1] =
 * second pop, out[2] = esp delta over the sequence, out[3] = value after
 * popl (%esp), out[4] = esp after pop %esp (relative to the value popped) */
        .globl st_pop_esp_mem
st_pop_esp_mem:
        pushl %ebx
        movl 8(%esp), %ebx
        movl %esp, %edx
        pushl $0x11111111
        pushl $0x22222222
        pushl $0x33333333
        popl 4(%esp)                    /* writes 0x33333333 over 0x11111111 */
        popl %eax
        movl %eax, 0(%ebx)
        popl %eax
        movl %eax, 4(%ebx)
        movl %edx, %eax
        subl %esp, %eax
        movl %eax, 8(%ebx)
        pushl $0x44444444
        pushl $0x55555555
        popl (%esp)                     /* writes 0x55555555 over 0x44444444 */
        popl %eax
        movl %eax, 12(%ebx)
        movl %esp, %ecx
        leal -64(%esp), %eax
        pushl %eax
        popl %esp                       /* ESP = the popped value, no increment */
        movl %esp, %eax
        movl %ecx, %esp
        subl %ecx, %eax
        movl %eax, 16(%ebx)
        popl %ebx
        ret

/* push esp pushes the value before the push; push (%esp) the old top.
 * out[0] = pushed - esp before, out[1] = value pushed by push (%esp) */
        .globl st_push_esp
st_push_esp:
        movl 4(%esp), %ecx
        movl %esp, %edx
        pushl %esp
        popl %eax
        subl %edx, %eax
        movl %eax, 0(%ecx)
        pushl $0x5eed5eed
        pushl (%esp)
        popl %eax
        movl %eax, 4(%ecx)
        addl $4, %esp
        ret

/* calls and returns: out[0] = return address seen by a direct call,
 * out[1] = its expected value, out[2] = result of call *reg, out[3] =
 * result of call *mem, out[4] = esp delta over a callee's ret $8,
 * out[5] = result after a callee replaced its return address,
 * out[6] = result of jmp *mem */
        .globl st_calls
st_calls:
        pushl %ebx
        movl 8(%esp), %ebx
        call 1f
2:      jmp 3f
1:      movl (%esp), %eax
        movl %eax, 0(%ebx)
        movl $2b, 4(%ebx)
        ret
3:      movl $st_callee_ret7, %eax
        call *%eax
        movl %eax, 8(%ebx)
        movl $0, %eax
        call *st_fnptr
        movl %eax, 12(%ebx)
        movl %esp, %edx
        pushl $1
        pushl $2
        call st_callee_ret8
        movl %edx, %eax
        subl %esp, %eax                 /* 0 if ret $8 removed both arguments */
        movl %eax, 16(%ebx)
        movl $0, %eax
        call st_callee_redirect
        movl $0xbad, %eax               /* skipped: the callee returns to 4f */
4:      movl %eax, 20(%ebx)
        movl $0, %eax
        movl $5f, st_jmp_target
        jmp *st_jmp_target
        movl $0xbad, %eax
5:      movl $0x1a3b, %eax
        movl %eax, 24(%ebx)
        popl %ebx
        ret

st_callee_ret7:
        movl $7, %eax
        ret
st_callee_ret9:
        movl $9, %eax
        ret
st_callee_ret8:
        ret $8
st_callee_redirect:
        movl $0x4444, %eax
        movl $4b, (%esp)
        ret

/* enter/leave.  out[0] = ebp - esp_before after enter $16,0, out[1] =
 * esp - ebp, out[2] = [ebp] (old ebp), out[3] = esp after leave ==
 * esp_before (1 if so).  enter $8,1: out[4] = [ebp-4] (frame pointer),
 * out[5] = ebp - esp.  enter $8,3: out[6], out[7] = [ebp-4], [ebp-8]
 * (copied from the enclosing frame's display), out[8] = [ebp-12] (frame
 * pointer), out[9] = ebp - esp, out[10] = 1 if leave restored ebp */
        .globl st_enter
st_enter:
        pushl %ebp
        pushl %ebx
        movl 12(%esp), %ebx
        movl %esp, %edx
        movl $0x0dd0ebb0, %ebp
        enter $16, $0
        movl %ebp, %eax
        subl %edx, %eax
        movl %eax, 0(%ebx)
        movl %esp, %eax
        subl %ebp, %eax
        movl %eax, 4(%ebx)
        movl (%ebp), %eax
        movl %eax, 8(%ebx)
        leave
        xorl %eax, %eax
        cmpl %edx, %esp
        sete %al
        movl %eax, 12(%ebx)

        movl $st_display + 32, %ebp
        enter $8, $1
        movl -4(%ebp), %eax
        subl %ebp, %eax                 /* 0: the frame pointer itself */
        movl %eax, 16(%ebx)
        movl %ebp, %eax
        subl %esp, %eax
        movl %eax, 20(%ebx)
        leave

        movl $st_display + 32, %ebp
        enter $8, $3
        movl -4(%ebp), %eax
        movl %eax, 24(%ebx)
        movl -8(%ebp), %eax
        movl %eax, 28(%ebx)
        movl -12(%ebp), %eax
        subl %ebp, %eax
        movl %eax, 32(%ebx)
        movl %ebp, %eax
        subl %esp, %eax
        movl %eax, 36(%ebx)
        leave
        xorl %eax, %eax
        cmpl $st_display + 32, %ebp
        sete %al
        movl %eax, 40(%ebx)
        popl %ebx
        popl %ebp
        ret

/* push Sreg: out[0] = the dword at [esp] after pushl %ds over a slot
 * holding 0xdeadbeef (a 16-bit move: the upper half stays), out[1] = its
 * esp delta, out[2] = %ds, out[3] = the word after pushw %fs (66 0F A0),
 * out[4] = its esp delta, out[5] = %fs, out[6] = the dword after pushl %ss,
 * out[7] = %ss */
        .globl st_push_sreg
st_push_sreg:
        pushl %ebx
        movl 8(%esp), %ebx
        movl %esp, %edx
        movl $0xdeadbeef, -4(%esp)
        pushl %ds
        movl (%esp), %eax
        movl %eax, 0(%ebx)
        movl %edx, %eax
        subl %esp, %eax
        movl %eax, 4(%ebx)
        addl $4, %esp
        movl %ds, %eax
        movl %eax, 8(%ebx)
        movl %esp, %edx
        movl $0xcafef00d, -4(%esp)
        pushw %fs
        movzwl (%esp), %eax
        movl %eax, 12(%ebx)
        movl %edx, %eax
        subl %esp, %eax
        movl %eax, 16(%ebx)
        addl $2, %esp
        movl %fs, %eax
        movl %eax, 20(%ebx)
        movl $0x5a5a5a5a, -4(%esp)
        pushl %ss
        popl %eax
        movl %eax, 24(%ebx)
        movl %ss, %eax
        movl %eax, 28(%ebx)
        popl %ebx
        ret

        .data
        .align 4
        .globl st_cell
st_cell:        .long 0xfeedface
st_fnptr:       .long st_callee_ret9
st_jmp_target:  .long 0
st_out:         .long 0
st_saved_esp:   .long 0
/* an enclosing frame for enter with nesting: ebp = st_display + 32 */
st_display:
        .long 0, 0, 0, 0, 0, 0
        .long 0xd15b0002                /* [ebp - 8] */
        .long 0xd15b0001                /* [ebp - 4] */
        .long 0                         /* [ebp] */
        .section .note.GNU-stack, "", @progbits
