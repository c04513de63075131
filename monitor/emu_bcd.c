/*
 * emu_bcd.c: decimal arithmetic — daa, das, aaa, aas, aam, aad — and
 * salc, all invalid in 64-bit mode and therefore emulated.
 *
 * Results and the defined flags follow the SDM Vol. 2 pseudocode.  The
 * flags the SDM leaves undefined are set the way current Intel processors
 * set them, measured exhaustively (every AL, AH and input flag
 * combination) on an Intel Xeon (Sapphire Rapids generation) by running
 * the real instructions in a 32-bit process:
 *   daa, das:  OF = 0;
 *   aaa, aas:  SF = OF = 0, ZF and PF from the final AL;
 *   aam:       OF = AF = CF = 0;
 *   aad:       CF, AF, OF as the 8-bit addition AL + (AH * imm8) sets them.
 * A differential tester compares the defined flags with the real CPU; the
 * undefined ones match it too.
 *
 *   AL = 0x19 + 0x28 = 0x41 with AF = 1; daa → AL = 0x47 (19 + 28 = 47), CF = 0
 */
#include "monitor/emu_internal.h"

#define BCD_RESULT_FLAGS (EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF)

/* SF, ZF and PF of an 8-bit result (PF: even number of set bits). */
static uint32_t emu_szp8(uint8_t r)
{
    uint32_t f = (r & 0x80) ? EFLAGS_SF : 0;
    if (r == 0)
        f |= EFLAGS_ZF;
    if (!__builtin_parity(r))
        f |= EFLAGS_PF;
    return f;
}

static uint8_t emu_al(const struct vcpu *v) { return (uint8_t)v->gpr[GPR_EAX]; }
static uint8_t emu_ah(const struct vcpu *v) { return (uint8_t)(v->gpr[GPR_EAX] >> 8); }

static void emu_set_ax(struct vcpu *v, uint16_t ax)
{
    v->gpr[GPR_EAX] = (v->gpr[GPR_EAX] & 0xffff0000u) | ax;
}

static void emu_set_al(struct vcpu *v, uint8_t al)
{
    v->gpr[GPR_EAX] = (v->gpr[GPR_EAX] & 0xffffff00u) | al;
}

/* daa/das (SDM Vol. 2 DAA, DAS).  das differs from daa beyond the sign:
 * its CF keeps the borrow of the low-digit step when the high-digit step
 * does not apply, because the SDM's DAS has no "ELSE CF ← 0". */
enum emu_status emu_daa_das(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    bool sub = d->i.mnemonic == ZYDIS_MNEMONIC_DAS;
    uint32_t flags = vcpu_get_eflags(v);
    uint8_t old_al = emu_al(v), al = old_al;
    bool old_cf = flags & EFLAGS_CF, cf = false, af = false;
    if ((al & 0x0f) > 9 || (flags & EFLAGS_AF)) {
        cf = old_cf || (sub ? al < 6 : al > 0xff - 6);
        al = (uint8_t)(sub ? al - 6 : al + 6);
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(sub ? al - 0x60 : al + 0x60);
        cf = true;
    } else if (!sub) {
        cf = false;
    }
    emu_set_al(v, al);
    uint32_t out = emu_szp8(al) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0); /* OF = 0 */
    emu_set_flags(v, EFLAGS_ARITH, out);
    return emu_next(v, d);
}

/* aaa/aas (SDM Vol. 2 AAA, AAS): AX ± 106h as one 16-bit operation on P6
 * and later, so a carry out of AL also reaches AH. */
enum emu_status emu_aaa_aas(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    bool sub = d->i.mnemonic == ZYDIS_MNEMONIC_AAS;
    uint16_t ax = (uint16_t)v->gpr[GPR_EAX];
    bool adjust = (ax & 0x0f) > 9 || (v->eflags & EFLAGS_AF);
    if (adjust)
        ax = (uint16_t)(sub ? ax - 0x106 : ax + 0x106);
    ax &= 0xff0f;
    emu_set_ax(v, ax);
    uint32_t out = (emu_szp8((uint8_t)ax) & ~EFLAGS_SF) | (adjust ? EFLAGS_AF | EFLAGS_CF : 0);
    emu_set_flags(v, EFLAGS_ARITH, out);
    return emu_next(v, d);
}

/* aam imm8: AH = AL / imm8, AL = AL mod imm8; #DE when imm8 = 0. */
enum emu_status emu_aam(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint8_t base = (uint8_t)d->op[0].imm.value.u, al = emu_al(v);
    if (base == 0)
        return emu_raise(ev, event_fault(VEC_DE, false, 0));
    uint8_t q = al / base, r = al % base;
    emu_set_ax(v, (uint16_t)(q << 8 | r));
    emu_set_flags(v, EFLAGS_ARITH, emu_szp8(r));
    return emu_next(v, d);
}

/* aad imm8: AL = AL + AH * imm8 (8 bits), AH = 0. */
enum emu_status emu_aad(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    uint8_t base = (uint8_t)d->op[0].imm.value.u, al = emu_al(v);
    uint8_t addend = (uint8_t)(emu_ah(v) * base);
    uint8_t r = (uint8_t)(al + addend);
    uint32_t out = emu_szp8(r);
    if ((unsigned)al + addend > 0xff)
        out |= EFLAGS_CF;
    if ((al ^ addend ^ r) & 0x10)
        out |= EFLAGS_AF;
    if (~(al ^ addend) & (al ^ r) & 0x80)
        out |= EFLAGS_OF;
    emu_set_ax(v, r);
    emu_set_flags(v, EFLAGS_ARITH, out);
    return emu_next(v, d);
}

/* salc (D6, undocumented in most SDM editions but present on every Intel
 * processor): AL = CF ? FFh : 00h, flags unchanged. */
enum emu_status emu_salc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    emu_set_al(v, (v->eflags & EFLAGS_CF) ? 0xff : 0x00);
    return emu_next(v, d);
}
