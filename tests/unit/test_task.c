/*
 * test_task.c: hardware task switches (monitor/task.c) through jmp to a
 * TSS, call through a task gate, an IDT task gate, and iret back through
 * the back-link: saved state, busy bits, NT, back-link, #TS/#GP/#NP.
 */
#include "cpu_fixture.h"

enum { SEL_TGATE = 0x50, SEL_TSS_BAD = 0x58, SEL_TSS_NP = 0x60 };

/* TSS B: a ring-0 task with recognisable registers. */
static void tss_b_setup(struct vcpu *v)
{
    uint32_t t = FX_TSS_B;
    wr32(v, t + 28, 0x5000);                                /* CR3 */
    wr32(v, t + 32, 0x7000);                                /* EIP */
    wr32(v, t + 36, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_ZF);  /* EFLAGS */
    for (unsigned i = 0; i < 8; i++)
        wr32(v, t + 40 + 4 * i, 0xb0 + i);
    wr32(v, t + 56, FX_STACK_B);                            /* ESP */
    static const uint16_t segs[6] = { SEL_DATA0, SEL_CODE0, SEL_DATA0, SEL_DATA0, 0, SEL_DATA0 };
    for (unsigned i = 0; i < 6; i++)
        wr32(v, t + 72 + 4 * i, segs[i]);
    wr32(v, t + 96, SEL_LDT);
    fx_set_gdt(v, SEL_TGATE, mkgate(SEL_TSS_B, 0, SYS_TASKGATE, 3, true, 0));
    fx_set_gdt(v, SEL_TSS_BAD, mkdesc(FX_TSS_B, 0x50, 0x89, 0));
    fx_set_gdt(v, SEL_TSS_NP, mkdesc(FX_TSS_B, 0x67, 0x09, 0));
    /* The code and data descriptors start with their accessed bits clear. */
    for (unsigned i = 0; i < 8; i++)
        v->gpr[i] = 0xa0 + i;
    v->gpr[GPR_ESP] = FX_STACK0 - 0x40;
}

/* jmp to TSS B: A's state saved with EIP = next_eip, A's busy bit cleared,
 * B busy, B's registers loaded, CR0.TS set, no nesting. */
static void test_jmp_tss(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    tss_b_setup(v);
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_CF);
    assert_true(far_jmp(v, SEL_TSS_B, 0, 32, 0x1239, &ev));
    /* The outgoing task. */
    assert_int_equal(rd32(v, FX_TSS_A + 32), 0x1239);
    assert_int_equal(rd32(v, FX_TSS_A + 36), EFLAGS_FIXED | EFLAGS_CF);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(rd32(v, FX_TSS_A + 40 + 4 * i), i == GPR_ESP ? FX_STACK0 - 0x40 : 0xa0 + i);
    assert_int_equal(rd16(v, FX_TSS_A + 76), SEL_CODE0);
    assert_int_equal(rd16(v, FX_TSS_A + 80), SEL_DATA0);
    assert_int_equal(fx_type(v, SEL_TSS_A), SYS_TSS32_AVAIL);
    /* The incoming task. */
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_BUSY);
    assert_int_equal(v->tr.sel, SEL_TSS_B);
    assert_int_equal(v->tr.base, FX_TSS_B);
    assert_int_equal(v->eip, 0x7000);
    assert_int_equal(v->gpr[GPR_EAX], 0xb0);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK_B);
    assert_int_equal(v->cr3, 0x5000);
    assert_true(v->cr0 & CR0_TS);
    assert_int_equal(v->if_mask, EFLAGS_IF);
    assert_false(v->eflags & EFLAGS_NT);
    assert_true(v->eflags & EFLAGS_ZF);
    assert_int_equal(rd16(v, FX_TSS_B + 0), 0); /* no back-link */
    assert_true(v->seg[SREG_FS].attr & SEG_ATTR_UNUSABLE);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA0);
    assert_int_equal(v->ldtr.sel, SEL_LDT);
    assert_true(fx_accessed(v, SEL_CODE0));
    assert_true(fx_accessed(v, SEL_DATA0));
}

/* call through a task gate nests: NT = 1, back-link = A, A stays busy.
 * iret returns through the back-link: A resumes after the call, B is no
 * longer busy and its saved EFLAGS has NT clear. */
static void test_call_gate_and_iret_back(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    tss_b_setup(v);
    assert_true(far_call(v, SEL_TGATE, 0, 32, 0x1239, &ev));
    assert_int_equal(v->tr.sel, SEL_TSS_B);
    assert_true(v->eflags & EFLAGS_NT);
    assert_int_equal(rd16(v, FX_TSS_B + 0), SEL_TSS_A);
    assert_int_equal(fx_type(v, SEL_TSS_A), SYS_TSS32_BUSY);
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_BUSY);
    assert_int_equal(v->eip, 0x7000);
    v->gpr[GPR_EAX] = 0x5555;
    v->eip = 0x7010; /* the task runs to an iret */
    assert_true(cpu_iret(v, 32, &ev));
    assert_int_equal(v->tr.sel, SEL_TSS_A);
    assert_int_equal(v->eip, 0x1239);
    assert_int_equal(v->gpr[GPR_EAX], 0xa0);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 0x40);
    assert_false(v->eflags & EFLAGS_NT);
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_AVAIL);
    assert_int_equal(fx_type(v, SEL_TSS_A), SYS_TSS32_BUSY);
    /* B's saved state: EIP after the iret, NT cleared, EAX as it was. */
    assert_int_equal(rd32(v, FX_TSS_B + 32), 0x7011);
    assert_false(rd32(v, FX_TSS_B + 36) & EFLAGS_NT);
    assert_int_equal(rd32(v, FX_TSS_B + 40), 0x5555);
}

/* #GP(0x20) through an IDT task gate: task switch, error code on the new
 * task's stack, nesting; the old task saved EIP = the faulting one. */
static void test_idt_task_gate(void **state)
{
    struct vcpu *v = fx_cpu(state);
    tss_b_setup(v);
    fx_set_idt(v, VEC_GP, mkgate(SEL_TSS_B, 0, SYS_TASKGATE, 0, true, 0));
    struct event ev = event_gp(0x20);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    assert_int_equal(v->tr.sel, SEL_TSS_B);
    assert_int_equal(v->eip, 0x7000);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK_B - 4);
    assert_int_equal(rd32(v, FX_STACK_B - 4), 0x20);
    assert_true(v->eflags & EFLAGS_NT);
    assert_int_equal(rd16(v, FX_TSS_B + 0), SEL_TSS_A);
    assert_int_equal(rd32(v, FX_TSS_A + 32), 0x1234);
    assert_int_equal(v->vm->stats.ev_exceptions, 1);
    v->eip = 0x7020;
    assert_true(cpu_iret(v, 32, &ev));
    assert_int_equal(v->tr.sel, SEL_TSS_A);
    assert_int_equal(v->eip, 0x1234);
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_AVAIL);
}

/* Faults before the commit point leave the old task untouched. */
static void test_switch_faults(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    tss_b_setup(v);
    assert_false(far_jmp(v, SEL_TSS_A, 0, 32, 0, &ev));   /* busy: no recursion */
    assert_fault(ev, VEC_GP, SEL_TSS_A);
    assert_false(far_jmp(v, SEL_TSS_BAD, 0, 32, 0, &ev)); /* limit < 67H */
    assert_fault(ev, VEC_TS, SEL_TSS_BAD);
    assert_false(far_jmp(v, SEL_TSS_NP, 0, 32, 0, &ev));
    assert_fault(ev, VEC_NP, SEL_TSS_NP);
    fx_enter_ring3(v);
    assert_false(far_jmp(v, SEL_TSS_B | 3, 0, 32, 0, &ev)); /* TSS DPL 0 < CPL 3 */
    assert_fault(ev, VEC_GP, SEL_TSS_B);
    /* A task gate whose TSS selector points into the LDT. */
    fx_set_gdt(v, SEL_TGATE, mkgate(0x000c, 0, SYS_TASKGATE, 3, true, 0));
    assert_false(far_jmp(v, SEL_TGATE | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_GP, 0x000c);
    assert_int_equal(v->tr.sel, SEL_TSS_A);
    assert_int_equal(fx_type(v, SEL_TSS_A), SYS_TSS32_BUSY);
    assert_int_equal(v->cpl, 3);
}

/* A bad CS in the new TSS is found after the commit point: the fault is
 * #TS(CS) and the state is already the new task's (SDM §7.3 step 12). */
static void test_fault_after_commit(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    tss_b_setup(v);
    wr32(v, FX_TSS_B + 76, SEL_DATA0);
    assert_false(far_jmp(v, SEL_TSS_B, 0, 32, 0x1239, &ev));
    assert_fault(ev, VEC_TS, SEL_DATA0);
    assert_int_equal(v->tr.sel, SEL_TSS_B);
    assert_int_equal(v->eip, 0x7000);
    assert_int_equal(rd32(v, FX_TSS_A + 32), 0x1239);
}

/* iret with NT = 1 whose back-link names a TSS that is not busy: #TS. */
static void test_iret_bad_backlink(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    tss_b_setup(v);
    wr16(v, FX_TSS_A + 0, SEL_TSS_B); /* B is available, not busy */
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_NT);
    assert_false(cpu_iret(v, 32, &ev));
    assert_fault(ev, VEC_TS, SEL_TSS_B);
    assert_int_equal(v->tr.sel, SEL_TSS_A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_jmp_tss),       FX_TEST(test_call_gate_and_iret_back), FX_TEST(test_idt_task_gate),
        FX_TEST(test_switch_faults), FX_TEST(test_fault_after_commit),      FX_TEST(test_iret_bad_backlink),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
