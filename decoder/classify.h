/*
 * classify.h: which translation rule handles a guest instruction.
 *
 * Every guest instruction falls into one rule.  The table in classify.c
 * has one row per mnemonic that needs more than the default, each naming
 * its rule and (for callouts) the statistics counter it counts in, so that
 * a reader can point at the row that translated an instruction.
 * Instructions without a row get the default: RULE_COPY if they touch no
 * memory, RULE_MEM if their only memory operands are explicit ones.
 *
 *   enum bt_rule r = classify_insn(&d, &kind);
 */
#pragma once
#include "decoder/decode.h"

enum bt_rule {
    RULE_DEFAULT = 0, /* (table only) decide from the operands */
    RULE_COPY,        /* no memory access: the host runs the same instruction */
    RULE_MEM,         /* explicit memory operands: rebased onto the guest window */
    RULE_LEA,         /* address arithmetic only */
    RULE_PUSH,        /* push r/m/imm */
    RULE_POP,         /* pop r/m */
    RULE_LEAVE,
    RULE_PUSHF,       /* inline at CPL 0, else callout */
    RULE_POPF,        /* inline at CPL 0, else callout */
    RULE_CLI,         /* inline at CPL 0, else callout */
    RULE_STI,         /* inline at CPL 0, else callout */
    RULE_STRING,      /* movs, stos, lods, cmps, scas (with rep) */
    RULE_XLAT,        /* implicit [ebx + al] */
    RULE_JMP,         /* near jmp: direct or indirect */
    RULE_JCC,         /* conditional near jump */
    RULE_LOOP,        /* loop, loope, loopne, jcxz, jecxz */
    RULE_CALL,        /* near call: direct or indirect */
    RULE_RET,         /* near ret [imm16] */
    RULE_CALLOUT,     /* sensitive or 64-bit-invalid: the monitor emulates it */
    RULE_UD,          /* raises #UD */
    RULE_RDTSC,       /* native at CPL 0 while the guest TSC equals the host's, else callout */
    RULE_LOAD_SREG,   /* mov Sreg / pop Sreg: inline from the descriptor cache, else callout */
};

/* Which counter a callout counts in (monitor/stats.h co_*). */
enum callout_kind {
    CO_OTHER = 0, CO_SEGMENT, CO_FAR_TRANSFER, CO_INTERRUPT, CO_IO, CO_FLAGS,
    CO_SYSTEM, CO_CPUID, CO_MSR, CO_HLT,
    CO_MEMOP,  /* an ordinary memory instruction the monitor emulates (emu_memop):
                  forms the host cannot encode, hot page-table writes */
};

struct rule_row {
    unsigned char rule;         /* enum bt_rule */
    unsigned char callout_kind; /* enum callout_kind */
};

/* The rule for d, and (for RULE_CALLOUT and the inline-or-callout rules) the
 * callout counter. */
enum bt_rule classify_insn(const struct decoded_insn *d, enum callout_kind *kind);
const char *classify_rule_name(enum bt_rule r);
/* Whether d belongs to an extension no CPU btvisor models has (VMX, SVM,
 * XSAVE, RDRAND, ...): it raises #UD (RULE_UD; the emulator answers the same). */
bool classify_isa_absent(const struct decoded_insn *d);

/* Which floating-point/SIMD unit an instruction needs: CR0.TS and CR0.EM
 * make them fault (SDM Vol. 3A §2.5, Table 2-2). */
enum fpu_class {
    FPU_NONE = 0,
    FPU_X87,   /* x87 arithmetic and control */
    FPU_SIMD,  /* MMX, SSE*, fxsave/fxrstor, ldmxcsr/stmxcsr */
    FPU_WAIT,  /* wait/fwait: faults only with CR0.MP */
};
enum fpu_class classify_fpu(const struct decoded_insn *d);

/* Whether d reads or writes x87/MMX/SSE state (registers, control and
 * status words, MXCSR), so that translated code must have the guest's
 * state loaded before it runs (bt/entry.S, the lazy load). */
bool classify_uses_fpu_state(const struct decoded_insn *d);
