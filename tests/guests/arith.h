/*
 * arith.h: shared pieces of the arith guest (ALU operations and flags).
 *
 * Every case runs one hand-written instruction on fixed registers with
 * EFLAGS loaded by popf, and compares registers and the defined flags with
 * constants worked out by hand from the SDM's description of the
 * instruction (Vol. 2, "Flags Affected").  Undefined flags are masked.
 */
#pragma once
#include "rt.h"

/* Registers an operation reads and writes. */
struct regs {
    uint32_t eax, ecx, edx, flags;
};

typedef void (*alu_op)(struct regs *r);

/* One table row: inputs, expected outputs, and which flags are defined. */
struct alu_case {
    const char *name;
    alu_op op;
    uint32_t eax, ecx, edx, flags_in;
    uint32_t want_eax, want_ecx, want_edx, want_flags, flag_mask;
};

/* EFLAGS image the operation reads and writes (used by the DEFOP asm). */
extern volatile uint32_t alu_flags;

/* Defines `static void fn(struct regs *)` running `insn` (AT&T syntax, with
 * %% before register names) on EAX, ECX, EDX with the given flags. */
#define DEFOP(fn, insn)                                                                    \
    static void fn(struct regs *r)                                                         \
    {                                                                                      \
        alu_flags = r->flags;                                                              \
        asm volatile("pushl alu_flags\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl alu_flags"   \
                     : "+a"(r->eax), "+c"(r->ecx), "+d"(r->edx)                           \
                     :                                                                     \
                     : "cc", "memory");                                                    \
        r->flags = alu_flags;                                                              \
    }

/* Flag masks: which flags an instruction defines. */
#define F_ALL FL_ARITH                      /* add, sub, cmp, neg, ... */
#define F_LOGIC (FL_ARITH & ~FL_AF)         /* and/or/xor/test, shifts by 1 */
#define F_SHIFTN (FL_ARITH & ~FL_AF & ~FL_OF) /* shifts by more than 1 */
#define F_ROTN (FL_ARITH & ~FL_OF)          /* rotates by more than 1 */
#define F_CFOF (FL_CF | FL_OF)              /* mul, imul */
#define F_RES (FL_SF | FL_ZF | FL_PF)       /* flags from the result only */

void alu_run_table(const struct alu_case *c, unsigned n);
void arith_test_alu(void);
void arith_test_shift(void);
void arith_test_muldiv(void);
void arith_test_bits(void);
void arith_test_cond(void);
void arith_test_misc(void);
void arith_test_lea(void);
