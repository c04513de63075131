/*
 * entry.S: world switches between the monitor (C, host ABI) and translated
 * guest code.
 *
 * bt_enter(v, code) saves the host's callee-saved registers on the monitor
 * stack, remembers the stack pointer in v->host_rsp, loads the guest's
 * registers and flags and jumps into translated code.  From then on host
 * RAX..RDI hold guest EAX..EDI (ESP in RSP, upper half zero), host RFLAGS
 * holds the guest's status flags and DF, and r15 points at the vCPU.
 *
 * Translated code leaves through bt_exit with r14 = the exit descriptor:
 * the guest registers and flags are stored back into the vCPU, the monitor
 * stack is restored and bt_enter returns the descriptor.  bt_exit is
 * position independent; the translation cache copies it into the code arena
 * so that blocks reach it with a rel32 jump.
 *
 * The guest's x87/SSE registers are loaded lazily.  Most guest code, and
 * nearly all kernel code, never touches them, and an FXRSTOR64 + FXSAVE64
 * pair costs more than the rest of a world switch together.  bt_enter
 * points vcpu->fpu_ensure at bt_fpu_load; the translator puts
 *
 *     lea r9, [rip + 1f]; jmp [r15 + VCPU_FPU_ENSURE]; 1:
 *
 * before the first x87/MMX/SSE instruction of a block.  bt_fpu_load loads
 * the state, sets vcpu->fpu_live and points fpu_ensure at bt_fpu_ready,
 * which just jumps back.  The helper stub and the exit stub save the state
 * (FXSAVE64 into vcpu->fpu, the monitor's control words back) only when
 * fpu_live is set, and the helper stub loads it again before it returns,
 * so within one stay in translated code the guest's state stays loaded.
 *
 * After a host signal in translated code the handler has already saved the
 * guest state; it resumes at bt_resume with RSP = v->host_rsp and RAX = the
 * descriptor, which unwinds bt_enter's frame the same way.
 */
#include "bt/world_switch.h"

/* CF PF AF ZF SF OF and DF: the flags that live in the host RFLAGS. */
#define HOST_LIVE_FLAGS 0xcd5

/* Store guest EAX..EDI in the vCPU and switch to the monitor stack. */
.macro SAVE_GUEST_GPRS_TO_MONITOR
    mov %eax, VCPU_GPR+0(%r15)
    mov %ecx, VCPU_GPR+4(%r15)
    mov %edx, VCPU_GPR+8(%r15)
    mov %ebx, VCPU_GPR+12(%r15)
    mov %esp, VCPU_GPR+16(%r15)
    mov %ebp, VCPU_GPR+20(%r15)
    mov %esi, VCPU_GPR+24(%r15)
    mov %edi, VCPU_GPR+28(%r15)
    mov VCPU_HOST_RSP(%r15), %rsp
.endm

/* Merge the guest flags living in the host RFLAGS into vcpu->eflags
 * (clobbers RAX, RCX). */
.macro SAVE_GUEST_FLAGS
    pushfq
    pop %rax
    and $HOST_LIVE_FLAGS, %eax
    mov VCPU_EFLAGS(%r15), %ecx
    and $~HOST_LIVE_FLAGS, %ecx
    or %ecx, %eax
    mov %eax, VCPU_EFLAGS(%r15)
.endm

    .text
    .globl bt_enter
    .type bt_enter, @function
bt_enter:
    ENTER_FROM_MONITOR
    mov %rsi, %r14
    mov VCPU_EFLAGS(%r15), %eax
    and $HOST_LIVE_FLAGS, %eax
    or $0x202, %eax                 /* bit 1 is fixed; host IF stays set in user mode */
    push %rax
    popfq
    movl $0, VCPU_FPU_LIVE(%r15)
    lea bt_fpu_load(%rip), %rax
    mov %rax, VCPU_FPU_ENSURE(%r15)
    LOAD_GUEST_GPRS_BUT_ESP
    mov $12, %r11d                  /* the soft-MMU probe's shift count (bt/probe.c) */
    mov VCPU_GPR+16(%r15), %esp     /* a 32-bit write zero-extends into RSP */
    jmp *%r14
    .size bt_enter, .-bt_enter

/* The lazy x87/SSE load (see the top): entered with r9 = where to go back;
 * changes no guest register and no flag (r10 is scratch between guest
 * instructions). */
    .globl bt_fpu_load, bt_fpu_ready
bt_fpu_load:
    LOAD_GUEST_FPU
    lea bt_fpu_ready(%rip), %r10
    mov %r10, VCPU_FPU_ENSURE(%r15)
bt_fpu_ready:
    jmp *%r9

/*
 * The in-block helper call (position independent; copied to the arena head
 * like bt_exit).  Translated code jumps here with r9 = where to come back,
 * r10d = what it wants (bt/probe.h: kind, size, access) and r13 = the guest
 * linear address (or, for HELPER_CALLOUT, the exit descriptor).  The guest's registers, flags and (if loaded) x87/SSE
 * state go to the vCPU, the C function in vcpu->helper_fn runs on the
 * monitor stack with the monitor's control words:
 *
 *   struct helper_ret fn(struct vcpu *v, uint32_t info, uint64_t r13, uint64_t ret);
 *
 * It returns where to continue (normally r9) and the value for r12 (the
 * host address base of the access).  To leave the block instead it makes
 * the vCPU state exact and returns the helper-exit stub as the target.
 * Everything is restored from the vCPU, so the C side may change it.
 */
    .globl bt_helper_begin, bt_helper_end
bt_helper_begin:
    SAVE_GUEST_GPRS_TO_MONITOR
    SAVE_GUEST_FLAGS
    cmpl $0, VCPU_FPU_LIVE(%r15)
    je 1f
    SAVE_GUEST_FPU
1:  cld
    mov %r15, %rdi
    mov %r10d, %esi
    mov %r13, %rdx
    mov %r9, %rcx
    call *VCPU_HELPER_FN(%r15)
    mov %rax, VCPU_HELPER_TARGET(%r15)
    mov %rdx, %r12
    cmpl $0, VCPU_FPU_LIVE(%r15)
    je 2f
    fxrstor64 VCPU_FPU(%r15)
2:  mov VCPU_EFLAGS(%r15), %eax
    and $HOST_LIVE_FLAGS, %eax
    or $0x202, %eax
    push %rax
    popfq
    LOAD_GUEST_GPRS_BUT_ESP
    mov $12, %r11d
    mov VCPU_GPR+16(%r15), %esp
    jmp *VCPU_HELPER_TARGET(%r15)
bt_helper_end:

    .globl bt_exit_begin, bt_exit_end
bt_exit_begin:
    SAVE_GUEST_GPRS_TO_MONITOR
    SAVE_GUEST_FLAGS
    SAVE_GUEST_FPU_IF_LIVE
    cld                             /* the host ABI wants DF clear */
    mov %r14, VCPU_EXIT_DESC(%r15)
    mov %r14, %rax
    RETURN_TO_MONITOR
bt_exit_end:

    .globl bt_resume
    .type bt_resume, @function
bt_resume:
    SAVE_GUEST_FPU_IF_LIVE          /* sigreturn restored the FPU state of the moment */
    RETURN_TO_MONITOR
    .size bt_resume, .-bt_resume

    .section .note.GNU-stack,"",@progbits
