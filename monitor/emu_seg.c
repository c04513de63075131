/*
 * emu_seg.c: instructions that load or store segment registers — mov
 * Sreg, r/m; mov r/m, Sreg; push Sreg; pop Sreg; lds/les/lfs/lgs/lss.
 *
 * Translated code cannot load a guest selector into a host segment
 * register (the host's descriptor tables are not the guest's), so every
 * load exits here and goes through seg_load() (monitor/segload.c), which
 * owns the protected-mode checks and the interrupt shadow after SS loads.
 * The register or memory side of the instruction is committed only after
 * the load succeeded, so a faulting load changes nothing: pop Sreg puts
 * ESP back, lds leaves the offset register alone.
 *
 *   pop ds   → stack_pop, seg_load(DS); on #GP/#NP ESP is restored
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"

/* mov Sreg, r/m16 */
enum emu_status emu_mov_to_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    enum x86_sreg s = emu_sreg_of(d->op[0].reg.value);
    uint32_t sel;
    /* CS is loaded only by far transfers: mov cs is #UD (SDM Vol. 2 MOV). */
    if (s == SREG_CS)
        return emu_raise(ev, event_ud());
    if (!emu_read_operand(v, d, &d->op[1], &sel, ev) || !seg_load(v, s, (uint16_t)sel, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* mov r/m, Sreg: a 32-bit register destination gets the selector
 * zero-extended (P6 and later; SDM Vol. 2 MOV, "Description"), a memory
 * destination always gets 16 bits whatever the operand size. */
enum emu_status emu_mov_from_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t sel = v->seg[emu_sreg_of(d->op[1].reg.value)].sel;
    if (!emu_write_operand(v, d, &d->op[0], sel, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* push Sreg with a 32-bit operand size.  SDM Vol. 2 PUSH: the processor
 * either pushes the selector zero-extended or writes it with a 16-bit
 * move; "all recent Core and Atom processors perform a 16-bit move,
 * leaving the upper portion of the stack location unmodified".  btvisor
 * does the same (checked on a current Intel Xeon: the upper half keeps its
 * old bytes): ESP moves by 4, the limit check covers 4 bytes, 2 are
 * written. */
static bool emu_push_sreg32(struct vcpu *v, uint16_t sel, struct event *ev)
{
    bool big = v->seg[SREG_SS].attr & SEG_ATTR_DB;
    uint32_t esp = v->gpr[GPR_ESP];
    uint32_t sp = big ? esp - 4 : ((esp - 4) & 0xffff);
    uint32_t lin;
    uint8_t raw[2] = { (uint8_t)sel, (uint8_t)(sel >> 8) };
    if (!seg_linear(v, SREG_SS, sp, 4, true, &lin, ev) || !seg_write(v, SREG_SS, sp, raw, 2, ev))
        return false;
    v->gpr[GPR_ESP] = big ? sp : ((esp & 0xffff0000u) | sp);
    return true;
}

enum emu_status emu_push_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (op->type != ZYDIS_OPERAND_TYPE_REGISTER || !emu_is_sreg(op->reg.value))
        return emu_unsupported(v, d);
    uint16_t sel = v->seg[emu_sreg_of(op->reg.value)].sel;
    bool ok = emu_opbytes(d) == 2 ? stack_push(v, sel, 2, ev) : emu_push_sreg32(v, sel, ev);
    if (!ok)
        return EMU_EVENT;
    return emu_next(v, d);
}

/* pop Sreg: pops operand-size bytes, loads the low 16 bits. */
enum emu_status emu_pop_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *op = &d->op[0];
    if (op->type != ZYDIS_OPERAND_TYPE_REGISTER || !emu_is_sreg(op->reg.value))
        return emu_unsupported(v, d);
    enum x86_sreg s = emu_sreg_of(op->reg.value);
    uint32_t esp = v->gpr[GPR_ESP], sel;
    if (s == SREG_CS)
        return emu_raise(ev, event_ud());
    if (!stack_pop(v, &sel, emu_opbytes(d), ev))
        return EMU_EVENT;
    if (!seg_load(v, s, (uint16_t)sel, ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    return emu_next(v, d);
}

static enum x86_sreg emu_far_pointer_sreg(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_LES: return SREG_ES;
    case ZYDIS_MNEMONIC_LSS: return SREG_SS;
    case ZYDIS_MNEMONIC_LFS: return SREG_FS;
    case ZYDIS_MNEMONIC_LGS: return SREG_GS;
    default: return SREG_DS;
    }
}

/* lds/les/lfs/lgs/lss r, m16:16|m16:32: offset first, selector after it. */
enum emu_status emu_load_far_pointer(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *mem = emu_mem_operand(d);
    unsigned size = emu_opbytes(d);
    uint32_t off, sel;
    if (!mem || d->op[0].type != ZYDIS_OPERAND_TYPE_REGISTER)
        return emu_raise(ev, event_ud());
    if (!emu_mem_read(v, d, mem, 0, &off, size, ev) || !emu_mem_read(v, d, mem, size, &sel, 2, ev))
        return EMU_EVENT;
    if (!seg_load(v, emu_far_pointer_sreg(d->i.mnemonic), (uint16_t)sel, ev))
        return EMU_EVENT;
    emu_reg_write(v, d->op[0].reg.value, off);
    return emu_next(v, d);
}
