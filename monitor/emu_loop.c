/*
 * emu_loop.c: loop, loope, loopne, jcxz and jecxz in the forms translated
 * code cannot run itself — with a 16-bit address size, where the count is
 * CX (the upper half of ECX stays) and the same opcode in 64-bit mode would
 * count in ECX or RCX (bt/rule_branch.c sends only those here, but every
 * form works).
 *
 * SDM Vol. 2 LOOP/LOOPcc and Jcc (JCXZ/JECXZ): loop* decrement the count
 * without touching the flags and branch while it is not zero (and ZF is
 * 1 / 0 for loope / loopne); jcxz branches when the count is zero.  The
 * target is EIP of the next instruction plus rel8, truncated to 16 bits
 * with a 16-bit operand size, and must lie inside CS (#GP(0), nothing
 * committed).
 *
 *   a16 loop -2 with CX = 1 → CX = 0, falls through
 */
#include "monitor/emu_internal.h"

static bool emu_loop_taken(const struct vcpu *v, ZydisMnemonic m, uint32_t count)
{
    bool zf = v->eflags & EFLAGS_ZF;
    switch (m) {
    case ZYDIS_MNEMONIC_JCXZ:
    case ZYDIS_MNEMONIC_JECXZ:
        return count == 0;
    case ZYDIS_MNEMONIC_LOOPE:
        return count != 0 && zf;
    case ZYDIS_MNEMONIC_LOOPNE:
        return count != 0 && !zf;
    default:
        return count != 0;
    }
}

enum emu_status emu_loop(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    ZydisMnemonic m = d->i.mnemonic;
    bool addr16 = decode_addrsize(d) == 16;
    bool counts = m != ZYDIS_MNEMONIC_JCXZ && m != ZYDIS_MNEMONIC_JECXZ;
    uint32_t ecx = v->gpr[GPR_ECX];
    uint32_t count = addr16 ? (ecx & 0xffff) : ecx;
    if (counts) {
        count = addr16 ? ((count - 1) & 0xffff) : count - 1;
        ecx = addr16 ? ((ecx & 0xffff0000u) | count) : count;
    }
    uint32_t target = emu_next_eip(v, d);
    if (emu_loop_taken(v, m, count)) {
        target += (uint32_t)d->op[0].imm.value.s;
        if (decode_opsize(d) == 16)
            target &= 0xffff;
        if (target > v->seg[SREG_CS].limit)
            return emu_raise(ev, event_gp(0));
    }
    v->gpr[GPR_ECX] = ecx;
    v->eip = target;
    return EMU_NEXT;
}
