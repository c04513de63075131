/*
 * emu_alu.c: the integer ALU of the emulated memory instructions — add,
 * or, adc, sbb, and, sub, xor, cmp, test, inc, dec, neg — computing the
 * result and exactly the EFLAGS the hardware computes.
 *
 * Every arithmetic operation is an addition or a subtraction with a carry
 * in; the flags then follow from the operands and the result alone:
 *   CF  the carry (borrow) out of the top bit, from a 33-bit sum;
 *   AF  the carry (borrow) out of bit 3: bit 4 of a ^ b ^ result;
 *   OF  signed overflow: both operands of an addition have one sign and
 *       the result the other (for a subtraction: the operands differ in
 *       sign and the result's sign differs from the minuend's);
 *   SF, ZF, PF from the result (PF: even parity of its low byte).
 * This is SDM Vol. 1 §3.4.3.1 and Appendix A, and each instruction's
 * "Flags Affected" in Vol. 2.  The logical operations clear CF and OF; AF
 * is "undefined" for them and Intel processors clear it (checked natively
 * by tests/unit/test_emu_memop.c).
 *
 *   struct alu_out o = alu_run(ALU_SBB, 0, 0, EFLAGS_CF, 4);  // 0xffffffff, CF AF SF PF
 */
#include "monitor/emu_alu.h"

#include "monitor/x86.h"

/* a + b + carry with all six arithmetic flags. */
static struct alu_out alu_add(uint32_t a, uint32_t b, uint32_t carry, unsigned bytes)
{
    uint32_t m = alu_mask(bytes);
    uint64_t wide = (uint64_t)(a & m) + (b & m) + carry;
    uint32_t r = (uint32_t)wide & m, f = alu_szp(r, bytes);
    if (wide > m)
        f |= EFLAGS_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= EFLAGS_AF;
    if (~(a ^ b) & (a ^ r) & alu_sign(bytes))
        f |= EFLAGS_OF;
    return (struct alu_out){ r, f, EFLAGS_ARITH };
}

/* a - b - borrow with all six arithmetic flags. */
static struct alu_out alu_sub(uint32_t a, uint32_t b, uint32_t borrow, unsigned bytes)
{
    uint32_t m = alu_mask(bytes);
    uint32_t r = (a - b - borrow) & m, f = alu_szp(r, bytes);
    if ((uint64_t)(a & m) < (uint64_t)(b & m) + borrow)
        f |= EFLAGS_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= EFLAGS_AF;
    if ((a ^ b) & (a ^ r) & alu_sign(bytes))
        f |= EFLAGS_OF;
    return (struct alu_out){ r, f, EFLAGS_ARITH };
}

/* and/or/xor/test: CF = OF = 0, SF ZF PF from the result (SDM Vol. 2 AND,
 * "Flags Affected"); AF is undefined and cleared, as Intel CPUs do. */
static struct alu_out alu_logic(uint32_t r, unsigned bytes)
{
    r &= alu_mask(bytes);
    return (struct alu_out){ r, alu_szp(r, bytes), EFLAGS_ARITH };
}

struct alu_out alu_run(enum alu_op op, uint32_t a, uint32_t b, uint32_t eflags, unsigned bytes)
{
    uint32_t cf = (eflags & EFLAGS_CF) ? 1 : 0;
    struct alu_out o;
    switch (op) {
    case ALU_ADD: return alu_add(a, b, 0, bytes);
    case ALU_ADC: return alu_add(a, b, cf, bytes);
    case ALU_SUB:
    case ALU_CMP: return alu_sub(a, b, 0, bytes);
    case ALU_SBB: return alu_sub(a, b, cf, bytes);
    case ALU_OR: return alu_logic(a | b, bytes);
    case ALU_AND:
    case ALU_TEST: return alu_logic(a & b, bytes);
    case ALU_XOR: return alu_logic(a ^ b, bytes);
    case ALU_INC:
    case ALU_DEC:
        /* inc/dec leave CF alone (SDM Vol. 2 INC, DEC), so they can
         * update a loop counter without disturbing a carry chain. */
        o = op == ALU_INC ? alu_add(a, 1, 0, bytes) : alu_sub(a, 1, 0, bytes);
        o.mask &= ~EFLAGS_CF;
        o.flags &= ~EFLAGS_CF;
        return o;
    case ALU_NEG:
        /* neg is 0 - a: CF = (a != 0) falls out of the borrow (SDM Vol. 2 NEG). */
        return alu_sub(0, a, 0, bytes);
    }
    return (struct alu_out){ a, 0, 0 };
}

bool alu_cond(uint32_t eflags, unsigned cc)
{
    bool cf = eflags & EFLAGS_CF, zf = eflags & EFLAGS_ZF, sf = eflags & EFLAGS_SF;
    bool of = eflags & EFLAGS_OF, pf = eflags & EFLAGS_PF;
    bool holds;
    switch ((cc >> 1) & 7) {
    case 0: holds = of; break;              /* O */
    case 1: holds = cf; break;              /* B / C */
    case 2: holds = zf; break;              /* E / Z */
    case 3: holds = cf || zf; break;        /* BE */
    case 4: holds = sf; break;              /* S */
    case 5: holds = pf; break;              /* P */
    case 6: holds = sf != of; break;        /* L */
    default: holds = zf || sf != of; break; /* LE */
    }
    return (cc & 1) ? !holds : holds;       /* odd codes are the negations */
}
