/*
 * emu_near.c: near control transfers and the general-register stack
 * instructions, for the interpreter of 16-bit and real-mode code
 * (monitor/run16.c).  In 32-bit code the translator runs these natively;
 * here every guest instruction is emulated, so they need handlers too.
 *
 * SDM Vol. 2 JMP, Jcc, CALL, RET (near forms): the target is the next
 * EIP plus the displacement, or the operand of an indirect form,
 * truncated to 16 bits with a 16-bit operand size; a target beyond the CS
 * limit is #GP(0) with nothing committed (no return address pushed, no
 * stack popped).  PUSH, POP, LEAVE: SDM Vol. 2B; push esp stores the value
 * before the decrement, pop esp loads the popped value.
 *
 *   e9 fd ff (16-bit code) at IP 0x100 → IP = 0x100
 */
#include "monitor/cpu.h"
#include "monitor/emu_alu.h"
#include "monitor/emu_memop.h"
#include "monitor/emu_near.h"

/* The branch target, or false with #GP(0) when it lies beyond CS. */
static bool near_target(struct vcpu *v, const struct decoded_insn *d, uint32_t target, uint32_t *out,
                        struct event *ev)
{
    if (decode_opsize(d) == 16)
        target &= 0xffff;
    if (target > v->seg[SREG_CS].limit) {
        *ev = event_gp(0);
        return false;
    }
    *out = target;
    return true;
}

/* The target of a jmp/call: relative (immediate) or indirect (r/m). */
static bool near_operand_target(struct vcpu *v, const struct decoded_insn *d, uint32_t *out, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        return near_target(v, d, emu_next_eip(v, d) + (uint32_t)op->imm.value.s, out, ev);
    uint64_t x;
    if (!memop_get(v, d, op, memop_bytes(op), &x, ev))
        return false;
    return near_target(v, d, (uint32_t)x, out, ev);
}

enum emu_status emu_jmp_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t target;
    if (!near_operand_target(v, d, &target, ev))
        return EMU_EVENT;
    v->eip = target;
    return EMU_NEXT;
}

/* Jcc rel8/rel16/rel32: the condition is the opcode's low nibble. */
enum emu_status emu_jcc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!alu_cond(vcpu_get_eflags(v), d->i.opcode & 0xf))
        return emu_next(v, d);
    return emu_jmp_near(v, d, ev);
}

enum emu_status emu_call_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t target;
    if (!near_operand_target(v, d, &target, ev) || !stack_push(v, emu_next_eip(v, d), emu_opbytes(d), ev))
        return EMU_EVENT;
    v->eip = target;
    return EMU_NEXT;
}

/* ret [imm16]: pop the return address, then release imm16 bytes. */
enum emu_status emu_ret_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t esp = v->gpr[GPR_ESP], ip, target;
    if (!stack_pop(v, &ip, emu_opbytes(d), ev))
        return EMU_EVENT;
    if (!near_target(v, d, ip, &target, ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    if (d->i.operand_count_visible > 0 && d->op[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        uint32_t n = (uint32_t)d->op[0].imm.value.u & 0xffff;
        uint32_t sp = v->gpr[GPR_ESP];
        v->gpr[GPR_ESP] = (v->seg[SREG_SS].attr & SEG_ATTR_DB) ? sp + n : ((sp & 0xffff0000u) | ((sp + n) & 0xffff));
    }
    v->eip = target;
    return EMU_NEXT;
}

/* push r16/r32, push imm: the value as it was before ESP moves. */
enum emu_status emu_push_plain(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = emu_opbytes(d);
    uint64_t x;
    if (!memop_get(v, d, &d->op[0], n, &x, ev) || !stack_push(v, (uint32_t)x, n, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* pop r16/r32: the register is written after ESP moved (pop esp). */
enum emu_status emu_pop_plain(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t x;
    if (!stack_pop(v, &x, emu_opbytes(d), ev))
        return EMU_EVENT;
    emu_reg_write(v, d->op[0].reg.value, x);
    return emu_next(v, d);
}

/* leave: (E)SP = (E)BP by the stack size (SS.B), then pop (E)BP. */
enum emu_status emu_leave(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t esp = v->gpr[GPR_ESP], x;
    bool big = v->seg[SREG_SS].attr & SEG_ATTR_DB;
    v->gpr[GPR_ESP] = big ? v->gpr[GPR_EBP] : ((esp & 0xffff0000u) | (v->gpr[GPR_EBP] & 0xffff));
    if (!stack_pop(v, &x, emu_opbytes(d), ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    emu_reg_write(v, emu_opbytes(d) == 2 ? ZYDIS_REGISTER_BP : ZYDIS_REGISTER_EBP, x);
    return emu_next(v, d);
}
