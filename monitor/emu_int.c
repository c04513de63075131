/*
 * emu_int.c: software interrupts — int n, int3, into, int1 (icebp).
 *
 * None of them is delivered here: each becomes an event for
 * cpu_deliver_event() (monitor/event.c), with v->eip already past the
 * instruction, because the return address these push is the next
 * instruction (SDM Vol. 2 INT n/INTO/INT3/INT1).  int n, int3 and into are
 * EV_SOFT_INT: delivery checks the gate's DPL against CPL (#GP otherwise,
 * SDM Vol. 3A §6.12.1.1).  int1 is a #DB trap, like a hardware debug
 * trap, and skips that check.
 *
 *   int 0x80 → EMU_EVENT, ev = { EV_SOFT_INT, 0x80 }, v->eip = next
 */
#include "monitor/emu_internal.h"

static enum emu_status emu_soft_event(struct vcpu *v, const struct decoded_insn *d, struct event *ev,
                                      uint8_t kind, uint8_t vector)
{
    *ev = (struct event){ .kind = kind, .vector = vector, .insn_len = d->i.length };
    v->eip = emu_next_eip(v, d);
    return EMU_EVENT;
}

enum emu_status emu_int(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    return emu_soft_event(v, d, ev, EV_SOFT_INT, (uint8_t)d->op[0].imm.value.u);
}

enum emu_status emu_int3(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    return emu_soft_event(v, d, ev, EV_SOFT_INT, VEC_BP);
}

/* into raises #OF only when OF is set; otherwise it does nothing. */
enum emu_status emu_into(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!(v->eflags & EFLAGS_OF))
        return emu_next(v, d);
    return emu_soft_event(v, d, ev, EV_SOFT_INT, VEC_OF);
}

enum emu_status emu_int1(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    return emu_soft_event(v, d, ev, EV_TRAP, VEC_DB);
}
