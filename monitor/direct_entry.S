/*
 * direct_entry.S: entering guest user code directly, and the first
 * instructions of every host signal.
 *
 * de_enter(v, frame) saves the monitor's callee-saved registers and stack
 * pointer like bt_enter, loads the guest's x87/SSE state, loads DS/ES/FS/GS
 * with the LDT shadows of the guest's segments, loads the guest's general
 * registers and does an iretq to the 32-bit LDT code segment: the CPU is
 * now in compatibility mode running the guest's own instructions.  It comes
 * back only through a host signal: the handler saves the guest state and
 * resumes the monitor at bt_resume, which unwinds this frame.
 *
 * signals_entry is what sigaction installs.  A signal can interrupt guest
 * user code whose FS and GS hold guest segments, so before any C code runs
 * it records the interrupted DS/ES/FS/GS selectors (the 64-bit signal frame
 * has no DS/ES) and puts the monitor's TLS back: FS = null and the FS base
 * kept in signals_host_fsbase.
 */
#include "bt/world_switch.h"

    .text
    .globl de_enter
    .type de_enter, @function
de_enter:
    ENTER_FROM_MONITOR
    LOAD_GUEST_FPU                  /* guest user code may use x87/SSE anywhere */
    mov %rsi, %r14
    pushq 32(%r14)                  /* SS */
    pushq 24(%r14)                  /* ESP */
    pushq 16(%r14)                  /* EFLAGS */
    pushq 8(%r14)                   /* CS */
    pushq 0(%r14)                   /* EIP */
    movzwl 40(%r14), %eax
    mov %eax, %ds
    movzwl 42(%r14), %eax
    mov %eax, %es
    movzwl 44(%r14), %eax
    mov %eax, %fs
    movzwl 46(%r14), %eax
    mov %eax, %gs
    LOAD_GUEST_GPRS_BUT_ESP
    iretq
    .size de_enter, .-de_enter

    .globl signals_entry
    .type signals_entry, @function
signals_entry:
    sub $24, %rsp                   /* 16-byte aligned for the call below */
    movw %ds, 0(%rsp)
    movw %es, 2(%rsp)
    movw %fs, 4(%rsp)
    movw %gs, 6(%rsp)
    xor %eax, %eax
    mov %eax, %fs
    mov signals_host_fsbase(%rip), %rax
    wrfsbase %rax
    mov %rsp, %rcx                  /* 4th argument: the selectors */
    call signals_handle
    add $24, %rsp
    ret
    .size signals_entry, .-signals_entry

    .section .note.GNU-stack,"",@progbits
