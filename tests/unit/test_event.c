/*
 * test_event.c: exception and interrupt delivery through the IDT
 * (monitor/event.c): gate types, frames, privilege change, error codes
 * with the EXT and IDT bits, #DF escalation and triple fault, and the
 * real-mode interrupt vector table.
 */
#include "cpu_fixture.h"

#define H(vec) (0x10000u + (vec) * 0x10u) /* handler address of a vector */

/* 32-bit interrupt gates to ring 0 for the exception vectors, a DPL-3 trap
 * gate for int 0x80 and a DPL-0 interrupt gate for 0x81. */
static void idt_setup(struct vcpu *v)
{
    for (unsigned vec = 0; vec < 32; vec++)
        fx_set_idt(v, vec, mkgate(SEL_CODE0, H(vec), SYS_INTGATE32, 0, true, 0));
    fx_set_idt(v, 0x80, mkgate(SEL_CODE0, H(0x80), SYS_TRAPGATE32, 3, true, 0));
    fx_set_idt(v, 0x81, mkgate(SEL_CODE0, H(0x81), SYS_INTGATE32, 0, true, 0));
}

/* #GP(0x10) at CPL 0 through an interrupt gate: EFLAGS, CS, EIP and the
 * error code on the same stack; IF and TF cleared. */
static void test_same_level_interrupt_gate(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_TF | EFLAGS_CF);
    struct event ev = event_gp(0x10);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_GP));
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 16);
    assert_int_equal(rd32(v, FX_STACK0 - 4), EFLAGS_FIXED | EFLAGS_IF | EFLAGS_TF | EFLAGS_CF);
    assert_int_equal(rd32(v, FX_STACK0 - 8), SEL_CODE0);
    assert_int_equal(rd32(v, FX_STACK0 - 12), 0x1234);
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0x10);
    assert_int_equal(v->if_mask, 0);
    assert_false(v->eflags & EFLAGS_TF);
    assert_true(v->eflags & EFLAGS_CF);
    assert_int_equal(v->vm->stats.ev_exceptions, 1);
}

/* A trap gate leaves IF alone; an interrupt gate clears it. */
static void test_trap_gate_keeps_if(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_IF);
    struct event ev = { .kind = EV_SOFT_INT, .vector = 0x80 };
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(0x80));
    assert_int_equal(v->if_mask, EFLAGS_IF);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 12);
    assert_int_equal(v->vm->stats.ev_soft_ints, 1);
    ev.vector = 0x81;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(0x81));
    assert_int_equal(v->if_mask, 0);
}

/* From CPL 3: the handler's stack comes from TSS.ss0/esp0 and holds SS,
 * ESP, EFLAGS, CS, EIP and the error code. */
static void test_privilege_change_frame(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_enter_ring3(v);
    v->gpr[GPR_ESP] = 0x1ff00;
    v->eip = 0x8048000;
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_NT);
    struct event ev = event_fault(VEC_PF, true, PFEC_U | PFEC_W);
    ev.cr2 = 0xc0001234;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->cpl, 0);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE0);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA0);
    assert_int_equal(v->eip, H(VEC_PF));
    assert_int_equal(v->cr2, 0xc0001234);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 24);
    static const uint32_t expect[6] = { PFEC_U | PFEC_W, 0x8048000, SEL_CODE3,
                                        EFLAGS_FIXED | EFLAGS_IF | EFLAGS_NT, 0x1ff00, SEL_DATA3 };
    for (int i = 0; i < 6; i++)
        assert_int_equal(rd32(v, FX_STACK0 - 24 + 4 * i), expect[i]);
    assert_false(v->eflags & EFLAGS_NT);
}

/* int n checks the gate DPL against CPL: int 0x81 (DPL 0) from CPL 3 is
 * #GP(0x81 * 8 + 2) without EXT; int 0x80 (DPL 3) works.  A hardware
 * interrupt ignores the gate DPL. */
static void test_int_n_dpl_check(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_enter_ring3(v);
    struct event ev = { .kind = EV_SOFT_INT, .vector = 0x81 };
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_GP));
    assert_int_equal(rd32(v, FX_STACK0 - 24), 0x81 * 8 + 2);
    assert_int_equal(v->vm->stats.ev_double_faults, 0);
    fx_enter_ring3(v);
    ev.vector = 0x80;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(0x80));
    assert_int_equal(v->cpl, 0);
    fx_enter_ring3(v);
    ev.kind = EV_EXTERNAL;
    ev.vector = 0x81;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(0x81));
}

/* Error codes with the IDT and EXT bits: a hardware interrupt past the IDT
 * limit is #GP(vec * 8 + 2 + 1); a not-present gate is #NP(vec * 8 + 2 + 1);
 * a call gate in the IDT is #GP(vec * 8 + 2 + 1); a not-present handler
 * code segment is #NP(sel + 1). */
static void test_idt_error_codes(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    v->idtr.limit = 0x40 * 8 - 1;
    struct event ev = { .kind = EV_EXTERNAL, .vector = 0x40 };
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_GP));
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0x40 * 8 + 3);

    fx_reset(fx_vm(state));
    idt_setup(v);
    fx_set_idt(v, 0x30, mkgate(SEL_CODE0, 0, SYS_INTGATE32, 0, false, 0));
    ev.vector = 0x30;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_NP));
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0x30 * 8 + 3);

    fx_reset(fx_vm(state));
    idt_setup(v);
    fx_set_idt(v, 0x31, mkgate(SEL_CODE0, 0, SYS_CALLGATE32, 0, true, 0));
    ev.vector = 0x31;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_GP));
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0x31 * 8 + 3);

    fx_reset(fx_vm(state));
    idt_setup(v);
    fx_set_gdt(v, 0x50, mkdesc(0, 0xfffff, AB_CODE0 & 0x7f, 0xc));
    fx_set_idt(v, 0x32, mkgate(0x50, 0, SYS_INTGATE32, 0, true, 0));
    ev.vector = 0x32;
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_NP));
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0x50 | 1);
}

/* 16-bit interrupt gate: 2-byte EFLAGS, CS, IP and error code. */
static void test_gate16_frame(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_set_idt(v, VEC_TS, mkgate(SEL_CODE0, 0x12345678, SYS_INTGATE16, 0, true, 0));
    struct event ev = event_fault(VEC_TS, true, 0x28);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, 0x5678);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 8);
    assert_int_equal(rd16(v, FX_STACK0 - 2), EFLAGS_FIXED);
    assert_int_equal(rd16(v, FX_STACK0 - 4), SEL_CODE0);
    assert_int_equal(rd16(v, FX_STACK0 - 6), 0x1234);
    assert_int_equal(rd16(v, FX_STACK0 - 8), 0x28);
}

/* Contributory then contributory: #GP whose gate is missing raises #NP,
 * which becomes #DF(0) (Table 6-5). */
static void test_double_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_set_idt(v, VEC_GP, mkgate(SEL_CODE0, H(VEC_GP), SYS_INTGATE32, 0, false, 0));
    struct event ev = event_gp(0);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_DF));
    assert_int_equal(rd32(v, FX_STACK0 - 16), 0);
    assert_int_equal(rd32(v, FX_STACK0 - 12), 0x1234);
    assert_int_equal(v->vm->stats.ev_double_faults, 1);
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    /* Page fault then page-fault handler missing (#NP, contributory): #DF. */
    fx_reset(fx_vm(state));
    idt_setup(v);
    fx_set_idt(v, VEC_PF, mkgate(SEL_CODE0, 0, SYS_INTGATE32, 0, false, 0));
    ev = event_fault(VEC_PF, true, 0);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_DF));
}

/* Benign first: #UD whose gate is missing is handled serially as
 * #NP(6 * 8 + 2 + 1), no #DF.  Contributory then page fault is serial too
 * (not testable without paging; the class table is exercised above). */
static void test_benign_serial(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_set_idt(v, VEC_UD, mkgate(SEL_CODE0, 0, SYS_INTGATE32, 0, false, 0));
    struct event ev = event_ud();
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->eip, H(VEC_NP));
    assert_int_equal(rd32(v, FX_STACK0 - 16), VEC_UD * 8 + 3);
    assert_int_equal(v->vm->stats.ev_double_faults, 0);
}

/* A fault while delivering #DF shuts the machine down. */
static void test_triple_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_set_idt(v, VEC_GP, mkgate(SEL_CODE0, 0, SYS_INTGATE32, 0, false, 0));
    fx_set_idt(v, VEC_DF, mkgate(SEL_CODE0, 0, SYS_INTGATE32, 0, false, 0));
    struct event ev = event_gp(0);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->vm->exit_reason, VMEXIT_TRIPLE_FAULT);
    assert_int_equal(v->vm->exit_status, EXIT_STATUS_GUEST_FAILED);
    assert_non_null(strstr(v->vm->exit_message, "triple fault"));
    assert_non_null(strstr(v->vm->exit_message, "0x1234"));
    /* The guest state is the faulting one: nothing was pushed. */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0);
}

/* A ring-3 fault with no usable ring-0 stack in the TSS: #TS(ss sel | EXT)
 * (contributory after contributory → #DF, whose gate is a task-less
 * interrupt gate needing the same stack → triple fault). */
static void test_bad_tss_stack(void **state)
{
    struct vcpu *v = fx_cpu(state);
    idt_setup(v);
    fx_enter_ring3(v);
    fx_tss_stack(v, FX_TSS_A, 0, SEL_DATA3, FX_STACK0);
    struct event ev = event_gp(0);
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->vm->exit_reason, VMEXIT_TRIPLE_FAULT);
    assert_non_null(strstr(v->vm->exit_message, "#TS"));
    assert_int_equal(v->cpl, 3);
}

/* Real-address mode: 64 KiB segments with base = selector << 4. */
static void fx_enter_real_mode(struct vcpu *v, uint16_t cs, uint16_t ss, uint16_t sp)
{
    v->cr0 = CR0_ET;
    struct seg_cache c = { .sel = cs, .base = (uint32_t)cs << 4, .limit = 0xffff,
                           .attr = SEG_ATTR_CODE | SEG_ATTR_RW | SEG_ATTR_P | SEG_ATTR_S };
    vcpu_set_seg(v, SREG_CS, c);
    c = (struct seg_cache){ .sel = ss, .base = (uint32_t)ss << 4, .limit = 0xffff,
                            .attr = SEG_ATTR_RW | SEG_ATTR_P | SEG_ATTR_S };
    vcpu_set_seg(v, SREG_SS, c);
    v->gpr[GPR_ESP] = 0xabcd0000u | sp; /* the upper half must stay */
    v->idtr = (struct dtr){ .base = 0, .limit = 0x3ff };
}

/* An interrupt in real mode goes through the IVT at IDTR.base (SDM Vol. 3A
 * §20.1.4): FLAGS, CS and IP pushed on SS:SP, no error code, IF, TF and AC
 * cleared, CS:IP from the 4-byte entry (offset, then segment). */
static void test_real_mode_ivt(void **state)
{
    struct vcpu *v = fx_cpu(state);
    fx_enter_real_mode(v, 0x1000, 0x2000, 0x0100);
    v->eip = 0x0456;
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_TF | EFLAGS_AC | EFLAGS_CF);
    wr16(v, 0x08 * 4, 0x0123);     /* vector 08h: F000:0123 */
    wr16(v, 0x08 * 4 + 2, 0xf000);
    struct event ev = { .kind = EV_EXTERNAL, .vector = 8 };
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    assert_int_equal(v->seg[SREG_CS].sel, 0xf000);
    assert_int_equal(v->seg[SREG_CS].base, 0xf0000);
    assert_int_equal(v->eip, 0x0123);
    assert_int_equal(v->gpr[GPR_ESP], 0xabcd00fau);
    assert_int_equal(rd16(v, 0x20000 + 0xfe), EFLAGS_FIXED | EFLAGS_IF | EFLAGS_TF | EFLAGS_CF);
    assert_int_equal(rd16(v, 0x20000 + 0xfc), 0x1000);
    assert_int_equal(rd16(v, 0x20000 + 0xfa), 0x0456);
    assert_int_equal(v->if_mask, 0);
    assert_false(v->eflags & (EFLAGS_TF | EFLAGS_AC));
    assert_true(v->eflags & EFLAGS_CF);
}

/* int n in real mode: the pushed IP is the next instruction's; only SP
 * moves, the upper half of ESP stays. */
static void test_real_mode_soft_int_frame(void **state)
{
    struct vcpu *v = fx_cpu(state);
    fx_enter_real_mode(v, 0x0000, 0x3000, 0x0010);
    v->eip = 0x7c02; /* already past int 21h */
    wr16(v, 0x21 * 4, 0x0040);
    wr16(v, 0x21 * 4 + 2, 0x0070);
    struct event ev = { .kind = EV_SOFT_INT, .vector = 0x21, .insn_len = 2 };
    cpu_deliver_event(v, &ev);
    assert_int_equal(v->seg[SREG_CS].base, 0x700);
    assert_int_equal(v->eip, 0x40);
    assert_int_equal(v->gpr[GPR_ESP], 0xabcd000au);
    assert_int_equal(rd16(v, 0x30000 + 0x0c), 0x0000); /* CS */
    assert_int_equal(rd16(v, 0x30000 + 0x0a), 0x7c02); /* IP */
    assert_int_equal(v->vm->stats.ev_soft_ints, 1);
}

/* A vector whose entry lies beyond the IVT limit is #GP, and a #GP whose
 * entry is beyond it too becomes #DF; one more fault shuts down. */
static void test_real_mode_ivt_limit(void **state)
{
    struct vcpu *v = fx_cpu(state);
    fx_enter_real_mode(v, 0x1000, 0x2000, 0x0100);
    v->idtr.limit = 9 * 4 - 1; /* vectors 0-8 only */
    wr16(v, VEC_DF * 4, 0x0800);
    wr16(v, VEC_DF * 4 + 2, 0x0000);
    struct event ev = { .kind = EV_SOFT_INT, .vector = 0x30, .insn_len = 2 };
    v->eip = 0x0012;
    cpu_deliver_event(v, &ev); /* #GP (vector 13, beyond the limit) → #DF (vector 8) */
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    assert_int_equal(v->eip, 0x0800);
    assert_int_equal(rd16(v, 0x20000 + 0xfa), 0x0010); /* the fault is on the int instruction */
    v->idtr.limit = 3;
    struct event gp = event_gp(0);
    cpu_deliver_event(v, &gp);
    assert_int_equal(v->vm->exit_reason, VMEXIT_TRIPLE_FAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_same_level_interrupt_gate), FX_TEST(test_trap_gate_keeps_if),
        FX_TEST(test_privilege_change_frame),    FX_TEST(test_int_n_dpl_check),
        FX_TEST(test_idt_error_codes),           FX_TEST(test_gate16_frame),
        FX_TEST(test_double_fault),              FX_TEST(test_benign_serial),
        FX_TEST(test_triple_fault),              FX_TEST(test_bad_tss_stack),
        FX_TEST(test_real_mode_ivt),             FX_TEST(test_real_mode_soft_int_frame),
        FX_TEST(test_real_mode_ivt_limit),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
