/*
 * event.c: delivery of exceptions and interrupts through the guest IDT
 * (SDM Vol. 3A ch. 6, and the INT n pseudocode of SDM Vol. 2A).
 *
 * The run loop hands every event (an exception an instruction raised, an
 * int n, a hardware interrupt) to cpu_deliver_event().  One delivery
 * attempt reads the IDT entry, checks it, and enters the handler through
 *   - an interrupt or trap gate (16 or 32-bit): to the same level, or to an
 *     inner level on the stack the TSS holds for it (§6.12.1), pushing
 *     [SS, ESP,] EFLAGS, CS, EIP [, error code]; or
 *   - a task gate: a task switch, then the error code on the new stack
 *     (§6.12.2).
 * In real-address mode (CR0.PE = 0) the IDTR names the interrupt vector
 * table instead: FLAGS, CS and IP are pushed and CS:IP loaded from the
 * vector's 4-byte entry (§20.1.4).
 * An attempt that faults returns that fault as data, and this file decides
 * what happens next from the classes of SDM Table 6-5 (benign,
 * contributory, page fault): deliver the second fault instead (the first
 * one recurs when the handler returns), or a double fault; a fault while
 * delivering #DF shuts the machine down (triple fault).  Because the
 * whole nested sequence runs inside one call, the "event being delivered"
 * is a local variable, not vCPU state.
 *
 * Error codes of faults during delivery carry the EXT bit (§6.13) unless
 * the event was a software interrupt (int n, int3, into).
 *
 *   struct event ev = event_gp(0);
 *   cpu_deliver_event(v, &ev);   // v->eip = the faulting instruction
 */
#include "monitor/cpu_priv.h"
#include "monitor/fastgate.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

/* The classes of SDM Vol. 3A Table 6-4/6-5. */
enum event_class { EVC_BENIGN, EVC_CONTRIBUTORY, EVC_PAGE_FAULT, EVC_DOUBLE_FAULT };

/* int n, int3 and into: the gate DPL is checked and EXT is 0 (SDM Vol. 2A
 * INT n; §6.13).  The run loop may report int3/into as EV_TRAP #BP/#OF:
 * those vectors have no other source. */
static bool event_is_software(const struct event *e)
{
    return e->kind == EV_SOFT_INT || (e->kind == EV_TRAP && (e->vector == VEC_BP || e->vector == VEC_OF));
}

static enum event_class event_classify(const struct event *e)
{
    /* Interrupts (int n, INTR) are benign whatever their vector (Table 6-4). */
    if (e->kind == EV_SOFT_INT || e->kind == EV_EXTERNAL)
        return EVC_BENIGN;
    switch (e->vector) {
    case VEC_DE: case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP:
        return EVC_CONTRIBUTORY;
    case VEC_PF:
        return EVC_PAGE_FAULT;
    case VEC_DF:
        return EVC_DOUBLE_FAULT;
    default:
        return EVC_BENIGN;
    }
}

/* Table 6-5: does `second`, raised while delivering `first`, become #DF? */
static bool event_makes_double_fault(enum event_class first, enum event_class second)
{
    if (first == EVC_CONTRIBUTORY)
        return second == EVC_CONTRIBUTORY;
    if (first == EVC_PAGE_FAULT)
        return second == EVC_CONTRIBUTORY || second == EVC_PAGE_FAULT;
    return false;
}

static bool event_selector_error(uint8_t vector)
{
    return vector == VEC_TS || vector == VEC_NP || vector == VEC_SS || vector == VEC_GP;
}

/* Read the IDT gate for `vector`: the 8 bytes must be inside the IDT limit,
 * else #GP(vector * 8 + 2 + EXT) (§6.10, §6.13 "IDT" bit). */
static bool event_read_gate(struct vcpu *v, uint8_t vector, uint64_t *gate, struct event *ev)
{
    uint32_t off = (uint32_t)vector * 8;
    uint8_t raw[8];
    if (off + 7 > v->idtr.limit)
        return cpu_fault(ev, VEC_GP, off + 2);
    if (!gmem_read_lin(v, v->idtr.base + off, raw, 8, false, ev))
        return false;
    uint64_t d = 0;
    for (int i = 7; i >= 0; i--)
        d = (d << 8) | raw[i];
    *gate = d;
    return true;
}

/* The flags a gate clears after EFLAGS was pushed (§6.12.1.2): TF, NT, RF
 * and VM always; IF through an interrupt gate only. */
static void event_clear_flags(struct vcpu *v, uint64_t gate)
{
    v->eflags &= ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
    if (desc_is_sys(gate, SYS_INTGATE16) || desc_is_sys(gate, SYS_INTGATE32))
        v->if_mask = 0;
}

/* Push the interrupt frame on s: EFLAGS, CS, EIP and the error code. */
static bool event_push_frame(struct vcpu *v, struct pstack *s, const struct event *e, unsigned size,
                             struct event *ev)
{
    return pstack_push(v, s, vcpu_get_eflags(v), size, ev) &&
           pstack_push(v, s, v->seg[SREG_CS].sel, size, ev) && pstack_push(v, s, v->eip, size, ev) &&
           (!e->has_error || pstack_push(v, s, e->error_code, size, ev));
}

/* The code segment an interrupt or trap gate names (SDM Vol. 2A INT n
 * "TRAP-OR-INTERRUPT-GATE"): #GP(0) null, #GP(sel) not code or DPL > CPL,
 * #NP(sel) not present. */
static bool event_gate_code(struct vcpu *v, uint64_t gate, uint64_t *cd, struct event *ev)
{
    uint16_t sel = gate_sel(gate);
    if (sel_is_null(sel))
        return cpu_fault(ev, VEC_GP, 0);
    if (!desc_read(v, sel, cd, VEC_GP, ev))
        return false;
    if (!desc_is_code(*cd) || desc_dpl(*cd) > v->cpl)
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(*cd))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    return desc_set_accessed(v, sel, cd, ev);
}

/* Interrupt or trap gate, to the same level or to an inner one. */
static bool event_through_gate(struct vcpu *v, const struct event *e, uint64_t gate, struct event *ev)
{
    uint64_t cd, ssd;
    if (!event_gate_code(v, gate, &cd, ev))
        return false;
    unsigned size = gate_is32(gate) ? 4 : 2, words = 3 + e->has_error;
    unsigned dpl = desc_dpl(cd), new_cpl = v->cpl, old_cpl = v->cpl;
    uint32_t eip = gate_offset(gate) & (size == 4 ? 0xffffffffu : 0xffffu);
    struct pstack s = pstack_current(v), old = s;
    bool inner = !desc_is_conforming(cd) && dpl < v->cpl;
    if (inner) {
        /* §6.12.1: the handler runs at the code segment's DPL on the stack
         * the TSS holds for that level; the old SS:ESP goes on it first. */
        if (!task_inner_stack(v, dpl, &s, &ssd, ev))
            return false;
        words += 2;
        new_cpl = dpl;
    }
    if (!pstack_check_room(v, &s, words * size, ev))
        return false;
    if (eip > desc_to_seg(gate_sel(gate), cd).limit)
        return cpu_fault(ev, VEC_GP, 0);
    if (inner && (!pstack_push(v, &s, old.ss.sel, size, ev) || !pstack_push(v, &s, old.esp, size, ev)))
        return false;
    if (!event_push_frame(v, &s, e, size, ev))
        return false;
    vcpu_set_seg(v, SREG_SS, s.ss);
    v->gpr[GPR_ESP] = s.esp;
    seg_load_cs(v, gate_sel(gate), cd, new_cpl);
    v->eip = eip;
    event_clear_flags(v, gate);
    fastgate_note_delivery(v, e, gate, old_cpl);
    return true;
}

/* Task gate in the IDT (SDM Vol. 2A INT n "TASK-GATE"; Vol. 3A §6.12.2):
 * switch tasks with nesting, then push the error code on the new stack. */
static bool event_through_task(struct vcpu *v, const struct event *e, uint64_t gate, struct event *ev)
{
    uint16_t tss_sel;
    if (!task_gate_target(v, gate, &tss_sel, ev))
        return false;
    /* The EIP saved in the old TSS is the one the event would push. */
    if (!task_switch(v, tss_sel, TASK_GATE, v->eip, ev))
        return false;
    if (e->has_error && !stack_push(v, e->error_code, task_current_is32(v) ? 4 : 2, ev))
        return false;
    if (v->eip > v->seg[SREG_CS].limit)
        return cpu_fault(ev, VEC_GP, 0);
    return true;
}

/* Real-address mode (SDM Vol. 3A §20.1.4; Vol. 2A INT n "REAL-ADDRESS-
 * MODE"): the IDTR names the interrupt vector table, 4-byte entries of
 * offset then segment; a vector whose entry lies beyond the limit is
 * #GP(0), a stack without room for the 6 bytes #SS(0).  FLAGS, CS and IP
 * are pushed (no error code) and IF, TF and AC cleared. */
static bool event_deliver_real(struct vcpu *v, const struct event *e, struct event *ev)
{
    uint32_t off = (uint32_t)e->vector * 4;
    uint8_t raw[4];
    if (off + 3 > v->idtr.limit)
        return cpu_fault(ev, VEC_GP, 0);
    if (!gmem_read_lin(v, v->idtr.base + off, raw, 4, false, ev))
        return false;
    struct pstack s = pstack_current(v);
    if (!pstack_check_room(v, &s, 6, ev) || !pstack_push(v, &s, vcpu_get_eflags(v) & 0xffff, 2, ev) ||
        !pstack_push(v, &s, v->seg[SREG_CS].sel, 2, ev) || !pstack_push(v, &s, v->eip & 0xffff, 2, ev))
        return false;
    v->gpr[GPR_ESP] = s.esp;
    struct seg_cache cs = v->seg[SREG_CS];
    cs.sel = (uint16_t)(raw[2] | raw[3] << 8);
    cs.base = (uint32_t)cs.sel << 4;
    vcpu_set_seg(v, SREG_CS, cs);
    v->eip = (uint32_t)(raw[0] | raw[1] << 8);
    v->eflags &= ~(EFLAGS_TF | EFLAGS_AC | EFLAGS_RF);
    v->if_mask = 0;
    return true;
}

/* One delivery attempt; false with the fault it raised in *ev. */
static bool event_deliver_once(struct vcpu *v, const struct event *e, struct event *ev)
{
    if (!(v->cr0 & CR0_PE))
        return event_deliver_real(v, e, ev);
    uint64_t gate;
    uint32_t idt_err = (uint32_t)e->vector * 8 + 2;
    if (!event_read_gate(v, e->vector, &gate, ev))
        return false;
    bool task = desc_is_sys(gate, SYS_TASKGATE);
    bool intr = desc_is_sys(gate, SYS_INTGATE16) || desc_is_sys(gate, SYS_INTGATE32) ||
                desc_is_sys(gate, SYS_TRAPGATE16) || desc_is_sys(gate, SYS_TRAPGATE32);
    if (!task && !intr)
        return cpu_fault(ev, VEC_GP, idt_err);
    /* int n may only use gates whose DPL admits the CPL, so user code
     * cannot raise the kernel's exception vectors (§6.12.1.1). */
    if (event_is_software(e) && desc_dpl(gate) < v->cpl)
        return cpu_fault(ev, VEC_GP, idt_err);
    if (!desc_present(gate))
        return cpu_fault(ev, VEC_NP, idt_err);
    return task ? event_through_task(v, e, gate, ev) : event_through_gate(v, e, gate, ev);
}

static const char *event_name(uint8_t vector)
{
    static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                         "#DF", "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF" };
    return vector < sizeof names / sizeof names[0] ? names[vector] : "exception";
}

static void event_triple_fault(struct vcpu *v, const struct event *second)
{
    vm_request_exit(v->vm, VMEXIT_TRIPLE_FAULT, EXIT_STATUS_GUEST_FAILED,
                    "guest triple fault: %s (vector %u, error %#x) while delivering #DF at EIP %#x "
                    "(check the guest's IDT, GDT and TSS)",
                    event_name(second->vector), second->vector, second->error_code, v->eip);
}

static void event_count(struct vcpu *v, const struct event *e)
{
    if (e->kind == EV_SOFT_INT)
        STAT_INC(v->vm, ev_soft_ints);
    else if (e->kind == EV_FAULT || e->kind == EV_TRAP)
        STAT_INC(v->vm, ev_exceptions);
}

void cpu_deliver_event(struct vcpu *v, const struct event *ev)
{
    /* a system call like the last one (protected mode, CPL 3 only) */
    if ((v->cr0 & CR0_PE) && fastgate_deliver(v, ev)) {
        event_count(v, ev);
        v->halted = false;
        return;
    }
    struct event cur = *ev;
    /* Each round either succeeds, escalates to #DF or replaces the event by
     * a fault of a "later" class, so a few rounds always suffice; the bound
     * only guards against a monitor bug. */
    for (int round = 0; round < 8; round++) {
        struct event fault;
        /* CR2 is loaded when the page fault is raised, before delivery (§6.15). */
        if (cur.vector == VEC_PF && cur.kind == EV_FAULT)
            v->cr2 = cur.cr2;
        if (event_deliver_once(v, &cur, &fault)) {
            event_count(v, &cur);
            v->halted = false;
            return;
        }
        if (fault.kind == EV_NONE || v->vm->exit_reason != VMEXIT_NONE)
            return; /* the VM is stopping (e.g. the frame went to nonexistent memory) */
        if (fault.has_error && event_selector_error(fault.vector) && !event_is_software(&cur))
            fault.error_code |= 1; /* EXT (§6.13) */
        /* A fault while delivering int n/int3/into is a fault of that
         * instruction: the pushed EIP points at it again (SDM Vol. 2 INT n,
         * "Protected Mode Exceptions"). */
        if (cur.kind == EV_SOFT_INT && cur.insn_len) {
            v->eip -= cur.insn_len;
            cur.insn_len = 0;
        }
        enum event_class first = event_classify(&cur), second = event_classify(&fault);
        if (first == EVC_DOUBLE_FAULT) {
            /* Any fault while calling the #DF handler: shutdown (§6.15, Interrupt 8). */
            event_triple_fault(v, &fault);
            return;
        }
        if (event_makes_double_fault(first, second)) {
            STAT_INC(v->vm, ev_double_faults);
            cur = event_fault(VEC_DF, true, 0);
        } else {
            /* Serial handling: the second event is delivered; the first
             * one recurs when its handler returns (Table 6-5). */
            cur = fault;
        }
    }
    event_triple_fault(v, &cur);
}
