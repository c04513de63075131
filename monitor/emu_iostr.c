/*
 * emu_iostr.c: the string port instructions ins and outs, with and
 * without a rep prefix.
 *
 * ins stores to ES:(E)DI — the segment cannot be overridden — and outs
 * loads from DS:(E)SI or its override (SDM Vol. 2 INS/OUTS).  The address
 * size picks (E)SI/(E)DI and (E)CX; DF picks the direction.  Every
 * iteration commits its own register updates, so a fault in the middle of
 * a rep leaves ECX/ESI/EDI describing exactly the elements done and EIP at
 * the instruction: delivering the fault and returning restarts the rest
 * (SDM Vol. 2 REP: "restartable").  A long rep stops after EMU_REP_CHUNK
 * elements with EIP still at the instruction, as hardware does at an
 * interrupt window, so a huge count cannot hold the vCPU in the monitor.
 *
 *   rep insw with ECX = 256, DX = 0x1f0: one IDE sector into ES:EDI
 */
#include "devices/portio.h"
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"
#include "monitor/emu_str.h"

enum emu_status emu_ins(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    if (!mem)
        return emu_unsupported(v, d);
    struct emu_str s = emu_str_of(d, mem);
    uint16_t port = (uint16_t)v->gpr[GPR_EDX];
    if (s.rep && emu_str_reg(v, &s, GPR_ECX) == 0)
        return emu_next(v, d);
    if (!emu_io_allowed(v, port, s.size, ev))
        return EMU_EVENT;
    unsigned done = 0;
    do {
        uint32_t di = emu_str_reg(v, &s, GPR_EDI), lin;
        /* Check the destination before reading the port, so that a
         * segment fault does not swallow a device's data. */
        if (!seg_linear(v, SREG_ES, di, s.size, true, &lin, ev))
            return EMU_EVENT;
        uint32_t value = portio_read(v->vm, port, s.size);
        if (!seg_write(v, SREG_ES, di, &value, s.size, ev))
            return EMU_EVENT;
        emu_str_add(v, &s, GPR_EDI, emu_str_step(v, &s));
    } while (emu_str_continue(v, &s, ++done));
    return emu_str_finish(v, d, &s);
}

enum emu_status emu_outs(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    if (!mem)
        return emu_unsupported(v, d);
    struct emu_str s = emu_str_of(d, mem);
    enum x86_sreg seg = emu_sreg_of(mem->mem.segment);
    uint16_t port = (uint16_t)v->gpr[GPR_EDX];
    if (s.rep && emu_str_reg(v, &s, GPR_ECX) == 0)
        return emu_next(v, d);
    if (!emu_io_allowed(v, port, s.size, ev))
        return EMU_EVENT;
    unsigned done = 0;
    do {
        uint32_t value = 0;
        if (!seg_read(v, seg, emu_str_reg(v, &s, GPR_ESI), &value, s.size, ev))
            return EMU_EVENT;
        portio_write(v->vm, port, s.size, value);
        emu_str_add(v, &s, GPR_ESI, emu_str_step(v, &s));
    } while (emu_str_continue(v, &s, ++done));
    return emu_str_finish(v, d, &s);
}
