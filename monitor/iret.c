/*
 * iret.c: the iret/iretd instruction (SDM Vol. 2A IRET, "Operation").
 *
 * Three protected-mode cases:
 *   - EFLAGS.NT = 1: task return.  The back-link field of the current TSS
 *     names the task to resume; it must be a busy TSS in the GDT (#TS
 *     otherwise), and task_switch(TASK_IRET) clears the busy bit of the
 *     task being left (SDM Vol. 3A §7.4).
 *   - return to the same privilege level: pop EIP, CS, EFLAGS;
 *   - return to an outer level: also pop ESP, SS, then null the data
 *     segment registers the outer level may not use.
 * Which EFLAGS bits the popped image may change depends on CPL and IOPL:
 * IF only if CPL <= IOPL, IOPL only at CPL 0 (table below).  A popped
 * EFLAGS with VM = 1 at CPL 0 would return to virtual-8086 mode, which
 * btvisor does not model: that iret gets #GP(0).
 * Real-address mode pops IP, CS, FLAGS with no checks.
 * Every iret, even one that faults, ends the blocking of NMIs an NMI
 * handler runs under (SDM Vol. 3A §6.7.1).
 *
 *   if (!cpu_iret(v, 32, &ev)) return EMU_EVENT;
 */
#include "devices/intr.h"
#include "monitor/cpu_priv.h"
#include "monitor/fastgate.h"
#include "shadowmm/gmem.h"

/* Write the popped EFLAGS image, keeping the bits the current privilege
 * may not change (SDM Vol. 2A IRET "RETURN-TO-SAME-PRIVILEGE-LEVEL"). */
void cpu_iret_set_eflags(struct vcpu *v, uint32_t popped, unsigned size, unsigned cpl)
{
    uint32_t mask = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT;
    if (size == 4)
        mask |= EFLAGS_RF | EFLAGS_AC | EFLAGS_ID;
    if (cpl <= vcpu_iopl(v))
        mask |= EFLAGS_IF;
    if (cpl == 0) {
        mask |= EFLAGS_IOPL;
        if (size == 4)
            mask |= EFLAGS_VIF | EFLAGS_VIP;
    }
    vcpu_set_eflags(v, (vcpu_get_eflags(v) & ~mask) | (popped & mask));
}

/* Real-address mode: pop IP, CS, FLAGS (SDM Vol. 2A IRET "REAL-ADDRESS-MODE"). */
static bool iret_real(struct vcpu *v, unsigned size, struct event *ev)
{
    struct pstack s = pstack_current(v);
    uint32_t eip, cs, fl;
    if (!pstack_pop(v, &s, &eip, size, ev) || !pstack_pop(v, &s, &cs, size, ev) ||
        !pstack_pop(v, &s, &fl, size, ev))
        return false;
    if (eip > v->seg[SREG_CS].limit)
        return cpu_fault(ev, VEC_GP, 0);
    uint32_t cur = vcpu_get_eflags(v);
    /* 32-bit: VM, VIF, VIP stay; 16-bit: the upper half stays. */
    fl = size == 4 ? (fl & 0x257fd5u) | (cur & 0x1a0000u) : (cur & 0xffff0000u) | (fl & 0xffff);
    fl &= EFLAGS_DEFINED; /* the reserved bits 3, 5 and 15 stay 0 */
    v->gpr[GPR_ESP] = s.esp;
    struct seg_cache c = v->seg[SREG_CS];
    c.sel = (uint16_t)cs;
    c.base = (cs & 0xffff) << 4;
    vcpu_set_seg(v, SREG_CS, c);
    v->eip = eip;
    vcpu_set_eflags(v, fl);
    return true;
}

/* NT = 1 (SDM Vol. 2A IRET "TASK-RETURN"; Vol. 3A §7.4). */
static bool iret_task_return(struct vcpu *v, uint32_t next_eip, struct event *ev)
{
    uint8_t raw[2];
    if (!task_current_is32(v))
        return cpu_fault(ev, VEC_TS, sel_err(v->tr.sel));
    if (!gmem_read_lin(v, v->tr.base, raw, 2, false, ev))
        return false;
    uint16_t link = (uint16_t)(raw[0] | (raw[1] << 8));
    if (!task_switch(v, link, TASK_IRET, next_eip, ev))
        return false;
    if (v->eip > v->seg[SREG_CS].limit)
        return cpu_fault(ev, VEC_GP, 0);
    return true;
}

/* Any iret ends the NMI handler's blocking of NMIs, even one that faults
 * (SDM Vol. 3A §6.7.1): a waiting NMI is taken right after it. */
static void iret_unblock_nmi(struct vcpu *v)
{
    if (!v->nmi_blocked)
        return;
    v->nmi_blocked = false;
    if (v->vm)
        intr_update_pending(v->vm);
}

bool cpu_iret_at(struct vcpu *v, unsigned opsize, uint32_t next_eip, struct event *ev)
{
    unsigned size = opsize / 8;
    iret_unblock_nmi(v);
    if (!(v->cr0 & CR0_PE))
        return iret_real(v, size, ev);
    if (v->eflags & EFLAGS_NT)
        return iret_task_return(v, next_eip, ev);
    if (size == 4 && fastgate_iret(v)) /* back to user code like the last time */
        return true;
    struct pstack s = pstack_current(v);
    uint32_t eip, cs, fl;
    uint64_t cd;
    if (!pstack_pop(v, &s, &eip, size, ev) || !pstack_pop(v, &s, &cs, size, ev) ||
        !pstack_pop(v, &s, &fl, size, ev))
        return false;
    /* Virtual-8086 mode is out of scope (see the file comment). */
    if (size == 4 && (fl & EFLAGS_VM) && v->cpl == 0)
        return cpu_fault(ev, VEC_GP, 0);
    if (size == 2)
        fl = (vcpu_get_eflags(v) & 0xffff0000u) | (fl & 0xffff);
    uint16_t csel = (uint16_t)cs;
    if (!seg_check_return_cs(v, csel, &cd, ev))
        return false;
    unsigned old_cpl = v->cpl, new_cpl = sel_rpl(csel);
    struct pstack outer = s;
    if (new_cpl != old_cpl && !far_pop_outer_stack(v, &s, size, new_cpl, &outer, ev))
        return false;
    if (eip > desc_to_seg(csel, cd).limit)
        return cpu_fault(ev, VEC_GP, 0);
    /* EFLAGS is written with the privilege of the iret itself, before the
     * CPL changes (SDM Vol. 2A IRET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
    cpu_iret_set_eflags(v, fl, size, old_cpl);
    seg_load_cs(v, csel, cd, new_cpl);
    v->eip = eip;
    vcpu_set_seg(v, SREG_SS, outer.ss);
    v->gpr[GPR_ESP] = outer.esp;
    if (new_cpl != old_cpl)
        seg_revalidate_data(v);
    if (size == 4 && old_cpl == 0 && new_cpl == 3)
        fastgate_note_iret(v);
    return true;
}

bool cpu_iret(struct vcpu *v, unsigned opsize, struct event *ev)
{
    /* iret is CF, or 66 CF when the operand size differs from CS.D. */
    unsigned default_size = (v->seg[SREG_CS].attr & SEG_ATTR_DB) ? 32 : 16;
    uint32_t len = opsize == default_size ? 1 : 2;
    return cpu_iret_at(v, opsize, v->eip + len, ev);
}
