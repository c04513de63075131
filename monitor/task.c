/*
 * task.c: hardware task switching through 32-bit TSSs (SDM Vol. 3A ch. 7).
 *
 * A task switch happens on jmp/call to a TSS or task gate, on iret with
 * EFLAGS.NT = 1 (return to the task in the back-link), and on an
 * interrupt or exception whose IDT entry is a task gate.  task_switch()
 * follows the steps of SDM §7.3:
 *   1-5. check the new TSS descriptor (type, present, limit >= 67H) and
 *        read the whole new TSS image, so that every fault of this phase
 *        leaves the old task intact;
 *   6-8. clear the old busy bit (jmp, iret), save the dynamic state of the
 *        old task into its TSS (EIP = next_eip, EFLAGS with NT cleared for
 *        iret, the general registers and the segment selectors — LDTR and
 *        CR3 are static fields and are not saved, §7.2.1), write the
 *        back-link and set NT (call, gate), set the new busy bit;
 *   9-12. commit: TR, CR0.TS, CR3, EFLAGS, EIP, the general registers,
 *        LDTR and the segment registers.  Faults while loading the segment
 *        descriptors come after the commit point and are reported in the
 *        context of the new task (§7.3 step 12): the function returns them
 *        with the new task's state already loaded.
 * 16-bit TSSs are not supported: a switch to or from one returns #TS with
 * the TSS selector (btvisor targets i686-class 32-bit kernels, which use
 * 32-bit TSSs only).  Paging is not modelled here: CR3 is simply written
 * to v->cr3 when it changes, the shadow-MMU reacts on its own.
 *
 *   if (!task_switch(v, tss_sel, TASK_JMP, next_eip, &ev)) return false;
 */
#include "monitor/cpu_priv.h"
#include "shadowmm/shadow.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

/* Field offsets in a 32-bit TSS (SDM Vol. 3A §7.2.1, Figure 7-2). */
enum tss32_offset {
    TSS_LINK = 0, TSS_ESP0 = 4, TSS_SS0 = 8, TSS_CR3 = 28, TSS_EIP = 32, TSS_EFLAGS = 36,
    TSS_GPR = 40, TSS_SEG = 72, TSS_LDT = 96, TSS32_SIZE = 104,
};
#define TSS32_MIN_LIMIT 0x67u
#define TSS_BUSY_BIT (1ull << 41) /* bit 1 of the type field */

/* The state a 32-bit TSS holds for a task. */
struct tss32_image {
    uint16_t link;               /* previous task (back-link) */
    uint32_t cr3;                /* page-directory base */
    uint32_t eip, eflags;
    uint32_t gpr[GPR_COUNT];     /* EAX..EDI */
    uint16_t seg[SREG_COUNT];    /* ES CS SS DS FS GS selectors */
    uint16_t ldt;                /* LDT selector */
};

static uint32_t le32(const uint8_t *p) { return p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

static void tss_parse(const uint8_t *raw, struct tss32_image *t)
{
    t->link = (uint16_t)le32(raw + TSS_LINK);
    t->cr3 = le32(raw + TSS_CR3);
    t->eip = le32(raw + TSS_EIP);
    t->eflags = le32(raw + TSS_EFLAGS);
    for (int i = 0; i < GPR_COUNT; i++)
        t->gpr[i] = le32(raw + TSS_GPR + 4 * i);
    for (int i = 0; i < SREG_COUNT; i++)
        t->seg[i] = (uint16_t)le32(raw + TSS_SEG + 4 * i);
    t->ldt = (uint16_t)le32(raw + TSS_LDT);
}

static bool tss_write(struct vcpu *v, uint32_t base, uint32_t off, uint32_t value, unsigned size,
                      struct event *ev)
{
    uint8_t raw[4] = { (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16), (uint8_t)(value >> 24) };
    return gmem_write_lin(v, base + off, raw, size, false, ev);
}

bool task_current_is32(const struct vcpu *v)
{
    unsigned type = v->tr.attr & SEG_ATTR_TYPE_MASK;
    return !(v->tr.attr & SEG_ATTR_UNUSABLE) && (type == SYS_TSS32_AVAIL || type == SYS_TSS32_BUSY);
}

bool task_inner_stack(struct vcpu *v, unsigned dpl, struct pstack *stack, uint64_t *ss_desc,
                      struct event *ev)
{
    if (!task_current_is32(v) || TSS_ESP0 + 8 * dpl + 7 > v->tr.limit) {
        /* Only 32-bit TSSs are modelled; a TSS too short to hold ESPn and
         * SSn is #TS(TSS selector) (SDM Vol. 2 CALL "MORE-PRIVILEGE"). */
        return cpu_fault(ev, VEC_TS, sel_err(v->tr.sel));
    }
    uint8_t raw[8];
    if (!gmem_read_lin(v, v->tr.base + TSS_ESP0 + 8 * dpl, raw, 8, false, ev))
        return false;
    uint32_t esp = le32(raw);
    uint16_t ss = (uint16_t)le32(raw + 4);
    /* A null SS in the TSS is #TS(EXT): the error code carries no index
     * (SDM Vol. 2 INT n "INTER-PRIVILEGE-LEVEL-INTERRUPT"). */
    if (sel_is_null(ss))
        return cpu_fault(ev, VEC_TS, 0);
    /* The new SS must have RPL = DPL = the new CPL, be a writable data
     * segment (#TS(SS)) and be present (#SS(SS)) (SDM Vol. 3A §5.8.5). */
    uint64_t d;
    if (!seg_check_stack(v, ss, dpl, VEC_TS, &d, ev))
        return false;
    *ss_desc = d;
    *stack = (struct pstack){ .ss = desc_to_seg(ss, d), .esp = esp, .user = dpl == 3 };
    return true;
}

bool task_gate_target(struct vcpu *v, uint64_t gate, uint16_t *tss_sel, struct event *ev)
{
    uint16_t sel = gate_sel(gate);
    uint64_t d;
    /* TSS descriptors live only in the GDT (SDM Vol. 3A §7.2.2). */
    if (sel_is_ldt(sel))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_read(v, sel, &d, VEC_GP, ev))
        return false;
    if (!desc_is_sys(d, SYS_TSS32_AVAIL) && !desc_is_sys(d, SYS_TSS16_AVAIL))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    *tss_sel = sel;
    return true;
}

/* Step 1-5 of §7.3: the new TSS descriptor.  iret returns to a busy task,
 * every other reason needs an available one; the errors are #TS for iret
 * (SDM Vol. 2 IRET "TASK-RETURN") and #GP otherwise. */
static bool task_check_new(struct vcpu *v, uint16_t sel, enum task_switch_reason why, uint64_t *desc,
                           struct event *ev)
{
    uint8_t bad = why == TASK_IRET ? VEC_TS : VEC_GP;
    uint64_t d;
    if (sel_is_ldt(sel))
        return cpu_fault(ev, bad, sel_err(sel));
    if (!desc_read(v, sel, &d, bad, ev))
        return false;
    bool busy = desc_is_sys(d, SYS_TSS32_BUSY) || desc_is_sys(d, SYS_TSS16_BUSY);
    bool avail = desc_is_sys(d, SYS_TSS32_AVAIL) || desc_is_sys(d, SYS_TSS16_AVAIL);
    if (why == TASK_IRET ? !busy : !avail)
        return cpu_fault(ev, bad, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    /* 16-bit TSSs are not supported (see the file comment). */
    if (!(desc_type(d) & 8))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    /* A 32-bit TSS needs a limit of at least 67H (SDM §7.2.2). */
    if (desc_to_seg(sel, d).limit < TSS32_MIN_LIMIT)
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    *desc = d;
    return true;
}

/* Step 6: clear the busy bit of the outgoing task (jmp, iret; §7.3). */
static bool task_clear_old_busy(struct vcpu *v, struct event *ev)
{
    uint64_t d;
    if (!desc_read(v, v->tr.sel, &d, VEC_TS, ev))
        return false;
    return desc_write(v, v->tr.sel, d & ~TSS_BUSY_BIT, ev);
}

/* Step 8: save the dynamic fields of the outgoing task (§7.3, §7.2.1). */
static bool task_save_old(struct vcpu *v, uint32_t next_eip, uint32_t eflags, struct event *ev)
{
    uint32_t base = v->tr.base;
    if (!tss_write(v, base, TSS_EIP, next_eip, 4, ev) || !tss_write(v, base, TSS_EFLAGS, eflags, 4, ev))
        return false;
    for (int i = 0; i < GPR_COUNT; i++)
        if (!tss_write(v, base, TSS_GPR + 4 * i, v->gpr[i], 4, ev))
            return false;
    /* Selectors are 16-bit fields; the upper halves are reserved. */
    for (int i = 0; i < SREG_COUNT; i++)
        if (!tss_write(v, base, TSS_SEG + 4 * i, v->seg[i].sel, 2, ev))
            return false;
    return true;
}

/* LDTR of the new task: null is allowed; otherwise a present LDT
 * descriptor in the GDT, else #TS(LDT selector) (§7.3, Table 7-1). */
static bool task_load_ldt(struct vcpu *v, uint16_t sel, struct event *ev)
{
    uint64_t d;
    if (sel_is_null(sel)) {
        v->ldtr = seg_null_cache(sel);
        return true;
    }
    if (sel_is_ldt(sel))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    if (!desc_read(v, sel, &d, VEC_TS, ev))
        return false;
    if (!desc_is_sys(d, SYS_LDT) || !desc_present(d))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    v->ldtr = desc_to_seg(sel, d);
    return true;
}

/* CS of the new task; its RPL is the new CPL (Table 7-1: invalid → #TS,
 * not present → #NP). */
static bool task_load_cs(struct vcpu *v, uint16_t sel, struct event *ev)
{
    uint64_t d;
    if (sel_is_null(sel))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    if (!desc_read(v, sel, &d, VEC_TS, ev))
        return false;
    if (!desc_is_code(d))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    if (desc_is_conforming(d) ? desc_dpl(d) > sel_rpl(sel) : desc_dpl(d) != sel_rpl(sel))
        return cpu_fault(ev, VEC_TS, sel_err(sel));
    if (!desc_present(d))
        return cpu_fault(ev, VEC_NP, sel_err(sel));
    if (!desc_set_accessed(v, sel, &d, ev))
        return false;
    seg_load_cs(v, sel, d, sel_rpl(sel));
    return true;
}

static bool task_load_data(struct vcpu *v, enum x86_sreg s, uint16_t sel, struct event *ev)
{
    uint64_t d;
    if (s == SREG_SS) {
        if (sel_is_null(sel))
            return cpu_fault(ev, VEC_TS, 0);
        if (!seg_check_stack(v, sel, v->cpl, VEC_TS, &d, ev))
            return false;
    } else {
        if (sel_is_null(sel)) {
            vcpu_set_seg(v, s, seg_null_cache(sel));
            return true;
        }
        if (!seg_check_data(v, sel, v->cpl, VEC_TS, &d, ev))
            return false;
    }
    vcpu_set_seg(v, s, desc_to_seg(sel, d));
    return true;
}

/* Step 12: load and check LDTR and the segment registers.  Until a
 * register is checked it holds its selector with an unusable cache. */
static bool task_load_segments(struct vcpu *v, const struct tss32_image *t, struct event *ev)
{
    static const enum x86_sreg order[] = { SREG_SS, SREG_DS, SREG_ES, SREG_FS, SREG_GS };
    for (int i = 0; i < SREG_COUNT; i++)
        vcpu_set_seg(v, (enum x86_sreg)i, seg_null_cache(t->seg[i]));
    v->ldtr = seg_null_cache(t->ldt);
    v->cpl = (uint8_t)sel_rpl(t->seg[SREG_CS]);
    if (!task_load_ldt(v, t->ldt, ev) || !task_load_cs(v, t->seg[SREG_CS], ev))
        return false;
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        if (!task_load_data(v, order[i], t->seg[order[i]], ev))
            return false;
    return true;
}

/* Steps 9-12: make the new task current. */
static bool task_commit(struct vcpu *v, uint16_t sel, uint64_t desc, const struct tss32_image *t,
                        uint32_t eflags, struct event *ev)
{
    v->tr = desc_to_seg(sel, desc);
    /* CR0.TS is set on every task switch so the first FPU use faults
     * (#NM) and the OS can switch FPU state lazily (SDM §2.5, §7.3). */
    v->cr0 |= CR0_TS;
    if (t->cr3 != v->cr3) {
        uint32_t old = v->cr3;
        v->cr3 = t->cr3;
        mmu_cr3_written(v, old);
    }
    /* Local breakpoint enables are per task (SDM Vol. 3B §17.2.4). */
    v->dr[7] &= ~0x55u;
    vcpu_set_eflags(v, eflags);
    v->eip = t->eip;
    for (int i = 0; i < GPR_COUNT; i++)
        v->gpr[i] = t->gpr[i];
    if (eflags & EFLAGS_VM) {
        /* Virtual-8086 mode is out of scope: the new task cannot run. */
        vm_request_exit(v->vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                        "task switch to a virtual-8086 task (TSS %#x) is not supported", sel);
        v->eflags &= ~EFLAGS_VM;
        return cpu_fault(ev, VEC_GP, 0);
    }
    return task_load_segments(v, t, ev);
}

bool task_switch(struct vcpu *v, uint16_t sel, enum task_switch_reason why, uint32_t next_eip,
                 struct event *ev)
{
    uint64_t nd;
    if (!task_check_new(v, sel, why, &nd, ev))
        return false;
    /* The outgoing TSS must be a valid 32-bit TSS too (§7.3 step 4). */
    if (!task_current_is32(v) || v->tr.limit < TSS32_MIN_LIMIT)
        return cpu_fault(ev, VEC_TS, sel_err(v->tr.sel));
    uint8_t raw[TSS32_SIZE];
    struct tss32_image t;
    if (!gmem_read_lin(v, desc_to_seg(sel, nd).base, raw, TSS32_SIZE, false, ev))
        return false;
    tss_parse(raw, &t);

    uint32_t old_flags = vcpu_get_eflags(v);
    /* iret saves the old task with NT clear: it is no longer nested (§7.4). */
    if (why == TASK_IRET)
        old_flags &= ~EFLAGS_NT;
    if ((why == TASK_JMP || why == TASK_IRET) && !task_clear_old_busy(v, ev))
        return false;
    if (!task_save_old(v, next_eip, old_flags, ev))
        return false;
    uint32_t new_flags = t.eflags;
    if (why == TASK_CALL || why == TASK_GATE) {
        /* Nesting: back-link to the caller and NT = 1 (SDM §7.4, Table 7-2). */
        if (!tss_write(v, desc_to_seg(sel, nd).base, TSS_LINK, v->tr.sel, 2, ev))
            return false;
        new_flags |= EFLAGS_NT;
    }
    if (why != TASK_IRET) {
        nd |= TSS_BUSY_BIT;
        if (!desc_write(v, sel, nd, ev))
            return false;
    }
    return task_commit(v, sel, nd, &t, new_flags, ev);
}
