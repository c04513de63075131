/*
 * emu_alu.h: integer arithmetic with the EFLAGS the hardware produces, for
 * the emulated memory instructions (monitor/emu_memop*.c).
 *
 * alu_run() is a pure function: operands, the incoming EFLAGS (for the
 * carry of adc/sbb) and the width in, the result and the flags out, with
 * the mask of flags the instruction writes.  The caller commits both only
 * after every memory access succeeded.
 *
 *   struct alu_out o = alu_run(ALU_ADD, 0x7f, 1, 0, 1);   // 0x80, OF SF AF set
 *   emu_set_flags(v, o.mask, o.flags);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/x86.h"

enum alu_op {
    ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, /* the /0../7 order of 80-83 */
    ALU_TEST,
    ALU_INC,
    ALU_DEC,
    ALU_NEG,
};

struct alu_out {
    uint32_t value; /* the result, truncated to the width */
    uint32_t flags; /* EFLAGS bits the operation produced (within mask) */
    uint32_t mask;  /* the EFLAGS bits it writes */
};

/* a op b at `bytes` (1, 2 or 4) width; eflags supplies CF for adc/sbb. */
struct alu_out alu_run(enum alu_op op, uint32_t a, uint32_t b, uint32_t eflags, unsigned bytes);

/* Does condition code cc (the low nibble of Jcc/SETcc/CMOVcc, SDM Vol. 1
 * Appendix B) hold for these flags? */
bool alu_cond(uint32_t eflags, unsigned cc);

/* All-ones of `bytes` (1, 2, 4) bytes, and its sign bit. */
static inline uint32_t alu_mask(unsigned bytes) { return bytes >= 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1; }
static inline uint32_t alu_sign(unsigned bytes) { return 1u << (8 * bytes - 1); }

/* SF, ZF and PF of a result of `bytes` width (PF: the low byte's parity);
 * bits above the width are ignored. */
static inline uint32_t alu_szp(uint32_t r, unsigned bytes)
{
    uint32_t f = 0;
    if ((r & alu_mask(bytes)) == 0)
        f |= EFLAGS_ZF;
    if (r & alu_sign(bytes))
        f |= EFLAGS_SF;
    if (!__builtin_parity(r & 0xffu))
        f |= EFLAGS_PF;
    return f;
}
