/*
 * segload.c: loading segment registers with the protected-mode checks.
 *
 * seg_load() is what the emulator calls for mov sreg, pop sreg and
 * lds/les/lfs/lgs/lss.  The checks follow the "Operation" section of
 * MOV (segment) in SDM Vol. 2B and the rules of Vol. 3A §5.5-§5.7:
 *   - SS: the selector must not be null (#GP(0)), RPL = CPL, a writable
 *     data segment with DPL = CPL (#GP(sel)), present (#SS(sel));
 *   - DS/ES/FS/GS: a null selector loads fine and makes the register
 *     unusable; otherwise a data or readable code segment, and for data or
 *     non-conforming code max(CPL, RPL) <= DPL (#GP(sel)), present
 *     (#NP(sel)).
 * The same check procedures serve far returns, iret and task switches
 * (which raise #TS instead of #GP), so they take the privilege level and
 * the vector for "invalid" as arguments.  Loads set the descriptor's
 * accessed bit in its table.
 *
 *   if (!seg_load(v, SREG_DS, sel, &ev)) return EMU_EVENT;
 */
#include "monitor/cpu_priv.h"
#include "monitor/segcache.h"

bool seg_check_data(struct vcpu *v, uint16_t sel, unsigned cpl, uint8_t bad_vec, uint64_t *desc,
                    struct event *ev)
{
    uint64_t d;
    if (!desc_read(v, sel, &d, bad_vec, ev))
        return false;
    if (!desc_is_data(d) && !(desc_is_code(d) && desc_rw(d)))
        return cpu_fault(ev, bad_vec, sel_err(sel));
    /* Conforming code may be read from any level; data and non-conforming
     * code need max(CPL, RPL) <= DPL (SDM §5.6). */
    if (!desc_is_conforming(d) && (sel_rpl(sel) > desc_dpl(d) || cpl > desc_dpl(d)))
        return cpu_fault(ev, bad_vec, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    if (!desc_set_accessed(v, sel, &d, ev))
        return false;
    *desc = d;
    return true;
}

bool seg_check_stack(struct vcpu *v, uint16_t sel, unsigned cpl, uint8_t bad_vec, uint64_t *desc,
                     struct event *ev)
{
    uint64_t d;
    if (!desc_read(v, sel, &d, bad_vec, ev))
        return false;
    /* SS must be a writable data segment with RPL = DPL = CPL (SDM §5.7). */
    if (sel_rpl(sel) != cpl || !desc_is_data(d) || !desc_rw(d) || desc_dpl(d) != cpl)
        return cpu_fault(ev, bad_vec, sel_err(sel));
    /* A not-present stack segment is #SS, not #NP (SDM §6.15, Interrupt 12). */
    if (!desc_present(d))
        return cpu_fault(ev, VEC_SS, sel_err(sel));
    if (!desc_set_accessed(v, sel, &d, ev))
        return false;
    *desc = d;
    return true;
}

void seg_load_cs(struct vcpu *v, uint16_t sel, uint64_t desc, unsigned cpl)
{
    /* CS.RPL always equals the CPL after a transfer (SDM §5.8.1). */
    uint16_t s = (uint16_t)((sel & 0xfffc) | cpl);
    vcpu_set_seg(v, SREG_CS, desc_to_seg(s, desc));
    v->cpl = (uint8_t)cpl;
}

void seg_revalidate_data(struct vcpu *v)
{
    static const enum x86_sreg regs[] = { SREG_ES, SREG_FS, SREG_GS, SREG_DS };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        const struct seg_cache *c = &v->seg[regs[i]];
        if (c->attr & SEG_ATTR_UNUSABLE)
            continue;
        bool conforming = (c->attr & SEG_ATTR_CODE) && (c->attr & SEG_ATTR_DC);
        /* A more privileged data (or non-conforming code) segment must not
         * stay usable at the outer level: the processor loads a null
         * selector, using the DPL in the hidden part (SDM Vol. 2 RET,
         * "RETURN-TO-OUTER-PRIVILEGE-LEVEL"; Vol. 3A §5.8.6). */
        if (!conforming && v->cpl > seg_cache_dpl(c))
            vcpu_set_seg(v, regs[i], seg_null_cache(0));
    }
}

bool seg_check_return_cs(struct vcpu *v, uint16_t sel, uint64_t *desc, struct event *ev)
{
    uint64_t d;
    if (sel_is_null(sel))
        return cpu_fault(ev, VEC_GP, 0);
    if (!desc_read(v, sel, &d, VEC_GP, ev))
        return false;
    /* SDM Vol. 2 RET/IRET: the return may not go to an inner level, and
     * the code segment's DPL must match the return RPL (non-conforming) or
     * not exceed it (conforming). */
    if (!desc_is_code(d) || sel_rpl(sel) < v->cpl)
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (desc_is_conforming(d) ? desc_dpl(d) > sel_rpl(sel) : desc_dpl(d) != sel_rpl(sel))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    if (!desc_set_accessed(v, sel, &d, ev))
        return false;
    *desc = d;
    return true;
}

/* Real-address mode: base = selector * 16, the rest of the cache stays
 * (SDM Vol. 3A §20.1.1). */
static bool seg_load_real(struct vcpu *v, enum x86_sreg s, uint16_t sel)
{
    struct seg_cache c = v->seg[s];
    c.sel = sel;
    c.base = (uint32_t)sel << 4;
    c.attr &= ~SEG_ATTR_UNUSABLE;
    vcpu_set_seg(v, s, c);
    if (s == SREG_SS)
        v->interrupt_shadow = 1;
    return true;
}

bool seg_load(struct vcpu *v, enum x86_sreg s, uint16_t sel, struct event *ev)
{
    uint64_t d;
    /* mov cs is #UD (SDM Vol. 2B MOV); CS changes only by far transfers. */
    if (s == SREG_CS || s >= SREG_COUNT) {
        *ev = event_ud();
        return false;
    }
    if (!(v->cr0 & CR0_PE))
        return seg_load_real(v, s, sel);
    if (s == SREG_SS) {
        if (sel_is_null(sel))
            return cpu_fault(ev, VEC_GP, 0);
        if (!seg_check_stack(v, sel, v->cpl, VEC_GP, &d, ev))
            return false;
        vcpu_set_seg(v, s, desc_to_seg(sel, d));
        /* A load of SS inhibits interrupts until after the next instruction,
         * so that SS:ESP can be set as a pair (SDM Vol. 2B MOV, §6.8.3). */
        v->interrupt_shadow = 1;
        return true;
    }
    if (sel_is_null(sel)) {
        vcpu_set_seg(v, s, seg_null_cache(sel));
        return true;
    }
    if (!seg_check_data(v, sel, v->cpl, VEC_GP, &d, ev))
        return false;
    vcpu_set_seg(v, s, desc_to_seg(sel, d));
    segcache_fill(v, s, sel); /* the next load of sel may be done inline */
    return true;
}
