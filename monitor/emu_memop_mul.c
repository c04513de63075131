/*
 * emu_memop_mul.c: imul with a memory source in its two- and three-operand
 * forms (0F AF /r: imul r, r/m; 69 /r and 6B /r: imul r, r/m, imm) and the
 * double-precision shifts shld/shrd on memory, for the memory emulator
 * (emu_memop.c) — forms a guest points at MMIO.
 *
 * The product of the signed source (and the sign-extended immediate, or
 * the destination register) is truncated to the operand size; CF and OF
 * are set when the truncation lost significant bits, i.e. when the full
 * signed product differs from the sign-extended truncated one (SDM Vol. 2A
 * IMUL, "Flags Affected").  SF, ZF, AF and PF are undefined; they are left
 * unchanged.
 *
 *   imul ax, [ebx] with 0x0102 there and AX = 0x0100 → AX = 0x0200, CF = OF = 1
 */
#include "monitor/emu_alu.h"
#include "monitor/emu_memop.h"

static int64_t memop_signed(uint64_t x, unsigned n)
{
    return n == 2 ? (int64_t)(int16_t)x : (int64_t)(int32_t)x;
}

enum emu_status memop_imul(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    unsigned n = memop_bytes(dst);
    bool three = d->i.operand_count_visible == 3;
    if (d->i.operand_count_visible < 2 || dst->type != ZYDIS_OPERAND_TYPE_REGISTER ||
        !memop_plain(src) || (n != 2 && n != 4))
        return emu_bounce(v, d, ev);
    uint64_t a, b;
    if (!memop_get(v, d, src, n, &a, ev))
        return EMU_EVENT;
    if (three)
        b = (uint64_t)d->op[2].imm.value.s; /* Zydis sign-extends imm8 and imm16/32 */
    else
        memop_get(v, d, dst, n, &b, ev);
    int64_t full = memop_signed(a, n) * memop_signed(b, n);
    uint64_t truncated = (uint64_t)full & ((n == 2) ? 0xffffu : 0xffffffffu);
    bool lost = memop_signed(truncated, n) != full;
    memop_put(v, d, dst, n, truncated, ev);
    emu_set_flags(v, EFLAGS_CF | EFLAGS_OF, lost ? EFLAGS_CF | EFLAGS_OF : 0);
    return emu_next(v, d);
}

/* shld/shrd r/m, r, imm8|cl (SDM Vol. 2B SHLD/SHRD): the destination shifted
 * with bits of the source filling in; the count is taken modulo 32 and a
 * zero count changes nothing, flags included.  CF is the last bit shifted
 * out, OF (defined for a count of 1) is set when the sign changed; SF, ZF,
 * PF follow the result; AF is undefined and left unchanged.  A 16-bit
 * count above 16 is undefined; here it shifts the 32-bit pair dest:src. */
enum emu_status memop_shift_double(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1], *cnt = &d->op[2];
    unsigned n = memop_bytes(dst), bits = 8 * n;
    uint64_t a, b, c;
    if (!memop_plain(dst) || (n != 2 && n != 4))
        return emu_bounce(v, d, ev);
    memop_get(v, d, cnt, 1, &c, ev);
    c &= 31;
    if (!memop_check_write(v, d, dst, n, ev) || !memop_get(v, d, dst, n, &a, ev))
        return EMU_EVENT;
    memop_get(v, d, src, n, &b, ev);
    if (c == 0)
        return emu_next(v, d);
    bool left = d->i.mnemonic == ZYDIS_MNEMONIC_SHLD;
    uint64_t pair = left ? (a << bits) | b : (b << bits) | a; /* dest in the half that moves out */
    uint64_t r, cf;
    if (left) {
        r = (pair << c) >> bits;
        cf = (pair >> (2 * bits - c)) & 1;
    } else {
        r = pair >> c;
        cf = (pair >> (c - 1)) & 1;
    }
    uint32_t res = (uint32_t)r & alu_mask(n);
    if (!memop_put(v, d, dst, n, res, ev))
        return EMU_EVENT;
    uint32_t f = alu_szp(res, n) | (cf ? EFLAGS_CF : 0);
    if (((res ^ (uint32_t)a) & alu_sign(n)) != 0)
        f |= EFLAGS_OF;
    emu_set_flags(v, EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, f);
    return emu_next(v, d);
}
