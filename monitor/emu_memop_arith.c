/*
 * emu_memop_arith.c: the arithmetic memory instructions of the memory
 * emulator (emu_memop.c) — add, or, adc, sbb, and, sub, xor, cmp, test,
 * inc, dec, neg, not — and the exchanges xchg, xadd, cmpxchg, cmpxchg8b.
 *
 * A destination in memory is checked for writing before it is read (as
 * the hardware does for a read-modify-write operand), then read, the
 * result computed with emu_alu.c, written back, and only then are the
 * registers and EFLAGS updated: a fault leaves the vCPU unchanged.  The
 * exchanges write their memory operand first and their register operands
 * after it, so a register that also forms the address is used with its old
 * value, as on the hardware.
 *
 *   add dword [eax], 5    → read [eax], write [eax] + 5, six flags
 *   cmpxchg [ebx], ecx    → compare EAX with [ebx]; [ebx] = ECX, or EAX = [ebx]
 */
#include "monitor/emu_alu.h"
#include "monitor/emu_memop.h"

static enum alu_op memop_alu_op(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_ADD: return ALU_ADD;
    case ZYDIS_MNEMONIC_OR: return ALU_OR;
    case ZYDIS_MNEMONIC_ADC: return ALU_ADC;
    case ZYDIS_MNEMONIC_SBB: return ALU_SBB;
    case ZYDIS_MNEMONIC_AND: return ALU_AND;
    case ZYDIS_MNEMONIC_SUB: return ALU_SUB;
    case ZYDIS_MNEMONIC_XOR: return ALU_XOR;
    case ZYDIS_MNEMONIC_CMP: return ALU_CMP;
    case ZYDIS_MNEMONIC_INC: return ALU_INC;
    case ZYDIS_MNEMONIC_DEC: return ALU_DEC;
    case ZYDIS_MNEMONIC_NEG: return ALU_NEG;
    default: return ALU_TEST;
    }
}

/* op r/m, r; op r, r/m; op r/m, imm (cmp and test only read). */
enum emu_status memop_alu(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    if (d->i.operand_count_visible != 2 || !memop_plain(dst) || !memop_plain(src))
        return emu_bounce(v, d, ev);
    enum alu_op op = memop_alu_op(d->i.mnemonic);
    bool writes = op != ALU_CMP && op != ALU_TEST;
    unsigned n = memop_bytes(dst);
    uint64_t a, b;
    if (writes && !memop_check_write(v, d, dst, n, ev))
        return EMU_EVENT;
    if (!memop_get(v, d, dst, n, &a, ev) || !memop_get(v, d, src, n, &b, ev))
        return EMU_EVENT;
    struct alu_out o = alu_run(op, (uint32_t)a, (uint32_t)b, vcpu_get_eflags(v), n);
    if (writes && !memop_put(v, d, dst, n, o.value, ev))
        return EMU_EVENT;
    emu_set_flags(v, o.mask, o.flags);
    return emu_next(v, d);
}

/* inc, dec, neg, not r/m (not changes no flag: SDM Vol. 2B NOT). */
enum emu_status memop_unary(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0];
    if (!memop_plain(dst) || dst->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        return emu_bounce(v, d, ev);
    unsigned n = memop_bytes(dst);
    uint64_t a;
    if (!memop_check_write(v, d, dst, n, ev) || !memop_get(v, d, dst, n, &a, ev))
        return EMU_EVENT;
    struct alu_out o = { (uint32_t)~a & alu_mask(n), 0, 0 };
    if (d->i.mnemonic != ZYDIS_MNEMONIC_NOT)
        o = alu_run(memop_alu_op(d->i.mnemonic), (uint32_t)a, 0, vcpu_get_eflags(v), n);
    if (!memop_put(v, d, dst, n, o.value, ev))
        return EMU_EVENT;
    emu_set_flags(v, o.mask, o.flags);
    return emu_next(v, d);
}

/* xchg r/m, r (either order).  With a memory operand it is locked
 * whatever the prefixes (SDM Vol. 2B XCHG); the monitor's emulation is
 * atomic for the guest anyway. */
enum emu_status memop_xchg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *x = &d->op[0], *y = &d->op[1];
    if (!memop_plain(x) || !memop_plain(y))
        return emu_bounce(v, d, ev);
    if (memop_is_mem(y)) { /* x is the memory side, written first */
        const ZydisDecodedOperand *t = x;
        x = y;
        y = t;
    }
    unsigned n = memop_bytes(x);
    uint64_t a, b;
    if (!memop_check_write(v, d, x, n, ev) || !memop_get(v, d, x, n, &a, ev) ||
        !memop_get(v, d, y, n, &b, ev) || !memop_put(v, d, x, n, b, ev))
        return EMU_EVENT;
    memop_put(v, d, y, n, a, ev);
    return emu_next(v, d);
}

/* xadd r/m, r: the sum goes to r/m, the old r/m to r; flags as add (SDM
 * Vol. 2B XADD "Operation": TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP). */
enum emu_status memop_xadd(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    if (!memop_plain(dst) || !memop_plain(src))
        return emu_bounce(v, d, ev);
    unsigned n = memop_bytes(dst);
    uint64_t a, b;
    if (!memop_check_write(v, d, dst, n, ev) || !memop_get(v, d, dst, n, &a, ev) ||
        !memop_get(v, d, src, n, &b, ev))
        return EMU_EVENT;
    struct alu_out o = alu_run(ALU_ADD, (uint32_t)a, (uint32_t)b, 0, n);
    /* SRC := DEST, then DEST := the sum, so xadd eax, eax doubles EAX;
     * a memory destination is still written first (nothing else may
     * change if that write faults). */
    if (!memop_is_mem(dst))
        memop_put(v, d, src, n, a, ev);
    if (!memop_put(v, d, dst, n, o.value, ev))
        return EMU_EVENT;
    if (memop_is_mem(dst))
        memop_put(v, d, src, n, a, ev);
    emu_set_flags(v, o.mask, o.flags);
    return emu_next(v, d);
}

static ZydisRegister memop_accumulator(unsigned n)
{
    return n == 1 ? ZYDIS_REGISTER_AL : n == 2 ? ZYDIS_REGISTER_AX : ZYDIS_REGISTER_EAX;
}

/* cmpxchg r/m, r: flags as cmp accumulator, r/m.  The destination always
 * gets a write cycle — the source if equal, its own value back if not —
 * and on inequality the accumulator takes the destination (SDM Vol. 2A
 * CMPXCHG: "the destination operand receives a write cycle without regard
 * to the result of the comparison"), so a read-only destination faults
 * either way. */
enum emu_status memop_cmpxchg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    if (!memop_plain(dst) || !memop_plain(src))
        return emu_bounce(v, d, ev);
    unsigned n = memop_bytes(dst);
    ZydisRegister acc = memop_accumulator(n);
    uint64_t a, s;
    if (!memop_check_write(v, d, dst, n, ev) || !memop_get(v, d, dst, n, &a, ev) ||
        !memop_get(v, d, src, n, &s, ev))
        return EMU_EVENT;
    struct alu_out o = alu_run(ALU_CMP, emu_reg_read(v, acc), (uint32_t)a, 0, n);
    bool equal = o.flags & EFLAGS_ZF;
    if (!memop_put(v, d, dst, n, equal ? s : a, ev))
        return EMU_EVENT;
    if (!equal)
        emu_reg_write(v, acc, (uint32_t)a);
    emu_set_flags(v, o.mask, o.flags);
    return emu_next(v, d);
}

/* cmpxchg8b m64: compare EDX:EAX with m64; equal → m64 = ECX:EBX, ZF = 1;
 * else EDX:EAX = m64 (written back to memory too), ZF = 0.  No other flag
 * changes (SDM Vol. 2A CMPXCHG8B, "Flags Affected"). */
enum emu_status memop_cmpxchg8b(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0];
    if (!memop_is_mem(dst))
        return emu_bounce(v, d, ev);
    uint64_t m, cmp = ((uint64_t)v->gpr[GPR_EDX] << 32) | v->gpr[GPR_EAX];
    uint64_t rep = ((uint64_t)v->gpr[GPR_ECX] << 32) | v->gpr[GPR_EBX];
    if (!memop_check_write(v, d, dst, 8, ev) || !memop_get(v, d, dst, 8, &m, ev))
        return EMU_EVENT;
    bool equal = m == cmp;
    if (!memop_put(v, d, dst, 8, equal ? rep : m, ev))
        return EMU_EVENT;
    if (!equal) {
        v->gpr[GPR_EAX] = (uint32_t)m;
        v->gpr[GPR_EDX] = (uint32_t)(m >> 32);
    }
    emu_set_flags(v, EFLAGS_ZF, equal ? EFLAGS_ZF : 0);
    return emu_next(v, d);
}
