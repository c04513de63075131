/*
 * emu_sys.c: the descriptor-table registers — lgdt, lidt, sgdt, sidt,
 * lldt, ltr, sldt, str.
 *
 * The guest's GDTR, IDTR, LDTR and TR exist only in struct vcpu: the host
 * CPU never sees them.  Loads are privileged (#GP(0) at CPL > 0); stores
 * are not (CPUID does not offer UMIP), which is also why, on real
 * hardware, a guest's sgdt in user mode would reveal the host's table —
 * in btvisor it reaches this file and reads the virtual one.
 * The segment-like registers LDTR and TR are loaded from descriptors with
 * the checks of SDM Vol. 2 LLDT/LTR; desc_read/desc_write (monitor/cpu.h)
 * fetch them and set the TSS busy bit.
 *
 *   lgdt [gdt_ptr]   → v->gdtr = { base, limit } read from the 6-byte image
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"
#include "monitor/segcache.h"

enum emu_status emu_lgdt_lidt(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *m = emu_mem_operand(d);
    uint32_t limit, base;
    if (!m)
        return emu_raise(ev, event_ud());
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (!emu_mem_read(v, d, m, 0, &limit, 2, ev) || !emu_mem_read(v, d, m, 2, &base, 4, ev))
        return EMU_EVENT;
    /* With a 16-bit operand size only 24 bits of the base are loaded
     * (SDM Vol. 2 LGDT/LIDT, "Operation"). */
    if (decode_opsize(d) == 16)
        base &= 0x00ffffffu;
    struct dtr *t = d->i.mnemonic == ZYDIS_MNEMONIC_LGDT ? &v->gdtr : &v->idtr;
    *t = (struct dtr){ .base = base, .limit = (uint16_t)limit };
    if (t == &v->gdtr)
        segcache_flush(v); /* cached loads read descriptors of the old table */
    return emu_next(v, d);
}

enum emu_status emu_sgdt_sidt(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *m = emu_mem_operand(d);
    if (!m)
        return emu_raise(ev, event_ud());
    if (emu_umip_refuses(v))
        return emu_raise(ev, event_gp(0));
    const struct dtr *t = d->i.mnemonic == ZYDIS_MNEMONIC_SGDT ? &v->gdtr : &v->idtr;
    /* Both operand sizes store the full 32-bit base on processors after
     * the 286 (SDM Vol. 2 SGDT: "Full 32-bit base address stored").  The
     * whole 6-byte image is checked first so a limit fault writes nothing. */
    if (!emu_mem_check_write(v, d, m, 6, ev) || !emu_mem_write(v, d, m, 0, t->limit, 2, ev) ||
        !emu_mem_write(v, d, m, 2, t->base, 4, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* The selector operand of lldt/ltr (r/m16). */
static bool emu_read_selector(struct vcpu *v, const struct decoded_insn *d, uint16_t *sel,
                              struct event *ev)
{
    uint32_t value;
    if (!emu_read_operand(v, d, &d->op[0], &value, ev))
        return false;
    *sel = (uint16_t)value;
    return true;
}

/* lldt (SDM Vol. 2 LLDT): a null selector leaves LDTR unusable; otherwise
 * a GDT selector (#GP(sel) for TI = 1) of a present LDT descriptor. */
enum emu_status emu_lldt(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t sel;
    uint64_t desc;
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (!emu_read_selector(v, d, &sel, ev))
        return EMU_EVENT;
    if (emu_sel_err(sel) == 0) {
        v->ldtr = (struct seg_cache){ .sel = sel, .attr = SEG_ATTR_UNUSABLE };
        return emu_next(v, d);
    }
    if (sel & 4)
        return emu_raise(ev, event_gp(emu_sel_err(sel)));
    if (!desc_read(v, sel, &desc, VEC_GP, ev))
        return EMU_EVENT;
    if (emu_desc_is_s(desc) || emu_desc_type(desc) != SYS_LDT)
        return emu_raise(ev, event_gp(emu_sel_err(sel)));
    if (!emu_desc_present(desc))
        return emu_raise(ev, event_fault(VEC_NP, true, emu_sel_err(sel)));
    v->ldtr = desc_to_seg(sel, desc);
    return emu_next(v, d);
}

/* ltr (SDM Vol. 2 LTR): a present, available TSS in the GDT; the
 * descriptor is marked busy in the table. */
enum emu_status emu_ltr(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t sel;
    uint64_t desc;
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (!emu_read_selector(v, d, &sel, ev))
        return EMU_EVENT;
    if (emu_sel_err(sel) == 0)
        return emu_raise(ev, event_gp(0));
    if (sel & 4)
        return emu_raise(ev, event_gp(emu_sel_err(sel)));
    if (!desc_read(v, sel, &desc, VEC_GP, ev))
        return EMU_EVENT;
    unsigned type = emu_desc_type(desc);
    if (emu_desc_is_s(desc) || (type != SYS_TSS16_AVAIL && type != SYS_TSS32_AVAIL))
        return emu_raise(ev, event_gp(emu_sel_err(sel)));
    if (!emu_desc_present(desc))
        return emu_raise(ev, event_fault(VEC_NP, true, emu_sel_err(sel)));
    /* Busy = type bit 1 (Table 3-2: 1 → 3, 9 → 11), descriptor bit 41. */
    desc |= 1ull << 41;
    if (!desc_write(v, sel, desc, ev))
        return EMU_EVENT;
    v->tr = desc_to_seg(sel, desc);
    return emu_next(v, d);
}

/* sldt/str: a register destination gets the selector zero-extended to the
 * operand size (P6 and later, SDM Vol. 2 SLDT/STR); memory gets 16 bits. */
enum emu_status emu_sldt_str(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (emu_umip_refuses(v))
        return emu_raise(ev, event_gp(0));
    uint16_t sel = d->i.mnemonic == ZYDIS_MNEMONIC_SLDT ? v->ldtr.sel : v->tr.sel;
    if (!emu_write_operand(v, d, &d->op[0], sel, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}
