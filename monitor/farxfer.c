/*
 * farxfer.c: far jmp, far call and far ret in protected mode.
 *
 * The emulator decodes the instruction and calls far_jmp/far_call/far_ret
 * with the target selector:offset and the operand size; this file applies
 * the privilege rules of SDM Vol. 3A §5.8 and the pseudocode of JMP, CALL
 * and RET in SDM Vol. 2:
 *   - a code segment directly: conforming (DPL <= CPL) or non-conforming
 *     (RPL <= CPL, DPL = CPL), no privilege change;
 *   - a call gate (16 or 32-bit): the gate's DPL must admit the caller, the
 *     target code segment's DPL gives the new CPL; a call to an inner
 *     level switches to the stack the current TSS holds for that level and
 *     copies the gate's parameter count of words/dwords (§5.8.5);
 *   - a task gate or a TSS: task switch (monitor/task.c);
 *   - far ret to the same level, or to an outer level (pops SS:ESP, then
 *     nulls the data segment registers the outer level may not use).
 * Every check happens before any register changes; frames are built on a
 * struct pstack copy and committed at the end.
 * The iret instruction lives in monitor/iret.c.
 *
 *   if (!far_call(v, sel, off, 32, next_eip, &ev)) return EMU_EVENT;
 */
#include "monitor/cpu_priv.h"

static uint32_t eip_trunc(uint32_t eip, unsigned size) { return size == 2 ? eip & 0xffff : eip; }

/* Real-address mode: CS = selector, base = selector * 16 (SDM Vol. 3A §20.1). */
static void far_load_cs_real(struct vcpu *v, uint16_t sel, uint32_t eip)
{
    struct seg_cache c = v->seg[SREG_CS];
    c.sel = sel;
    c.base = (uint32_t)sel << 4;
    vcpu_set_seg(v, SREG_CS, c);
    v->eip = eip;
}

/* A direct transfer to a code segment (SDM Vol. 2 JMP/CALL "CONFORMING-" and
 * "NONCONFORMING-CODE-SEGMENT"; Vol. 3A §5.8.1, §5.8.2). */
static bool far_check_code(struct vcpu *v, uint16_t sel, uint64_t *d, struct event *ev)
{
    if (desc_is_conforming(*d) ? desc_dpl(*d) > v->cpl
                               : (sel_rpl(sel) > v->cpl || desc_dpl(*d) != v->cpl))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(*d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    return desc_set_accessed(v, sel, d, ev);
}

/* A call gate or task gate: max(CPL, RPL) <= gate DPL, present (§5.8.4). */
static bool far_check_gate(struct vcpu *v, uint16_t sel, uint64_t d, struct event *ev)
{
    if (desc_dpl(d) < v->cpl || desc_dpl(d) < sel_rpl(sel))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    return true;
}

/* The code segment a call gate points to.  jmp may only reach the same
 * level (conforming DPL <= CPL, non-conforming DPL = CPL); call may reach
 * any DPL <= CPL (SDM §5.8.4, Table 5-1). */
static bool far_gate_target(struct vcpu *v, uint64_t gate, bool is_jmp, uint16_t *csel, uint64_t *cd,
                            struct event *ev)
{
    uint16_t sel = gate_sel(gate);
    uint64_t d;
    if (sel_is_null(sel))
        return cpu_fault(ev, VEC_GP, 0);
    if (!desc_read(v, sel, &d, VEC_GP, ev))
        return false;
    bool bad = !desc_is_code(d) || desc_dpl(d) > v->cpl;
    if (is_jmp && !desc_is_conforming(d) && desc_dpl(d) != v->cpl)
        bad = true;
    if (bad)
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    if (!desc_set_accessed(v, sel, &d, ev))
        return false;
    *csel = sel;
    *cd = d;
    return true;
}

/* jmp/call to a task gate or TSS descriptor (SDM Vol. 2 JMP/CALL
 * "TASK-GATE", "TASK-STATE-SEGMENT"; Vol. 3A §7.3). */
static bool far_to_task(struct vcpu *v, uint16_t sel, uint64_t d, enum task_switch_reason why,
                        uint32_t next_eip, struct event *ev)
{
    uint16_t tss_sel = sel;
    if (!far_check_gate(v, sel, d, ev))
        return false;
    if (desc_is_sys(d, SYS_TASKGATE)) {
        if (!task_gate_target(v, d, &tss_sel, ev))
            return false;
    } else if (desc_is_sys(d, SYS_TSS16_BUSY) || desc_is_sys(d, SYS_TSS32_BUSY)) {
        /* A busy TSS cannot be entered: no recursive tasks (§7.3). */
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    }
    if (!task_switch(v, tss_sel, why, next_eip, ev))
        return false;
    /* The new task's EIP is checked after the switch (SDM Vol. 2 JMP). */
    if (v->eip > v->seg[SREG_CS].limit)
        return cpu_fault(ev, VEC_GP, 0);
    return true;
}

static bool far_is_task(uint64_t d)
{
    return desc_is_sys(d, SYS_TASKGATE) || desc_is_sys(d, SYS_TSS16_AVAIL) || desc_is_sys(d, SYS_TSS32_AVAIL) ||
           desc_is_sys(d, SYS_TSS16_BUSY) || desc_is_sys(d, SYS_TSS32_BUSY);
}

static bool far_is_call_gate(uint64_t d)
{
    return desc_is_sys(d, SYS_CALLGATE16) || desc_is_sys(d, SYS_CALLGATE32);
}

/* Read the descriptor a far jmp/call names (null → #GP(0)). */
static bool far_read_target(struct vcpu *v, uint16_t sel, uint64_t *d, struct event *ev)
{
    if (sel_is_null(sel))
        return cpu_fault(ev, VEC_GP, 0);
    return desc_read(v, sel, d, VEC_GP, ev);
}

bool far_jmp(struct vcpu *v, uint16_t sel, uint32_t offset, unsigned opsize, uint32_t next_eip,
             struct event *ev)
{
    uint64_t d, cd;
    uint16_t csel;
    uint32_t eip;
    if (!(v->cr0 & CR0_PE)) {
        far_load_cs_real(v, sel, eip_trunc(offset, opsize / 8));
        return true;
    }
    if (!far_read_target(v, sel, &d, ev))
        return false;
    if (desc_is_code(d)) {
        eip = eip_trunc(offset, opsize / 8);
        if (!far_check_code(v, sel, &d, ev))
            return false;
        csel = sel;
        cd = d;
    } else if (far_is_call_gate(d)) {
        if (!far_check_gate(v, sel, d, ev) || !far_gate_target(v, d, true, &csel, &cd, ev))
            return false;
        eip = eip_trunc(gate_offset(d), gate_is32(d) ? 4 : 2);
    } else if (far_is_task(d)) {
        return far_to_task(v, sel, d, TASK_JMP, next_eip, ev);
    } else {
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    }
    if (eip > desc_to_seg(csel, cd).limit)
        return cpu_fault(ev, VEC_GP, 0);
    seg_load_cs(v, csel, cd, v->cpl);
    v->eip = eip;
    return true;
}

/* Push the return address CS:EIP on `s` after checking room for both
 * (#SS(0)) and the target EIP (#GP(0)) (SDM Vol. 2 CALL). */
static bool far_push_return(struct vcpu *v, struct pstack *s, unsigned size, uint32_t next_eip,
                            uint32_t target_eip, uint32_t target_limit, struct event *ev)
{
    if (!pstack_check_room(v, s, 2 * size, ev))
        return false;
    if (target_eip > target_limit)
        return cpu_fault(ev, VEC_GP, 0);
    return pstack_push(v, s, v->seg[SREG_CS].sel, size, ev) && pstack_push(v, s, next_eip, size, ev);
}

/* Call gate to an inner level (SDM Vol. 2 CALL "MORE-PRIVILEGE";
 * Vol. 3A §5.8.5, Figure 5-13): new stack from the TSS, push the caller's
 * SS:ESP, copy the parameters, push CS:EIP. */
static bool far_call_inner(struct vcpu *v, uint64_t gate, uint16_t csel, uint64_t cd, uint32_t next_eip,
                           struct event *ev)
{
    unsigned dpl = desc_dpl(cd), size = gate_is32(gate) ? 4 : 2, n = gate_params(gate);
    struct pstack ns, old = pstack_current(v);
    uint64_t ssd;
    if (!task_inner_stack(v, dpl, &ns, &ssd, ev))
        return false;
    /* Room for SS, ESP, the parameters, CS and EIP, else #SS(new SS). */
    if (!pstack_check_room(v, &ns, (4 + n) * size, ev))
        return cpu_fault(ev, VEC_SS, sel_err(ns.ss.sel));
    uint32_t eip = eip_trunc(gate_offset(gate), size);
    if (eip > desc_to_seg(csel, cd).limit)
        return cpu_fault(ev, VEC_GP, 0);
    if (!pstack_push(v, &ns, old.ss.sel, size, ev) || !pstack_push(v, &ns, old.esp, size, ev))
        return false;
    /* Parameters keep their order: the deepest one is pushed first. */
    for (unsigned i = n; i-- > 0;) {
        uint32_t p;
        if (!pstack_peek(v, &old, i, size, &p, ev) || !pstack_push(v, &ns, p, size, ev))
            return false;
    }
    if (!pstack_push(v, &ns, v->seg[SREG_CS].sel, size, ev) || !pstack_push(v, &ns, next_eip, size, ev))
        return false;
    vcpu_set_seg(v, SREG_SS, ns.ss);
    v->gpr[GPR_ESP] = ns.esp;
    seg_load_cs(v, csel, cd, dpl);
    v->eip = eip;
    return true;
}

static bool far_call_gate(struct vcpu *v, uint16_t sel, uint64_t d, uint32_t next_eip, struct event *ev)
{
    uint16_t csel;
    uint64_t cd;
    if (!far_check_gate(v, sel, d, ev) || !far_gate_target(v, d, false, &csel, &cd, ev))
        return false;
    if (!desc_is_conforming(cd) && desc_dpl(cd) < v->cpl)
        return far_call_inner(v, d, csel, cd, next_eip, ev);
    /* Same level through the gate (SDM Vol. 2 CALL "SAME-PRIVILEGE"). */
    unsigned size = gate_is32(d) ? 4 : 2;
    uint32_t eip = eip_trunc(gate_offset(d), size);
    struct pstack s = pstack_current(v);
    if (!far_push_return(v, &s, size, next_eip, eip, desc_to_seg(csel, cd).limit, ev))
        return false;
    v->gpr[GPR_ESP] = s.esp;
    seg_load_cs(v, csel, cd, v->cpl);
    v->eip = eip;
    return true;
}

static bool far_call_real(struct vcpu *v, uint16_t sel, uint32_t offset, unsigned size, uint32_t next_eip,
                          struct event *ev)
{
    struct pstack s = pstack_current(v);
    if (!pstack_push(v, &s, v->seg[SREG_CS].sel, size, ev) || !pstack_push(v, &s, next_eip, size, ev))
        return false;
    v->gpr[GPR_ESP] = s.esp;
    far_load_cs_real(v, sel, eip_trunc(offset, size));
    return true;
}

bool far_call(struct vcpu *v, uint16_t sel, uint32_t offset, unsigned opsize, uint32_t next_eip,
              struct event *ev)
{
    uint64_t d;
    unsigned size = opsize / 8;
    if (!(v->cr0 & CR0_PE))
        return far_call_real(v, sel, offset, size, next_eip, ev);
    if (!far_read_target(v, sel, &d, ev))
        return false;
    if (desc_is_code(d)) {
        uint32_t eip = eip_trunc(offset, size);
        struct pstack s = pstack_current(v);
        if (!far_check_code(v, sel, &d, ev) ||
            !far_push_return(v, &s, size, next_eip, eip, desc_to_seg(sel, d).limit, ev))
            return false;
        v->gpr[GPR_ESP] = s.esp;
        seg_load_cs(v, sel, d, v->cpl);
        v->eip = eip;
        return true;
    }
    if (far_is_call_gate(d))
        return far_call_gate(v, sel, d, next_eip, ev);
    if (far_is_task(d))
        return far_to_task(v, sel, d, TASK_CALL, next_eip, ev);
    return cpu_fault(ev, VEC_GP, sel_err(sel));
}

/* The outer stack of a return: SS:ESP popped from the inner stack, with
 * RPL = DPL = the return CS.RPL (SDM Vol. 2 RET
 * "RETURN-TO-OUTER-PRIVILEGE-LEVEL").  The same checks serve iret. */
bool far_pop_outer_stack(struct vcpu *v, struct pstack *s, unsigned size, unsigned new_cpl,
                         struct pstack *outer, struct event *ev)
{
    uint32_t esp, ss;
    uint64_t d;
    if (!pstack_pop(v, s, &esp, size, ev) || !pstack_pop(v, s, &ss, size, ev))
        return false;
    if (sel_is_null((uint16_t)ss))
        return cpu_fault(ev, VEC_GP, 0);
    if (!seg_check_stack(v, (uint16_t)ss, new_cpl, VEC_GP, &d, ev))
        return false;
    outer->ss = desc_to_seg((uint16_t)ss, d);
    /* A 16-bit pop loads only SP; the upper half of ESP stays. */
    outer->esp = size == 4 ? esp : ((v->gpr[GPR_ESP] & 0xffff0000u) | esp);
    outer->user = new_cpl == 3;
    return true;
}

static bool far_ret_real(struct vcpu *v, unsigned size, uint16_t pop_bytes, struct event *ev)
{
    struct pstack s = pstack_current(v);
    uint32_t eip, cs;
    if (!pstack_pop(v, &s, &eip, size, ev) || !pstack_pop(v, &s, &cs, size, ev))
        return false;
    pstack_adjust(&s, pop_bytes);
    v->gpr[GPR_ESP] = s.esp;
    far_load_cs_real(v, (uint16_t)cs, eip);
    return true;
}

bool far_ret(struct vcpu *v, unsigned opsize, uint16_t pop_bytes, struct event *ev)
{
    unsigned size = opsize / 8;
    if (!(v->cr0 & CR0_PE))
        return far_ret_real(v, size, pop_bytes, ev);
    struct pstack s = pstack_current(v);
    uint32_t eip, cs;
    uint64_t cd;
    if (!pstack_pop(v, &s, &eip, size, ev) || !pstack_pop(v, &s, &cs, size, ev))
        return false;
    uint16_t csel = (uint16_t)cs;
    if (!seg_check_return_cs(v, csel, &cd, ev))
        return false;
    /* Release the callee's parameters from the inner stack. */
    pstack_adjust(&s, pop_bytes);
    unsigned new_cpl = sel_rpl(csel);
    if (new_cpl == v->cpl) {
        if (eip > desc_to_seg(csel, cd).limit)
            return cpu_fault(ev, VEC_GP, 0);
        v->gpr[GPR_ESP] = s.esp;
        seg_load_cs(v, csel, cd, new_cpl);
        v->eip = eip;
        return true;
    }
    struct pstack outer;
    if (!far_pop_outer_stack(v, &s, size, new_cpl, &outer, ev))
        return false;
    if (eip > desc_to_seg(csel, cd).limit)
        return cpu_fault(ev, VEC_GP, 0);
    /* ... and the caller's copy of them from the outer stack. */
    pstack_adjust(&outer, pop_bytes);
    seg_load_cs(v, csel, cd, new_cpl);
    v->eip = eip;
    vcpu_set_seg(v, SREG_SS, outer.ss);
    v->gpr[GPR_ESP] = outer.esp;
    seg_revalidate_data(v);
    return true;
}
