/*
 * test_farxfer.c: far jmp, far call (direct and through call gates), far
 * ret and iret (monitor/farxfer.c, monitor/iret.c).
 */
#include "cpu_fixture.h"

enum {
    SEL_CONF0 = 0x50,   /* conforming readable code, DPL 0 */
    SEL_NP_CODE = 0x58, /* not-present code, DPL 0 */
    SEL_SMALL = 0x60,   /* code DPL 0, limit 0xfff */
    SEL_GATE32 = 0x68,  /* 32-bit call gate DPL 3 → SEL_CODE0:0x5000, 2 params */
    SEL_GATE16 = 0x70,  /* 16-bit call gate DPL 3 → SEL_CODE0:0x6000, 1 param */
    SEL_GATE_D0 = 0x78, /* 32-bit call gate DPL 0 */
    SEL_GATE_NP = 0x80, /* not-present call gate DPL 3 */
    SEL_BAD_SS = 0x88,  /* data DPL 3: wrong as a ring-0 stack */
    SEL_NP_SS = 0x90,   /* not-present data DPL 0 */
};

static void far_tables(struct vcpu *v)
{
    fx_set_gdt(v, SEL_CONF0, mkdesc(0, 0xfffff, 0x9e, 0xc));
    fx_set_gdt(v, SEL_NP_CODE, mkdesc(0, 0xfffff, AB_CODE0 & 0x7f, 0xc));
    fx_set_gdt(v, SEL_SMALL, mkdesc(0, 0xfff, AB_CODE0, 0x4));
    fx_set_gdt(v, SEL_GATE32, mkgate(SEL_CODE0, 0x5000, SYS_CALLGATE32, 3, true, 2));
    fx_set_gdt(v, SEL_GATE16, mkgate(SEL_CODE0, 0x6000, SYS_CALLGATE16, 3, true, 1));
    fx_set_gdt(v, SEL_GATE_D0, mkgate(SEL_CODE0, 0x5000, SYS_CALLGATE32, 0, true, 0));
    fx_set_gdt(v, SEL_GATE_NP, mkgate(SEL_CODE0, 0x5000, SYS_CALLGATE32, 3, false, 0));
    fx_set_gdt(v, SEL_BAD_SS, mkdesc(0, 0xfffff, AB_DATA3, 0xc));
    fx_set_gdt(v, SEL_NP_SS, mkdesc(0, 0xfffff, AB_DATA0 & 0x7f, 0xc));
}

/* jmp to a non-conforming code segment: RPL/DPL rules, #NP, the EIP
 * limit, the accessed bit. */
static void test_jmp_code(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    assert_false(far_jmp(v, SEL_CODE0 | 3, 0x100, 32, 0x1239, &ev)); /* RPL 3 > CPL 0 */
    assert_fault(ev, VEC_GP, SEL_CODE0);
    assert_false(far_jmp(v, SEL_CODE3, 0x100, 32, 0x1239, &ev));     /* DPL 3 != CPL 0 */
    assert_fault(ev, VEC_GP, SEL_CODE3 & ~3);
    assert_false(far_jmp(v, SEL_NP_CODE, 0x100, 32, 0x1239, &ev));
    assert_fault(ev, VEC_NP, SEL_NP_CODE);
    assert_false(far_jmp(v, SEL_SMALL, 0x1000, 32, 0x1239, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_false(far_jmp(v, SEL_DATA0, 0x100, 32, 0x1239, &ev));
    assert_fault(ev, VEC_GP, SEL_DATA0);
    assert_false(far_jmp(v, 0, 0x100, 32, 0x1239, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_int_equal(v->eip, 0x1234);
    assert_true(far_jmp(v, SEL_SMALL, 0x100ff0, 16, 0x1239, &ev)); /* 16-bit offset */
    assert_int_equal(v->eip, 0x0ff0);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_SMALL);
    assert_int_equal(v->seg[SREG_CS].limit, 0xfff);
    assert_true(fx_accessed(v, SEL_SMALL));
}

/* A conforming segment runs at the caller's CPL: CS.RPL stays 3. */
static void test_jmp_conforming(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    fx_enter_ring3(v);
    assert_true(far_jmp(v, SEL_CONF0, 0x2000, 32, 0, &ev));
    assert_int_equal(v->cpl, 3);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CONF0 | 3);
    assert_int_equal(v->eip, 0x2000);
    /* jmp through a gate to a non-conforming inner segment is #GP(code sel). */
    assert_false(far_jmp(v, SEL_GATE32 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_GP, SEL_CODE0);
}

/* A same-level far call pushes CS and the return EIP. */
static void test_call_same_level(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    assert_true(far_call(v, SEL_SMALL, 0x800, 32, 0x1239, &ev));
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 8);
    assert_int_equal(rd32(v, FX_STACK0 - 4), SEL_CODE0);
    assert_int_equal(rd32(v, FX_STACK0 - 8), 0x1239);
    assert_int_equal(v->eip, 0x800);
    /* ... and retf comes back. */
    assert_true(far_ret(v, 32, 0, &ev));
    assert_int_equal(v->eip, 0x1239);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE0);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0);
    /* 16-bit call: 2-byte slots. */
    assert_true(far_call(v, SEL_SMALL, 0x10, 16, 0x4321, &ev));
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4);
    assert_int_equal(rd16(v, FX_STACK0 - 2), SEL_CODE0);
    assert_int_equal(rd16(v, FX_STACK0 - 4), 0x4321);
}

/* Call gate from ring 3 to ring 0 with two dword parameters: the new stack
 * comes from TSS.ss0/esp0 and holds SS, ESP, param1, param2, CS, EIP. */
static void test_call_gate_inner32(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    fx_enter_ring3(v);
    v->gpr[GPR_ESP] = FX_STACK3 - 8;
    wr32(v, FX_STACK3 - 4, 0xaaaa1111); /* param 1, pushed first by the caller */
    wr32(v, FX_STACK3 - 8, 0xbbbb2222); /* param 2 */
    assert_true(far_call(v, SEL_GATE32 | 3, 0xdeadbeef, 32, 0x40001000, &ev));
    assert_int_equal(v->cpl, 0);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE0);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA0);
    assert_int_equal(v->eip, 0x5000); /* the gate's offset, not the instruction's */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 24);
    static const uint8_t expect[24] = {
        0x00, 0x10, 0x00, 0x40, /* EIP 0x40001000 */
        0x1b, 0x00, 0x00, 0x00, /* CS 0x1b */
        0x22, 0x22, 0xbb, 0xbb, /* param 2 */
        0x11, 0x11, 0xaa, 0xaa, /* param 1 */
        0xf8, 0xff, 0x01, 0x00, /* ESP 0x1fff8 */
        0x23, 0x00, 0x00, 0x00, /* SS 0x23 */
    };
    assert_memory_equal(fx_mem(v, FX_STACK0 - 24, 24), expect, 24);
    assert_true(fx_accessed(v, SEL_CODE0));
}

/* The same through a 16-bit gate with one word parameter. */
static void test_call_gate_inner16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    fx_enter_ring3(v);
    v->gpr[GPR_ESP] = FX_STACK3 - 2;
    wr16(v, FX_STACK3 - 2, 0x7777);
    assert_true(far_call(v, SEL_GATE16 | 3, 0, 16, 0x1239, &ev));
    assert_int_equal(v->eip, 0x6000);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 10);
    static const uint8_t expect[10] = { 0x39, 0x12, 0x1b, 0x00, 0x77, 0x77, 0xfe, 0xff, 0x23, 0x00 };
    assert_memory_equal(fx_mem(v, FX_STACK0 - 10, 10), expect, 10);
}

/* Call gate faults: gate DPL, gate present, the TSS stack checks. */
static void test_call_gate_faults(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    fx_enter_ring3(v);
    assert_false(far_call(v, SEL_GATE_D0 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_GP, SEL_GATE_D0);
    assert_false(far_call(v, SEL_GATE_NP | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_NP, SEL_GATE_NP);
    fx_tss_stack(v, FX_TSS_A, 0, SEL_BAD_SS, FX_STACK0);
    assert_false(far_call(v, SEL_GATE32 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_TS, SEL_BAD_SS);
    fx_tss_stack(v, FX_TSS_A, 0, SEL_NP_SS, FX_STACK0);
    assert_false(far_call(v, SEL_GATE32 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_SS, SEL_NP_SS);
    /* No room for the 24-byte frame on the new stack: #SS(new SS). */
    fx_set_gdt(v, 0x98, mkdesc(0x8000, 0xfff, AB_DATA0, 0x4));
    fx_tss_stack(v, FX_TSS_A, 0, 0x98, 0x10);
    assert_false(far_call(v, SEL_GATE32 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_SS, 0x98);
    /* A TSS too short to hold ESP0/SS0 is #TS(TSS selector). */
    v->tr.limit = 8;
    assert_false(far_call(v, SEL_GATE32 | 3, 0, 32, 0, &ev));
    assert_fault(ev, VEC_TS, SEL_TSS_A);
    /* Nothing changed. */
    assert_int_equal(v->cpl, 3);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA3);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK3);
}

/* retf 8 from ring 0 to ring 3: pops EIP, CS, releases the parameters,
 * pops ESP, SS, and nulls DS (DPL 0) while ES (DPL 3) and FS (conforming
 * code) stay. */
static void test_ret_outer_revalidates(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    uint32_t sp = FX_STACK0 - 24;
    wr32(v, sp + 0, 0x40001000);
    wr32(v, sp + 4, SEL_CODE3);
    wr32(v, sp + 16, FX_STACK3 - 8);
    wr32(v, sp + 20, SEL_DATA3);
    v->gpr[GPR_ESP] = sp;
    fx_load(v, SREG_ES, SEL_DATA3);
    fx_load(v, SREG_FS, SEL_CONF0);
    assert_true(far_ret(v, 32, 8, &ev));
    assert_int_equal(v->cpl, 3);
    assert_int_equal(v->eip, 0x40001000);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE3);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA3);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK3); /* + 8 bytes of parameters */
    assert_true(v->seg[SREG_DS].attr & SEG_ATTR_UNUSABLE);
    assert_int_equal(v->seg[SREG_DS].sel, 0);
    assert_true(v->seg[SREG_GS].attr & SEG_ATTR_UNUSABLE);
    assert_false(v->seg[SREG_ES].attr & SEG_ATTR_UNUSABLE);
    assert_int_equal(v->seg[SREG_FS].sel, SEL_CONF0);
    assert_false(v->seg[SREG_FS].attr & SEG_ATTR_UNUSABLE);
}

/* Return faults: to an inner level, bad outer SS. */
static void test_ret_faults(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    far_tables(v);
    fx_enter_ring3(v);
    v->gpr[GPR_ESP] = FX_STACK3 - 8;
    wr32(v, FX_STACK3 - 8, 0x100);
    wr32(v, FX_STACK3 - 4, SEL_CODE0);
    assert_false(far_ret(v, 32, 0, &ev));        /* RPL 0 < CPL 3 */
    assert_fault(ev, VEC_GP, SEL_CODE0);
    fx_reset(fx_vm(state));
    far_tables(v);
    v->gpr[GPR_ESP] = FX_STACK0 - 16;
    wr32(v, FX_STACK0 - 16, 0x100);
    wr32(v, FX_STACK0 - 12, SEL_CODE3);
    wr32(v, FX_STACK0 - 8, FX_STACK3);
    wr32(v, FX_STACK0 - 4, SEL_DATA1);          /* RPL 1 != 3 */
    assert_false(far_ret(v, 32, 0, &ev));
    assert_fault(ev, VEC_GP, SEL_DATA1 & ~3);
    wr32(v, FX_STACK0 - 4, 0);
    assert_false(far_ret(v, 32, 0, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_int_equal(v->cpl, 0);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 16);
}

/* iret at CPL 0 to CPL 3: SS:ESP popped, EFLAGS fully loaded (IOPL too),
 * DS nulled. */
static void test_iret_outer(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    uint32_t sp = FX_STACK0 - 20;
    wr32(v, sp + 0, 0x8000);
    wr32(v, sp + 4, SEL_CODE3);
    wr32(v, sp + 8, EFLAGS_IF | EFLAGS_IOPL | EFLAGS_CF | EFLAGS_FIXED);
    wr32(v, sp + 12, 0x1fff0);
    wr32(v, sp + 16, SEL_DATA3);
    v->gpr[GPR_ESP] = sp;
    assert_true(cpu_iret(v, 32, &ev));
    assert_int_equal(v->cpl, 3);
    assert_int_equal(v->eip, 0x8000);
    assert_int_equal(v->gpr[GPR_ESP], 0x1fff0);
    assert_int_equal(v->if_mask, EFLAGS_IF);
    assert_int_equal(vcpu_iopl(v), 3);
    assert_true(v->eflags & EFLAGS_CF);
    assert_true(v->seg[SREG_DS].attr & SEG_ATTR_UNUSABLE);
}

/* iret at the same level: IF changes only if CPL <= IOPL, IOPL only at
 * CPL 0; VM = 1 (virtual-8086) is refused with #GP(0). */
static void test_iret_flags(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    fx_enter_ring3(v);
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_IF); /* IOPL 0 */
    uint32_t sp = FX_STACK3 - 12;
    wr32(v, sp + 0, 0x9000);
    wr32(v, sp + 4, SEL_CODE3);
    wr32(v, sp + 8, EFLAGS_IOPL | EFLAGS_ZF | EFLAGS_FIXED); /* IF = 0 */
    v->gpr[GPR_ESP] = sp;
    assert_true(cpu_iret(v, 32, &ev));
    assert_int_equal(v->if_mask, EFLAGS_IF); /* CPL 3 > IOPL 0: IF kept */
    assert_int_equal(vcpu_iopl(v), 0);       /* not CPL 0: IOPL kept */
    assert_true(v->eflags & EFLAGS_ZF);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK3);
    /* At CPL 0 with VM = 1 in the image. */
    fx_reset(fx_vm(state));
    sp = FX_STACK0 - 12;
    wr32(v, sp + 0, 0x9000);
    wr32(v, sp + 4, SEL_CODE3);
    wr32(v, sp + 8, EFLAGS_VM | EFLAGS_FIXED);
    v->gpr[GPR_ESP] = sp;
    assert_false(cpu_iret(v, 32, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_int_equal(v->cpl, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_jmp_code),          FX_TEST(test_jmp_conforming),        FX_TEST(test_call_same_level),
        FX_TEST(test_call_gate_inner32), FX_TEST(test_call_gate_inner16),     FX_TEST(test_call_gate_faults),
        FX_TEST(test_ret_outer_revalidates), FX_TEST(test_ret_faults),        FX_TEST(test_iret_outer),
        FX_TEST(test_iret_flags),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
