/*
 * operand.c: the operands of an emulated instruction — registers, memory
 * and immediates as Zydis describes them — read and written on struct vcpu.
 *
 * Memory operands go through the guest's segmentation: the effective
 * address is formed from base, index, scale and displacement and wrapped to
 * the address size (so 16-bit forms such as [bp+si-2] wrap at 64 KiB, SDM
 * Vol. 1 §3.7.5), and the access itself is seg_read/seg_write on the
 * segment Zydis reports (the override, or DS/SS by default), which applies
 * the limit and type checks and raises #GP/#SS/#PF as data.
 *
 *   uint32_t sel;
 *   if (!emu_read_operand(v, d, &d->op[0], &sel, &ev)) return EMU_EVENT;
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"

/* Where a Zydis general register lives in v->gpr[]: index, bit position
 * and width.  AH..BH are bits 8..15 of EAX..EBX (ids 4..7 of GPR8). */
struct gpr_slot {
    unsigned index; /* enum x86_gpr */
    unsigned shift; /* 0, or 8 for AH..BH */
    uint32_t mask;  /* value mask before the shift */
};

static bool emu_gpr_slot(ZydisRegister r, struct gpr_slot *slot)
{
    ZyanI8 id = ZydisRegisterGetId(r);
    if (id < 0 || id > 7)
        return false;
    switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR32:
        *slot = (struct gpr_slot){ (unsigned)id, 0, 0xffffffffu };
        return true;
    case ZYDIS_REGCLASS_GPR16:
        *slot = (struct gpr_slot){ (unsigned)id, 0, 0xffffu };
        return true;
    case ZYDIS_REGCLASS_GPR8:
        if (id < 4)
            *slot = (struct gpr_slot){ (unsigned)id, 0, 0xffu };
        else
            *slot = (struct gpr_slot){ (unsigned)id - 4, 8, 0xffu };
        return true;
    default:
        return false;
    }
}

uint32_t emu_reg_read(const struct vcpu *v, ZydisRegister r)
{
    struct gpr_slot s;
    if (!emu_gpr_slot(r, &s))
        return 0;
    return (v->gpr[s.index] >> s.shift) & s.mask;
}

void emu_reg_write(struct vcpu *v, ZydisRegister r, uint32_t value)
{
    struct gpr_slot s;
    if (!emu_gpr_slot(r, &s))
        return;
    uint32_t *g = &v->gpr[s.index];
    *g = (*g & ~(s.mask << s.shift)) | ((value & s.mask) << s.shift);
}

bool emu_is_sreg(ZydisRegister r)
{
    return r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS;
}

enum x86_sreg emu_sreg_of(ZydisRegister r)
{
    /* Zydis lists ES CS SS DS FS GS in hardware encoding order. */
    return emu_is_sreg(r) ? (enum x86_sreg)(r - ZYDIS_REGISTER_ES) : SREG_DS;
}

const ZydisDecodedOperand *emu_mem_operand(const struct decoded_insn *d)
{
    for (unsigned k = 0; k < d->i.operand_count; k++)
        if (d->op[k].type == ZYDIS_OPERAND_TYPE_MEMORY)
            return &d->op[k];
    return NULL;
}

uint32_t emu_effective_address(const struct vcpu *v, const struct decoded_insn *d,
                               const ZydisDecodedOperand *op, enum x86_sreg *seg)
{
    uint32_t ea = (uint32_t)op->mem.disp.value;
    if (op->mem.base != ZYDIS_REGISTER_NONE)
        ea += emu_reg_read(v, op->mem.base);
    if (op->mem.index != ZYDIS_REGISTER_NONE)
        ea += emu_reg_read(v, op->mem.index) * op->mem.scale;
    /* Zydis already applied the default segment (SS for BP/ESP bases). */
    *seg = emu_sreg_of(op->mem.segment);
    return decode_addrsize(d) == 16 ? (ea & 0xffff) : ea;
}

bool emu_mem_read(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                  uint32_t delta, uint32_t *value, unsigned size, struct event *ev)
{
    enum x86_sreg s;
    uint32_t ea = emu_effective_address(v, d, op, &s) + delta;
    uint8_t raw[4] = { 0 };
    if (size > 4 || !seg_read(v, s, ea, raw, size, ev))
        return false;
    *value = raw[0] | (raw[1] << 8) | ((uint32_t)raw[2] << 16) | ((uint32_t)raw[3] << 24);
    return true;
}

bool emu_mem_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                   uint32_t delta, uint32_t value, unsigned size, struct event *ev)
{
    enum x86_sreg s;
    uint32_t ea = emu_effective_address(v, d, op, &s) + delta;
    uint8_t raw[4] = { (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                       (uint8_t)(value >> 24) };
    if (size > 4)
        return false;
    return seg_write(v, s, ea, raw, size, ev);
}

bool emu_mem_check_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                         unsigned size, struct event *ev)
{
    enum x86_sreg s;
    uint32_t lin, ea = emu_effective_address(v, d, op, &s);
    return seg_linear(v, s, ea, size, true, &lin, ev);
}

/* Bytes an operand reads or writes: 1, 2 or 4 (wider memory operands are
 * read in pieces by their handlers). */
static unsigned emu_operand_bytes(const ZydisDecodedOperand *op)
{
    unsigned n = op->size / 8;
    return n == 1 || n == 2 ? n : 4;
}

bool emu_read_operand(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                      uint32_t *value, struct event *ev)
{
    unsigned n = emu_operand_bytes(op);
    uint32_t mask = n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1;
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        if (emu_is_sreg(op->reg.value))
            *value = v->seg[emu_sreg_of(op->reg.value)].sel;
        else
            *value = emu_reg_read(v, op->reg.value) & mask;
        return true;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        return emu_mem_read(v, d, op, 0, value, n, ev);
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        *value = (uint32_t)op->imm.value.u & mask;
        return true;
    default:
        *ev = event_ud();
        return false;
    }
}

bool emu_write_operand(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                       uint32_t value, struct event *ev)
{
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        if (emu_is_sreg(op->reg.value))
            break; /* segment loads go through seg_load, never through here */
        emu_reg_write(v, op->reg.value, value);
        return true;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        return emu_mem_write(v, d, op, 0, value, emu_operand_bytes(op), ev);
    default:
        break;
    }
    *ev = event_ud();
    return false;
}
