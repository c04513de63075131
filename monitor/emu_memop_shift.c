/*
 * emu_memop_shift.c: the shifts and rotates on a memory operand (shl, shr,
 * sar, rol, ror, rcl, rcr by 1, CL or imm8: C0/C1/D0-D3 /0../7), for
 * the memory emulator (emu_memop.c) — a guest pointing them at MMIO or at
 * physical memory with nothing behind it.
 *
 * SDM Vol. 2B SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR: the count is masked to
 * 5 bits; a masked count of 0 changes nothing, flags included (the
 * destination is still read and checked for writability, as the hardware
 * makes the access).  Shifts set CF to the last bit shifted out and SF, ZF,
 * PF from the result; OF is defined for a count of 1 only (shl: MSB(result)
 * XOR CF; shr: MSB of the original; sar: 0) and is computed that way for
 * every count; AF is undefined and left unchanged.  Rotates touch only CF
 * and OF; rol/ror rotate by count mod width, rcl/rcr by count mod
 * (width + 1) through CF.
 *
 *   shl byte [ebx], 1 with 0x81 there → 0x02, CF = 1, OF = 1
 */
#include "monitor/emu_alu.h"
#include "monitor/emu_memop.h"

struct shift_out {
    uint32_t res, flags, mask;
};

static struct shift_out shift_plain(ZydisMnemonic m, uint32_t a, unsigned c, unsigned n)
{
    unsigned bits = 8 * n;
    uint64_t r;
    bool cf, of;
    if (m == ZYDIS_MNEMONIC_SHL) {
        r = ((uint64_t)a << c) & alu_mask(n);
        cf = c <= bits && (((uint64_t)a << c) >> bits) & 1;
        of = ((r & alu_sign(n)) != 0) != cf;
    } else if (m == ZYDIS_MNEMONIC_SHR) {
        r = c >= bits ? 0 : a >> c;
        cf = c <= bits && (a >> (c - 1)) & 1;
        of = (a & alu_sign(n)) != 0;
    } else { /* sar */
        int64_t s = (a & alu_sign(n)) ? (int64_t)a - ((int64_t)1 << bits) : (int64_t)a;
        unsigned k = c >= bits ? bits - 1 : c;
        r = (uint64_t)(s >> k) & alu_mask(n);
        cf = ((s >> (c > bits ? bits - 1 : c - 1)) & 1) != 0;
        of = false;
    }
    uint32_t f = alu_szp((uint32_t)r, n) | (cf ? EFLAGS_CF : 0) | (of ? EFLAGS_OF : 0);
    return (struct shift_out){ (uint32_t)r, f, EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF };
}

static struct shift_out shift_rotate(ZydisMnemonic m, uint32_t a, unsigned c, unsigned n, bool cf_in)
{
    unsigned bits = 8 * n;
    uint64_t r = a;
    bool cf = cf_in, of;
    if (m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR) {
        unsigned k = c % bits;
        if (k)
            r = m == ZYDIS_MNEMONIC_ROL ? ((a << k) | ((uint64_t)a >> (bits - k))) & alu_mask(n)
                                        : (((uint64_t)a >> k) | ((uint64_t)a << (bits - k))) & alu_mask(n);
        bool msb = (r & alu_sign(n)) != 0;
        if (m == ZYDIS_MNEMONIC_ROL) {
            cf = r & 1;
            of = msb != cf;
        } else {
            cf = msb;
            of = msb != ((r & (alu_sign(n) >> 1)) != 0);
        }
    } else { /* rcl, rcr: a (bits + 1)-bit rotate of CF:dest */
        unsigned k = n == 4 ? c : c % (bits + 1);
        uint64_t w = ((uint64_t)cf_in << bits) | a, full = ((uint64_t)1 << (bits + 1)) - 1;
        if (k)
            w = m == ZYDIS_MNEMONIC_RCL ? ((w << k) | (w >> (bits + 1 - k))) & full
                                        : ((w >> k) | (w << (bits + 1 - k))) & full;
        r = w & alu_mask(n);
        cf = (w >> bits) & 1;
        bool msb = (r & alu_sign(n)) != 0;
        if (m == ZYDIS_MNEMONIC_RCL)
            of = msb != cf;
        else
            of = ((a & alu_sign(n)) != 0) != cf_in; /* before the rotate (SDM RCR) */
    }
    uint32_t f = (cf ? EFLAGS_CF : 0) | (of ? EFLAGS_OF : 0);
    return (struct shift_out){ (uint32_t)r, f, EFLAGS_CF | EFLAGS_OF };
}

enum emu_status memop_shift(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *cnt = &d->op[1];
    unsigned n = memop_bytes(dst);
    if (!memop_plain(dst) || d->i.operand_count_visible < 2 || !memop_plain(cnt) || n < 1 || n > 4 || n == 3)
        return emu_bounce(v, d, ev);
    uint64_t a, c;
    memop_get(v, d, cnt, 1, &c, ev);
    c &= 31;
    if (!memop_check_write(v, d, dst, n, ev) || !memop_get(v, d, dst, n, &a, ev))
        return EMU_EVENT;
    if (c == 0)
        return emu_next(v, d);
    ZydisMnemonic m = d->i.mnemonic; /* Zydis names /6 (sal) shl */
    bool plain = m == ZYDIS_MNEMONIC_SHL || m == ZYDIS_MNEMONIC_SHR || m == ZYDIS_MNEMONIC_SAR;
    struct shift_out o = plain ? shift_plain(m, (uint32_t)a, (unsigned)c, n)
                               : shift_rotate(m, (uint32_t)a, (unsigned)c, n,
                                              (vcpu_get_eflags(v) & EFLAGS_CF) != 0);
    if (!memop_put(v, d, dst, n, o.res, ev))
        return EMU_EVENT;
    emu_set_flags(v, o.mask, o.flags);
    return emu_next(v, d);
}
