/*
 * emu_stack.c: the stack-frame instructions that do not exist in 64-bit
 * mode — pusha/pushad, popa/popad — and enter with a nesting level.
 *
 * They make several stack accesses; each goes through stack_push/stack_pop
 * (monitor/cpu.h, which honour SS.B and the limit checks), and on a fault
 * the handler puts ESP (and EBP) back, so the instruction has changed no
 * register and can be restarted.  Bytes already written below ESP are not
 * part of the architectural state.
 *
 *   enter 16, 2   → push ebp; push [ebp-4]; push frame; ebp = frame; esp -= 16
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"

/* Low `size` bytes of register g. */
static uint32_t emu_gpr_part(const struct vcpu *v, enum x86_gpr g, unsigned size)
{
    return size == 2 ? (v->gpr[g] & 0xffff) : v->gpr[g];
}

static void emu_gpr_set_part(struct vcpu *v, enum x86_gpr g, uint32_t value, unsigned size)
{
    v->gpr[g] = size == 2 ? ((v->gpr[g] & 0xffff0000u) | (value & 0xffff)) : value;
}

/* pusha: EAX, ECX, EDX, EBX, the original ESP, EBP, ESI, EDI (SDM Vol. 2
 * PUSHA/PUSHAD). */
enum emu_status emu_pusha(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned size = emu_opbytes(d);
    uint32_t esp = v->gpr[GPR_ESP];
    for (unsigned g = GPR_EAX; g <= GPR_EDI; g++) {
        uint32_t value = g == GPR_ESP ? esp : v->gpr[g];
        if (!stack_push(v, size == 2 ? (value & 0xffff) : value, size, ev)) {
            v->gpr[GPR_ESP] = esp;
            return EMU_EVENT;
        }
    }
    return emu_next(v, d);
}

/* popa: the reverse order; the saved ESP slot is skipped (SDM Vol. 2
 * POPA/POPAD).  Registers are committed after the last pop. */
enum emu_status emu_popa(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned size = emu_opbytes(d);
    uint32_t esp = v->gpr[GPR_ESP], value[GPR_COUNT];
    for (int g = GPR_EDI; g >= GPR_EAX; g--) {
        if (!stack_pop(v, &value[g], size, ev)) {
            v->gpr[GPR_ESP] = esp;
            return EMU_EVENT;
        }
    }
    for (unsigned g = GPR_EAX; g <= GPR_EDI; g++)
        if (g != GPR_ESP)
            emu_gpr_set_part(v, (enum x86_gpr)g, value[g], size);
    return emu_next(v, d);
}

/* The nested part of enter: copy level-1 frame pointers of operand size
 * from the old frame, then push the new frame pointer (SDM Vol. 2 ENTER,
 * "Operation").  The stack size (SS.B) decides whether EBP or BP walks
 * the old frames. */
static bool emu_enter_nested(struct vcpu *v, unsigned level, unsigned size, uint32_t frame, struct event *ev)
{
    bool big = v->seg[SREG_SS].attr & SEG_ATTR_DB;
    uint32_t ebp = v->gpr[GPR_EBP];
    for (unsigned i = 1; i < level; i++) {
        uint32_t link = 0;
        ebp = big ? ebp - size : ((ebp - size) & 0xffff);
        if (!seg_read(v, SREG_SS, ebp, &link, size, ev) || !stack_push(v, link, size, ev))
            return false;
    }
    return stack_push(v, frame, size, ev);
}

/* enter imm16, imm8.  The operand size picks the width of every push and
 * of the frame pointer (EBP or BP gets FrameTemp); the stack size picks ESP
 * or SP for the allocation (SDM Vol. 2 ENTER, "Operation"). */
enum emu_status emu_enter(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned size = emu_opbytes(d);
    uint32_t alloc = d->op[0].imm.value.u & 0xffff;
    unsigned level = d->op[1].imm.value.u % 32;
    bool big = v->seg[SREG_SS].attr & SEG_ATTR_DB;
    uint32_t esp = v->gpr[GPR_ESP];
    if (!stack_push(v, emu_gpr_part(v, GPR_EBP, size), size, ev))
        return EMU_EVENT;
    uint32_t frame = emu_gpr_part(v, GPR_ESP, size);
    if (level > 0 && !emu_enter_nested(v, level, size, frame, ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    emu_gpr_set_part(v, GPR_EBP, frame, size);
    if (big)
        v->gpr[GPR_ESP] -= alloc;
    else
        emu_gpr_set_part(v, GPR_ESP, v->gpr[GPR_ESP] - alloc, 2);
    return emu_next(v, d);
}
