/*
 * emu_memop_bits.c: bt, bts, btr and btc on memory, and bsf/bsr with a
 * memory source, for the memory emulator (emu_memop.c).
 *
 * With a memory bit base and a register bit offset the offset is a signed
 * number that may reach far outside the operand: the bit string starts at
 * bit 0 of the addressed byte, and the instruction accesses the operand-
 * sized word that holds the bit, at EA + size * floor(offset / (8 * size))
 * (SDM Vol. 2A BT, "bit base": offsets -2^31..2^31-1 for 32-bit operands,
 * -2^15..2^15-1 for 16-bit ones).  An immediate offset is taken modulo the
 * operand width and never moves the address.
 *
 * CF receives the selected bit; bts/btr/btc then set, clear or complement
 * it.  ZF is unaffected; OF, SF, AF and PF are "undefined" — Intel
 * processors leave them unchanged, and so does btvisor (checked against
 * the host CPU by tests/unit/test_emu_memop.c).
 *
 * bsf and bsr give the index of the lowest / highest set bit of the source
 * and clear ZF; a zero source sets ZF and leaves the destination as it was
 * (SDM Vol. 2A BSF/BSR: "the content of the destination operand is
 * undefined" — Intel and AMD processors keep it, and software such as
 * kvm-unit-tests' emulator test relies on that).  CF, OF, SF, AF and PF are
 * undefined and left unchanged here.
 *
 *   bts [eax], ecx with ECX = -1   → the top bit of the dword at EAX - 4
 *   bsf ax, [ebx] with 0x0040 there → AX = 6, ZF = 0
 */
#include "monitor/emu_memop.h"

/* Where the selected bit lives. */
struct bit_ref {
    enum x86_sreg seg; /* memory: segment */
    uint32_t ea;       /* memory: offset of the operand-sized word holding the bit */
    unsigned bit;      /* bit number inside that word */
};

/* Locate the bit of a memory bit base (see the file comment). */
static struct bit_ref memop_bit_ref(const struct vcpu *v, const struct decoded_insn *d, unsigned n)
{
    const ZydisDecodedOperand *base = &d->op[0], *off = &d->op[1];
    unsigned bits = 8 * n;
    struct bit_ref r;
    r.ea = emu_effective_address(v, d, base, &r.seg);
    if (off->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        r.bit = (unsigned)off->imm.value.u & (bits - 1);
        return r;
    }
    uint32_t raw = emu_reg_read(v, off->reg.value);
    int32_t offset = n == 2 ? (int16_t)raw : (int32_t)raw;
    /* Arithmetic shift = floor division, so negative offsets address
     * words below the base. */
    int32_t word = offset >> (n == 2 ? 4 : 5);
    r.ea += (uint32_t)word * n;
    if (decode_addrsize(d) == 16) /* the offset joins the 16-bit address computation */
        r.ea &= 0xffff;
    r.bit = (uint32_t)offset & (bits - 1);
    return r;
}

static uint64_t memop_bit_apply(ZydisMnemonic m, uint64_t word, uint64_t mask)
{
    switch (m) {
    case ZYDIS_MNEMONIC_BTS: return word | mask;
    case ZYDIS_MNEMONIC_BTR: return word & ~mask;
    case ZYDIS_MNEMONIC_BTC: return word ^ mask;
    default: return word;
    }
}

/* bt* with a register bit base: the offset is taken modulo the width. */
static enum emu_status memop_bit_reg(struct vcpu *v, const struct decoded_insn *d, unsigned n, struct event *ev)
{
    uint64_t word, off;
    memop_get(v, d, &d->op[0], n, &word, ev);
    memop_get(v, d, &d->op[1], n, &off, ev);
    uint64_t mask = 1ull << (off & (8 * n - 1));
    memop_put(v, d, &d->op[0], n, memop_bit_apply(d->i.mnemonic, word, mask), ev);
    emu_set_flags(v, EFLAGS_CF, (word & mask) ? EFLAGS_CF : 0);
    return emu_next(v, d);
}

enum emu_status memop_bit(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *base = &d->op[0];
    unsigned n = memop_bytes(base);
    if (!memop_plain(base) || !memop_plain(&d->op[1]) || (n != 2 && n != 4))
        return emu_bounce(v, d, ev);
    if (!memop_is_mem(base))
        return memop_bit_reg(v, d, n, ev);
    struct bit_ref r = memop_bit_ref(v, d, n);
    bool writes = d->i.mnemonic != ZYDIS_MNEMONIC_BT;
    uint64_t word;
    if (writes && !memop_check_write_at(v, r.seg, r.ea, n, ev))
        return EMU_EVENT;
    if (!memop_read_at(v, r.seg, r.ea, n, &word, ev))
        return EMU_EVENT;
    uint64_t mask = 1ull << r.bit;
    if (writes && !memop_write_at(v, r.seg, r.ea, n, memop_bit_apply(d->i.mnemonic, word, mask), ev))
        return EMU_EVENT;
    emu_set_flags(v, EFLAGS_CF, (word & mask) ? EFLAGS_CF : 0);
    return emu_next(v, d);
}

/* bsf/bsr r, r/m (see the file comment). */
enum emu_status memop_bitscan(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    unsigned n = memop_bytes(dst);
    uint64_t x;
    if (!memop_plain(src) || (n != 2 && n != 4))
        return emu_bounce(v, d, ev);
    if (!memop_get(v, d, src, n, &x, ev))
        return EMU_EVENT;
    if (x == 0) {
        emu_set_flags(v, EFLAGS_ZF, EFLAGS_ZF);
        return emu_next(v, d);
    }
    unsigned index = d->i.mnemonic == ZYDIS_MNEMONIC_BSF ? (unsigned)__builtin_ctzll(x)
                                                          : 63u - (unsigned)__builtin_clzll(x);
    memop_put(v, d, dst, n, index, ev);
    emu_set_flags(v, EFLAGS_ZF, 0);
    return emu_next(v, d);
}
