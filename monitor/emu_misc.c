/*
 * emu_misc.c: hlt, bound, and the instructions btvisor's CPU model does
 * not have (sysenter, sysexit, syscall, sysret: #UD, as on a processor
 * whose CPUID lacks SEP and SYSCALL).
 *
 * hlt never blocks here: it marks the vCPU halted and returns EMU_HALT;
 * the run loop waits for an interrupt (or ends the run when none can
 * come).
 *
 *   bound eax, [ebx]  with EAX outside [ [ebx], [ebx+4] ] → #BR fault
 */
#include "monitor/emu_internal.h"

enum emu_status emu_hlt(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    v->halted = true;
    v->eip = emu_next_eip(v, d);
    return EMU_HALT;
}

static int32_t emu_sign_extend(uint32_t value, unsigned size)
{
    return size == 2 ? (int32_t)(int16_t)value : (int32_t)value;
}

/* bound r16/r32, m16&16/m32&32: signed lower and upper bounds, inclusive;
 * out of range is a #BR fault (SDM Vol. 2 BOUND). */
enum emu_status emu_bound(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    unsigned size = emu_opbytes(d);
    uint32_t lo, hi;
    if (!mem)
        return emu_raise(ev, event_ud());
    if (!emu_mem_read(v, d, mem, 0, &lo, size, ev) || !emu_mem_read(v, d, mem, size, &hi, size, ev))
        return EMU_EVENT;
    int32_t index = emu_sign_extend(emu_reg_read(v, d->op[0].reg.value), size);
    if (index < emu_sign_extend(lo, size) || index > emu_sign_extend(hi, size))
        return emu_raise(ev, event_fault(VEC_BR, false, 0));
    return emu_next(v, d);
}

enum emu_status emu_invalid_opcode(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)v;
    (void)d;
    return emu_raise(ev, event_ud());
}
