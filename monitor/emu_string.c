/*
 * emu_string.c: the memory string instructions movs, stos, lods, cmps and
 * scas, emulated element by element.
 *
 * Translated code runs these natively (bt/rule_string.c) except in the two
 * cases where the host instruction cannot do what the guest's does: a
 * 16-bit address size (SI, DI and CX wrap at 64 KiB while the upper halves
 * of ESI, EDI and ECX stay put) and segments whose limits or types must be
 * checked on every element.  Here every element goes through seg_read /
 * seg_write, which check both, and commits its register updates at once so
 * that a fault leaves the instruction restartable (see emu_str.h).
 *
 *   rep movsb with 0x67, CX = 3: copies DS:SI -> ES:DI three times, SI/DI wrap at 64 KiB
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"
#include "monitor/emu_str.h"

enum emu_string_kind { STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS };

static enum emu_string_kind emu_string_kind_of(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD: return STR_STOS;
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD: return STR_LODS;
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD: return STR_CMPS;
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD: return STR_SCAS;
    default: return STR_MOVS;
    }
}

/* The segment of the DS:(E)SI operand (default DS, overridable). */
static enum x86_sreg emu_string_src_seg(const struct decoded_insn *d)
{
    for (unsigned i = 0; i < d->i.operand_count; i++) {
        const ZydisDecodedOperand *op = &d->op[i];
        if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
            (op->mem.base == ZYDIS_REGISTER_ESI || op->mem.base == ZYDIS_REGISTER_SI))
            return emu_sreg_of(op->mem.segment);
    }
    return SREG_DS;
}

/* EFLAGS of cmp a, b at `bytes` width (SDM Vol. 2A CMP: flags as SUB). */
static uint32_t emu_cmp_flags(uint32_t a, uint32_t b, unsigned bytes)
{
    unsigned bits = bytes * 8;
    uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1, sign = 1u << (bits - 1);
    a &= mask;
    b &= mask;
    uint32_t r = (a - b) & mask, f = 0;
    if (a < b)
        f |= EFLAGS_CF;
    if (!__builtin_parity(r & 0xff))
        f |= EFLAGS_PF;
    if ((a ^ b ^ r) & 0x10)
        f |= EFLAGS_AF;
    if (r == 0)
        f |= EFLAGS_ZF;
    if (r & sign)
        f |= EFLAGS_SF;
    if ((a ^ b) & (a ^ r) & sign)
        f |= EFLAGS_OF;
    return f;
}

/* One element; false with *ev set when an access faults (nothing committed). */
static bool emu_string_element(struct vcpu *v, enum emu_string_kind k, enum x86_sreg src,
                               const struct emu_str *s, struct event *ev)
{
    uint32_t si = emu_str_reg(v, s, GPR_ESI), di = emu_str_reg(v, s, GPR_EDI);
    uint32_t a = 0, b = 0, step = emu_str_step(v, s);
    switch (k) {
    case STR_MOVS:
        if (!seg_read(v, src, si, &a, s->size, ev) || !seg_write(v, SREG_ES, di, &a, s->size, ev))
            return false;
        emu_str_add(v, s, GPR_ESI, step);
        emu_str_add(v, s, GPR_EDI, step);
        return true;
    case STR_STOS:
        a = v->gpr[GPR_EAX];
        if (!seg_write(v, SREG_ES, di, &a, s->size, ev))
            return false;
        emu_str_add(v, s, GPR_EDI, step);
        return true;
    case STR_LODS:
        if (!seg_read(v, src, si, &a, s->size, ev))
            return false;
        emu_reg_write(v, s->size == 1 ? ZYDIS_REGISTER_AL : s->size == 2 ? ZYDIS_REGISTER_AX : ZYDIS_REGISTER_EAX, a);
        emu_str_add(v, s, GPR_ESI, step);
        return true;
    case STR_CMPS:
        if (!seg_read(v, src, si, &a, s->size, ev) || !seg_read(v, SREG_ES, di, &b, s->size, ev))
            return false;
        emu_set_flags(v, EFLAGS_ARITH, emu_cmp_flags(a, b, s->size));
        emu_str_add(v, s, GPR_ESI, step);
        emu_str_add(v, s, GPR_EDI, step);
        return true;
    case STR_SCAS:
        if (!seg_read(v, SREG_ES, di, &b, s->size, ev))
            return false;
        emu_set_flags(v, EFLAGS_ARITH, emu_cmp_flags(v->gpr[GPR_EAX], b, s->size));
        emu_str_add(v, s, GPR_EDI, step);
        return true;
    }
    return false;
}

/* repe/repne also stop on ZF for cmps and scas (SDM Vol. 2B REP/REPE/REPNE). */
static bool emu_string_zf_stops(const struct vcpu *v, const struct decoded_insn *d, enum emu_string_kind k)
{
    if (k != STR_CMPS && k != STR_SCAS)
        return false;
    bool zf = v->eflags & EFLAGS_ZF;
    if (d->i.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        return zf;
    return !zf;
}

enum emu_status emu_string(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    /* movsd and cmpsd are also SSE2 mnemonics (movsd xmm0, [eax]): those
     * are not string instructions. */
    if (!mem || d->i.meta.category != ZYDIS_CATEGORY_STRINGOP)
        return emu_unsupported(v, d);
    struct emu_str s = emu_str_of(d, mem);
    enum emu_string_kind k = emu_string_kind_of(d->i.mnemonic);
    enum x86_sreg src = emu_string_src_seg(d);
    if (s.rep && emu_str_reg(v, &s, GPR_ECX) == 0)
        return emu_next(v, d);
    unsigned done = 0;
    for (;;) {
        if (!emu_string_element(v, k, src, &s, ev))
            return EMU_EVENT;
        if (!s.rep)
            return emu_next(v, d);
        emu_str_add(v, &s, GPR_ECX, (uint32_t)-1);
        if (emu_str_reg(v, &s, GPR_ECX) == 0 || emu_string_zf_stops(v, d, k))
            return emu_next(v, d);
        if (++done >= EMU_REP_CHUNK)
            return EMU_NEXT; /* EIP unchanged: the rest runs when it is re-executed */
    }
}
