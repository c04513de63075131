/*
 * emu_desc.c: instructions that inspect selectors and descriptors without
 * loading them — lar, lsl, verr, verw — and arpl.
 *
 * They answer in ZF and never fault on a bad selector: a null selector,
 * one outside its table, a descriptor of the wrong type or one the current
 * privilege may not see all give ZF = 0 and leave the destination alone
 * (SDM Vol. 2 LAR/LSL/VERR/VERW).  Only a fault of the operand's own
 * memory access, or a page fault reading the descriptor table, is raised.
 * arpl (0x63, movsxd in 64-bit mode, hence its trip through the monitor)
 * raises a selector's RPL to another's.
 *
 *   lar eax, bx    → ZF = 1, EAX = access rights of descriptor BX
 *   verw ax        → ZF = 1 if the segment is writable data visible at CPL
 */
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"

/* Fetch the descriptor `sel` names.  *found is false for a null selector
 * or one past its table's limit; false is returned only for a fault that
 * must be raised (a #PF on the table). */
static bool emu_probe_desc(struct vcpu *v, uint16_t sel, uint64_t *desc, bool *found, struct event *ev)
{
    struct event e;
    *found = false;
    if (emu_sel_err(sel) == 0)
        return true;
    if (!desc_read(v, sel, desc, VEC_GP, &e)) {
        if (e.vector == VEC_GP)
            return true;
        *ev = e;
        return false;
    }
    *found = true;
    return true;
}

static bool emu_desc_conforming_code(uint64_t desc)
{
    unsigned t = emu_desc_type(desc);
    return emu_desc_is_s(desc) && (t & SEG_ATTR_CODE) && (t & SEG_ATTR_DC);
}

/* Privilege rule shared by the four: unless the descriptor is conforming
 * code, DPL >= CPL and DPL >= RPL. */
static bool emu_desc_visible(const struct vcpu *v, uint16_t sel, uint64_t desc)
{
    unsigned dpl = emu_desc_dpl(desc);
    return emu_desc_conforming_code(desc) || (v->cpl <= dpl && (sel & 3u) <= dpl);
}

/* System types lar accepts: TSSs, LDT, call and task gates; lsl only the
 * ones with a limit: TSSs and LDT (SDM Vol. 2 LAR Table 3-57, LSL). */
static bool emu_sys_type_ok(unsigned type, bool lsl)
{
    switch (type) {
    case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY:
    case SYS_TSS32_AVAIL: case SYS_TSS32_BUSY:
        return true;
    case SYS_CALLGATE16: case SYS_TASKGATE: case SYS_CALLGATE32:
        return !lsl;
    default:
        return false;
    }
}

static void emu_set_zf(struct vcpu *v, bool zf)
{
    emu_set_flags(v, EFLAGS_ZF, zf ? EFLAGS_ZF : 0);
}

/* The result of lar: the descriptor's high dword masked by 00FxFF00h.
 * The SDM leaves the x nibble (limit 19:16) undefined; Intel processors
 * return it (measured on a current Xeon: lar of a flat data selector gives
 * 00CFF300h), so btvisor keeps it too. */
static uint32_t emu_lar_value(uint64_t desc, unsigned opsize)
{
    uint32_t rights = emu_desc_hi(desc) & 0x00ffff00u;
    return opsize == 16 ? (rights & 0xff00u) : rights;
}

/* lar/lsl r, r/m16 */
enum emu_status emu_lar_lsl(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    bool lsl = d->i.mnemonic == ZYDIS_MNEMONIC_LSL, found;
    uint32_t sel;
    uint64_t desc;
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (!emu_read_operand(v, d, &d->op[1], &sel, ev) || !emu_probe_desc(v, (uint16_t)sel, &desc, &found, ev))
        return EMU_EVENT;
    bool ok = found && (emu_desc_is_s(desc) || emu_sys_type_ok(emu_desc_type(desc), lsl)) &&
              emu_desc_visible(v, (uint16_t)sel, desc);
    if (ok) {
        uint32_t value = lsl ? desc_to_seg((uint16_t)sel, desc).limit : emu_lar_value(desc, decode_opsize(d));
        emu_reg_write(v, d->op[0].reg.value, value);
    }
    emu_set_zf(v, ok);
    return emu_next(v, d);
}

/* verr: a readable code or data segment; verw: a writable data segment. */
enum emu_status emu_verr_verw(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    bool write = d->i.mnemonic == ZYDIS_MNEMONIC_VERW, found;
    uint32_t sel;
    uint64_t desc;
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (!emu_read_operand(v, d, &d->op[0], &sel, ev) || !emu_probe_desc(v, (uint16_t)sel, &desc, &found, ev))
        return EMU_EVENT;
    bool ok = found && emu_desc_is_s(desc) && emu_desc_visible(v, (uint16_t)sel, desc);
    if (ok) {
        unsigned t = emu_desc_type(desc);
        bool code = t & SEG_ATTR_CODE, rw = t & SEG_ATTR_RW;
        ok = write ? (!code && rw) : (!code || rw);
    }
    emu_set_zf(v, ok);
    return emu_next(v, d);
}

/* arpl r/m16, r16 (SDM Vol. 2 ARPL): memory is written only when the RPL
 * changes. */
enum emu_status emu_arpl(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t dst, src;
    if (!emu_protected(v))
        return emu_raise(ev, event_ud());
    if (!emu_read_operand(v, d, &d->op[0], &dst, ev) || !emu_read_operand(v, d, &d->op[1], &src, ev))
        return EMU_EVENT;
    bool raise = (dst & 3) < (src & 3);
    if (raise && !emu_write_operand(v, d, &d->op[0], (dst & ~3u) | (src & 3), ev))
        return EMU_EVENT;
    emu_set_zf(v, raise);
    return emu_next(v, d);
}
