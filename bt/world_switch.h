/*
 * world_switch.h: assembler macros shared by the two ways into the guest —
 * bt/entry.S (translated code) and monitor/direct_entry.S (user code run
 * directly) — and their way back.  Only for .S files.
 */
#pragma once
#include "monitor/vcpu_abi.h"

/* Save the monitor's callee-saved registers and its stack pointer in the
 * vCPU (r15) and keep the monitor's control words.  The guest's x87/SSE
 * state is not loaded here: direct execution loads it at once
 * (LOAD_GUEST_FPU), translated code only when a block needs it
 * (bt/entry.S, bt_fpu_load).  rdi = struct vcpu *. */
#define ENTER_FROM_MONITOR \
    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15; \
    sub $8, %rsp;                   /* keep the monitor stack 16-byte aligned */ \
    mov %rdi, %r15; \
    mov %rsp, VCPU_HOST_RSP(%r15); \
    stmxcsr VCPU_HOST_MXCSR(%r15); \
    fnstcw VCPU_HOST_FCW(%r15)

/* Put the guest's x87/SSE state into the host registers. */
#define LOAD_GUEST_FPU \
    fxrstor64 VCPU_FPU(%r15); \
    movl $1, VCPU_FPU_LIVE(%r15)

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

/* SAVE_GUEST_FPU if the guest's state is loaded, and mark it not loaded.
 * Uses the host flags: only after the guest's are saved.  The label is
 * local (9:), so the sequence stays position independent. */
#define SAVE_GUEST_FPU_IF_LIVE \
    cmpl $0, VCPU_FPU_LIVE(%r15); \
    je 9f; \
    SAVE_GUEST_FPU; \
    movl $0, VCPU_FPU_LIVE(%r15); \
9:

/* Undo ENTER_FROM_MONITOR's stack frame and return to its caller. */
#define RETURN_TO_MONITOR \
    add $8, %rsp; \
    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx; \
    ret
