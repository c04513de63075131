/*
 * x86.h: architectural constants of the 32-bit x86 the guest sees.
 *
 * Everything here is a fact of the architecture (Intel SDM Vol. 3A), not a
 * choice of btvisor: EFLAGS bits, CR0/CR4 bits, exception vectors, descriptor
 * fields.  Subsystems include this instead of spelling magic numbers.
 */
#pragma once
#include <stdint.h>

/* EFLAGS (SDM Vol. 1 §3.4.3). */
#define EFLAGS_CF   0x00000001u
#define EFLAGS_FIXED 0x00000002u /* bit 1 always reads as 1 */
#define EFLAGS_PF   0x00000004u
#define EFLAGS_AF   0x00000010u
#define EFLAGS_ZF   0x00000040u
#define EFLAGS_SF   0x00000080u
#define EFLAGS_TF   0x00000100u
#define EFLAGS_IF   0x00000200u
#define EFLAGS_DF   0x00000400u
#define EFLAGS_OF   0x00000800u
#define EFLAGS_IOPL 0x00003000u
#define EFLAGS_IOPL_SHIFT 12
#define EFLAGS_NT   0x00004000u
#define EFLAGS_RF   0x00010000u
#define EFLAGS_VM   0x00020000u
#define EFLAGS_AC   0x00040000u
#define EFLAGS_VIF  0x00080000u
#define EFLAGS_VIP  0x00100000u
#define EFLAGS_ID   0x00200000u
/* The six status flags. */
#define EFLAGS_ARITH (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)
/* Every EFLAGS bit that is not reserved (SDM Vol. 1 §3.4.3, Figure 3-8). */
#define EFLAGS_DEFINED (EFLAGS_ARITH | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL | EFLAGS_NT | \
                        EFLAGS_RF | EFLAGS_VM | EFLAGS_AC | EFLAGS_VIF | EFLAGS_VIP | EFLAGS_ID)
/* Flags that live in the host RFLAGS while translated code runs. */
#define EFLAGS_HOST_LIVE (EFLAGS_ARITH | EFLAGS_DF)

/* CR0 (SDM Vol. 3A §2.5). */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

/* CR4. */
#define CR4_VME 0x00000001u
#define CR4_PVI 0x00000002u
#define CR4_TSD 0x00000004u
#define CR4_DE  0x00000008u
#define CR4_PSE 0x00000010u
#define CR4_PAE 0x00000020u
#define CR4_MCE 0x00000040u
#define CR4_PGE 0x00000080u
#define CR4_PCE 0x00000100u
#define CR4_OSFXSR 0x00000200u
#define CR4_OSXMMEXCPT 0x00000400u
#define CR4_UMIP 0x00000800u
#define CR4_SMEP 0x00100000u
#define CR4_SMAP 0x00200000u

/* Exception vectors (SDM Vol. 3A §6.3.1, Table 6-1). */
enum x86_vector {
    VEC_DE = 0,  /* divide error                 fault, no error code */
    VEC_DB = 1,  /* debug                        fault/trap */
    VEC_NMI = 2,
    VEC_BP = 3,  /* int3                         trap */
    VEC_OF = 4,  /* into                         trap */
    VEC_BR = 5,  /* bound                        fault */
    VEC_UD = 6,  /* invalid opcode               fault */
    VEC_NM = 7,  /* device not available         fault */
    VEC_DF = 8,  /* double fault                 abort, error code 0 */
    VEC_TS = 10, /* invalid TSS                  fault, error code */
    VEC_NP = 11, /* segment not present          fault, error code */
    VEC_SS = 12, /* stack-segment fault          fault, error code */
    VEC_GP = 13, /* general protection           fault, error code */
    VEC_PF = 14, /* page fault                   fault, error code, CR2 */
    VEC_MF = 16, /* x87 floating point           fault */
    VEC_AC = 17, /* alignment check              fault, error code 0 */
    VEC_MC = 18,
    VEC_XM = 19, /* SIMD floating point          fault */
};

/* Exceptions that push an error code (SDM Vol. 3A Table 6-1). */
static inline int x86_vector_has_error(unsigned vector)
{
    return vector == VEC_DF || (vector >= VEC_TS && vector <= VEC_PF) || vector == VEC_AC;
}

/* Page-fault error code bits (SDM Vol. 3A §4.7). */
#define PFEC_P    0x01u
#define PFEC_W    0x02u
#define PFEC_U    0x04u
#define PFEC_RSVD 0x08u
#define PFEC_I    0x10u

/* Segment register numbers in hardware encoding order (ModRM reg field of mov sreg). */
enum x86_sreg { SREG_ES = 0, SREG_CS = 1, SREG_SS = 2, SREG_DS = 3, SREG_FS = 4, SREG_GS = 5, SREG_COUNT = 6 };

/* General registers in hardware encoding order. */
enum x86_gpr { GPR_EAX, GPR_ECX, GPR_EDX, GPR_EBX, GPR_ESP, GPR_EBP, GPR_ESI, GPR_EDI, GPR_COUNT };

/*
 * Segment descriptor access rights as kept in struct seg_cache.attr: bits
 * 8..15 of the descriptor's high dword (type, S, DPL, P) in attr bits 0..7,
 * and bits 20..23 (AVL, L, D/B, G) in attr bits 12..15 — the layout
 * VMX uses for its guest-state "access rights" fields (SDM Vol. 3C §24.4.1).
 */
#define SEG_ATTR_TYPE_MASK 0x000fu
#define SEG_ATTR_ACCESSED  0x0001u  /* code/data: accessed */
#define SEG_ATTR_RW        0x0002u  /* data: writable; code: readable */
#define SEG_ATTR_DC        0x0004u  /* data: expand-down; code: conforming */
#define SEG_ATTR_CODE      0x0008u  /* code (1) or data (0) */
#define SEG_ATTR_S         0x0010u  /* 1: code/data, 0: system */
#define SEG_ATTR_DPL_SHIFT 5
#define SEG_ATTR_DPL_MASK  0x0060u
#define SEG_ATTR_P         0x0080u
#define SEG_ATTR_AVL       0x1000u
#define SEG_ATTR_DB        0x4000u  /* default operand/stack size 32 bits */
#define SEG_ATTR_G         0x8000u
#define SEG_ATTR_UNUSABLE  0x10000u /* btvisor: null selector loaded, any access faults */

/* System descriptor types (S = 0) (SDM Vol. 3A §3.5, Table 3-2). */
enum x86_sys_type {
    SYS_TSS16_AVAIL = 0x1, SYS_LDT = 0x2, SYS_TSS16_BUSY = 0x3, SYS_CALLGATE16 = 0x4,
    SYS_TASKGATE = 0x5, SYS_INTGATE16 = 0x6, SYS_TRAPGATE16 = 0x7,
    SYS_TSS32_AVAIL = 0x9, SYS_TSS32_BUSY = 0xb, SYS_CALLGATE32 = 0xc,
    SYS_INTGATE32 = 0xe, SYS_TRAPGATE32 = 0xf,
};

/* The debug-exit port of QEMU's isa-debug-exit device, which btvisor copies. */
#define DEBUG_EXIT_PORT 0xf4
