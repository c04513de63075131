/*
 * world_switch.h: assembler macros shared by the two ways into the guest —
 * bt/entry.S (translated code) and monitor/direct_entry.S (user code run
 * directly) — and their way back.  Only for .S files.
 */
#pragma once
#include "monitor/vcpu_abi.h"

/* Save the monitor's callee-saved registers and its stack pointer in the
 * vCPU (r15), load the guest's x87/SSE state, keep the monitor's control
 * words.  rdi = struct vcpu *. */
#define ENTER_FROM_MONITOR \
    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15; \
    sub $8, %rsp;                   /* keep the monitor stack 16-byte aligned */ \
    mov %rdi, %r15; \
    mov %rsp, VCPU_HOST_RSP(%r15); \
    stmxcsr VCPU_HOST_MXCSR(%r15); \
    fnstcw VCPU_HOST_FCW(%r15); \
    fxrstor64 VCPU_FPU(%r15)

/* Load the guest's general registers except ESP from the vCPU. */
#define LOAD_GUEST_GPRS_BUT_ESP \
    mov VCPU_GPR+0(%r15), %eax; \
    mov VCPU_GPR+4(%r15), %ecx; \
    mov VCPU_GPR+8(%r15), %edx; \
    mov VCPU_GPR+12(%r15), %ebx; \
    mov VCPU_GPR+20(%r15), %ebp; \
    mov VCPU_GPR+24(%r15), %esi; \
    mov VCPU_GPR+28(%r15), %edi

/* Keep the guest's x87/SSE registers in the vCPU and give the monitor a
 * clean x87 stack (the host ABI wants it empty) and its control words. */
#define SAVE_GUEST_FPU \
    fxsave64 VCPU_FPU(%r15); \
    fninit; \
    ldmxcsr VCPU_HOST_MXCSR(%r15); \
    fldcw VCPU_HOST_FCW(%r15)

/* Undo ENTER_FROM_MONITOR's stack frame and return to its caller. */
#define RETURN_TO_MONITOR \
    add $8, %rsp; \
    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx; \
    ret
