/*
 * emu_memop_stack.c: the stack and near-branch instructions for the memory
 * emulator (emu_memop.c), for when the stack or the branch target's
 * memory is on a device, on physical memory with nothing behind it (reads
 * all-ones, writes are lost), or on a traced page: push and pop of
 * registers and immediates, leave, near call, ret and indirect jmp, xlat.
 *
 * Each follows the SDM Vol. 2 "Operation" and commits nothing before its
 * last access succeeded (stack_push/stack_pop move ESP only on success,
 * and a handler that made an earlier access puts ESP back on a fault).  A
 * near branch target outside CS raises #GP(0) with nothing changed
 * (SDM Vol. 2A CALL, JMP, RET: "If the return instruction pointer is not
 * within the code segment limit").
 *
 *   push 0 with ESP in absent memory → ESP -= 4, the write is lost
 *   ret with ESP in absent memory    → EIP = 0xffffffff (then #GP or #PF there)
 */
#include "monitor/cpu.h"
#include "monitor/emu_memop.h"

/* push r32/r16, imm, Sreg (the memory form is memop_push).  push esp
 * pushes ESP as it was before the push (SDM Vol. 2B PUSH). */
enum emu_status memop_push_value(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    unsigned n = emu_opbytes(d);
    uint32_t x;
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        x = (uint32_t)op->imm.value.u;
    } else if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && emu_is_sreg(op->reg.value)) {
        return emu_push_sreg(v, d, ev); /* only the selector's 2 bytes are written */
    } else if (memop_plain(op)) {
        x = emu_reg_read(v, op->reg.value);
    } else {
        return emu_unsupported(v, d);
    }
    if (n == 2)
        x &= 0xffff;
    if (!stack_push(v, x, n, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* pop r32/r16, Sreg (memory is memop_pop).  pop esp leaves ESP = the value
 * popped: the increment is lost (SDM Vol. 2B POP).  pop Sreg arrives here
 * from the translated inline segment load (RULE_LOAD_SREG) whose stack
 * read trapped. */
enum emu_status memop_pop_reg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    uint32_t x;
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && emu_is_sreg(op->reg.value))
        return emu_pop_sreg(v, d, ev);
    if (op->type != ZYDIS_OPERAND_TYPE_REGISTER || !memop_plain(op))
        return emu_unsupported(v, d);
    if (!stack_pop(v, &x, emu_opbytes(d), ev))
        return EMU_EVENT;
    emu_reg_write(v, op->reg.value, x);
    return emu_next(v, d);
}

/* leave: ESP = EBP, then pop EBP (BP with a 16-bit operand size). */
enum emu_status memop_leave(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = emu_opbytes(d);
    uint32_t esp = v->gpr[GPR_ESP], x;
    v->gpr[GPR_ESP] = v->gpr[GPR_EBP];
    if (!stack_pop(v, &x, n, ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    emu_reg_write(v, n == 2 ? ZYDIS_REGISTER_BP : ZYDIS_REGISTER_EBP, x);
    return emu_next(v, d);
}

/* The target of a near call or jmp: relative, in a register or in memory;
 * truncated to 16 bits with a 16-bit operand size. */
static bool memop_near_target(struct vcpu *v, const struct decoded_insn *d, uint32_t *target, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    unsigned n = emu_opbytes(d);
    uint64_t x;
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        x = emu_next_eip(v, d) + (uint32_t)op->imm.value.s;
    else if (!memop_get(v, d, op, n, &x, ev))
        return false;
    *target = n == 2 ? (uint32_t)x & 0xffff : (uint32_t)x;
    if (*target > v->seg[SREG_CS].limit) {
        *ev = event_gp(0);
        return false;
    }
    return true;
}

/* call rel / r/m (near): the target first, then the return address. */
enum emu_status memop_call_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t target;
    if (d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return emu_unsupported(v, d); /* a callout, never here */
    if (!memop_near_target(v, d, &target, ev) || !stack_push(v, emu_next_eip(v, d), emu_opbytes(d), ev))
        return EMU_EVENT;
    v->eip = target;
    return EMU_NEXT;
}

/* jmp r/m (near): the relative forms never touch memory. */
enum emu_status memop_jmp_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t target;
    if (d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return emu_unsupported(v, d);
    if (!memop_near_target(v, d, &target, ev))
        return EMU_EVENT;
    v->eip = target;
    return EMU_NEXT;
}

/* ret [imm16] (near): pop EIP, then release imm16 more bytes. */
enum emu_status memop_ret_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = emu_opbytes(d);
    uint32_t esp = v->gpr[GPR_ESP], target;
    if (d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return emu_unsupported(v, d);
    if (!stack_pop(v, &target, n, ev))
        return EMU_EVENT;
    if (n == 2)
        target &= 0xffff;
    if (target > v->seg[SREG_CS].limit) {
        v->gpr[GPR_ESP] = esp;
        return emu_raise(ev, event_gp(0));
    }
    uint32_t release = d->i.operand_count_visible > 0 ? (uint32_t)(d->op[0].imm.value.u & 0xffff) : 0;
    if (v->seg[SREG_SS].attr & SEG_ATTR_DB)
        v->gpr[GPR_ESP] += release;
    else
        v->gpr[GPR_ESP] = (v->gpr[GPR_ESP] & 0xffff0000u) | ((v->gpr[GPR_ESP] + release) & 0xffff);
    v->eip = target;
    return EMU_NEXT;
}

/* xlat: AL = seg:[EBX + AL] (BX + AL wrapping at 64 KiB with a 16-bit
 * address size; SDM Vol. 2B XLAT). */
enum emu_status memop_xlat(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    enum x86_sreg s = mem ? emu_sreg_of(mem->mem.segment) : SREG_DS;
    uint32_t ea = v->gpr[GPR_EBX] + (v->gpr[GPR_EAX] & 0xff);
    if (decode_addrsize(d) == 16)
        ea &= 0xffff;
    uint64_t x;
    if (!memop_read_at(v, s, ea, 1, &x, ev))
        return EMU_EVENT;
    emu_reg_write(v, ZYDIS_REGISTER_AL, (uint32_t)x);
    return emu_next(v, d);
}
