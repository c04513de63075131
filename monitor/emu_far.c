/*
 * emu_far.c: far control transfers — iret, retf, jmp far and call far.
 *
 * The protected-mode procedures themselves (gates, privilege changes,
 * stack switches, task switches) are monitor/farxfer.c, iret.c and task.c;
 * this file only takes the operands apart: an immediate ptr16:16/ptr16:32,
 * or an m16:16/m16:32 far pointer in memory (offset first, then the
 * selector, SDM Vol. 2 JMP/CALL), the operand size, and the return EIP.
 * Near forms of jmp/call/ret never reach the emulator; if one does it is a
 * translator bug and the VM stops with the instruction named.
 *
 *   call far [ebx]  → far_call(v, sel, off, 32, next_eip, ev)
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"

static bool emu_is_far(const struct decoded_insn *d)
{
    return d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
}

enum emu_status emu_iret(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!cpu_iret(v, decode_opsize(d), ev))
        return EMU_EVENT;
    return EMU_NEXT;
}

/* retf [imm16] */
enum emu_status emu_retf(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!emu_is_far(d))
        return emu_unsupported(v, d);
    uint16_t pop_bytes = 0;
    if (d->op[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        pop_bytes = (uint16_t)d->op[0].imm.value.u;
    if (!far_ret(v, decode_opsize(d), pop_bytes, ev))
        return EMU_EVENT;
    return EMU_NEXT;
}

/* The target of a far jmp/call: selector and offset, from the instruction
 * or from memory. */
static bool emu_far_target(struct vcpu *v, const struct decoded_insn *d, uint16_t *sel, uint32_t *off,
                           struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    unsigned size = emu_opbytes(d);
    if (op->type == ZYDIS_OPERAND_TYPE_POINTER) {
        *sel = op->ptr.segment;
        *off = size == 2 ? (op->ptr.offset & 0xffff) : op->ptr.offset;
        return true;
    }
    uint32_t s;
    if (!emu_mem_read(v, d, op, 0, off, size, ev) || !emu_mem_read(v, d, op, size, &s, 2, ev))
        return false;
    *sel = (uint16_t)s;
    return true;
}

enum emu_status emu_jmp_far(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t sel;
    uint32_t off;
    if (!emu_is_far(d))
        return emu_unsupported(v, d);
    if (!emu_far_target(v, d, &sel, &off, ev) ||
        !far_jmp(v, sel, off, decode_opsize(d), emu_next_eip(v, d), ev))
        return EMU_EVENT;
    return EMU_NEXT;
}

enum emu_status emu_call_far(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t sel;
    uint32_t off;
    if (!emu_is_far(d))
        return emu_unsupported(v, d);
    if (!emu_far_target(v, d, &sel, &off, ev) ||
        !far_call(v, sel, off, decode_opsize(d), emu_next_eip(v, d), ev))
        return EMU_EVENT;
    return EMU_NEXT;
}
