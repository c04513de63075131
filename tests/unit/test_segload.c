/*
 * test_segload.c: segment register loads (monitor/segload.c) and
 * segmented memory and stack accesses (monitor/segaccess.c), against
 * descriptor tables built in guest memory.
 */
#include "cpu_fixture.h"

/* A present, flat DPL-0 data segment loads into DS with its base, limit
 * and rights, and its accessed bit is set in the GDT. */
static void test_load_ds_sets_accessed(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    fx_set_gdt(v, SEL_FREE, mkdesc(0x123456, 0xabc, AB_DATA0, 0x4));
    assert_false(fx_accessed(v, SEL_FREE));
    assert_true(seg_load(v, SREG_DS, SEL_FREE, &ev));
    assert_true(fx_accessed(v, SEL_FREE));
    assert_int_equal(v->seg[SREG_DS].sel, SEL_FREE);
    assert_int_equal(v->seg[SREG_DS].base, 0x123456);
    assert_int_equal(v->seg_base[SREG_DS], 0x123456);
    assert_int_equal(v->seg[SREG_DS].limit, 0xabc);
    assert_int_equal(v->seg[SREG_DS].attr & 0xff, AB_DATA0 | SEG_ATTR_ACCESSED);
    assert_true(v->seg[SREG_DS].attr & SEG_ATTR_DB);
    /* G = 1 scales the limit to 4 KiB pages. */
    fx_set_gdt(v, SEL_FREE + 8, mkdesc(0, 0x2, AB_DATA0, 0xc));
    assert_true(seg_load(v, SREG_ES, SEL_FREE + 8, &ev));
    assert_int_equal(v->seg[SREG_ES].limit, 0x2fff);
}

/* Null selectors: fine for DS/ES/FS/GS (the register becomes unusable and
 * any access is #GP(0)), #GP(0) for SS. */
static void test_null_selectors(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    uint32_t x;
    assert_true(seg_load(v, SREG_FS, 0x0003, &ev));
    assert_true(v->seg[SREG_FS].attr & SEG_ATTR_UNUSABLE);
    assert_false(seg_read(v, SREG_FS, 0, &x, 4, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_false(seg_load(v, SREG_SS, 0, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_int_equal(v->seg[SREG_SS].sel, SEL_DATA0);
    /* mov cs does not exist. */
    assert_false(seg_load(v, SREG_CS, SEL_CODE0, &ev));
    assert_int_equal(ev.vector, VEC_UD);
}

/* SS: RPL = DPL = CPL, writable data, present (#SS), interrupt shadow. */
static void test_load_ss_checks(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    fx_set_gdt(v, 0x50, mkdesc(0, 0xfffff, 0x90, 0xc));          /* read-only data */
    fx_set_gdt(v, 0x58, mkdesc(0, 0xfffff, AB_DATA0 & 0x7f, 0xc)); /* not present */
    assert_false(seg_load(v, SREG_SS, SEL_DATA0 | 3, &ev));     /* RPL != CPL */
    assert_fault(ev, VEC_GP, SEL_DATA0);
    assert_false(seg_load(v, SREG_SS, SEL_DATA1 & ~3, &ev));    /* DPL != CPL */
    assert_fault(ev, VEC_GP, SEL_DATA1 & ~3);
    assert_false(seg_load(v, SREG_SS, 0x50, &ev));
    assert_fault(ev, VEC_GP, 0x50);
    assert_false(seg_load(v, SREG_SS, SEL_CODE0, &ev));
    assert_fault(ev, VEC_GP, SEL_CODE0);
    assert_false(seg_load(v, SREG_SS, 0x58, &ev));
    assert_fault(ev, VEC_SS, 0x58);
    assert_false(fx_accessed(v, 0x58));
    assert_int_equal(v->interrupt_shadow, 0);
    fx_set_gdt(v, 0x60, mkdesc(0x5000, 0xffff, AB_DATA0, 0x0));
    assert_true(seg_load(v, SREG_SS, 0x60, &ev));
    assert_int_equal(v->seg[SREG_SS].base, 0x5000);
    assert_int_equal(v->interrupt_shadow, 1);
    assert_true(fx_accessed(v, 0x60));
}

/* DS at CPL 3: privilege, type, present and table-limit checks, with the
 * selector (TI bit included, RPL dropped) as the error code. */
static void test_load_ds_checks(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    fx_enter_ring3(v);
    fx_set_gdt(v, 0x50, mkdesc(0, 0xfffff, 0xf8, 0xc));                /* execute-only code DPL3 */
    fx_set_gdt(v, 0x58, mkdesc(0, 0xfffff, 0x9e, 0xc));                /* conforming readable DPL0 */
    fx_set_gdt(v, 0x60, mkdesc(0, 0xfffff, AB_DATA3 & 0x7f, 0xc));     /* not present */
    fx_set_gdt(v, 0x68, mkdesc(0, 0xfffff, 0xd2, 0xc));                /* data DPL 2 */
    assert_false(seg_load(v, SREG_DS, SEL_DATA0 | 3, &ev));           /* CPL 3 > DPL 0 */
    assert_fault(ev, VEC_GP, SEL_DATA0);
    assert_false(seg_load(v, SREG_DS, 0x50 | 3, &ev));
    assert_fault(ev, VEC_GP, 0x50);
    assert_true(seg_load(v, SREG_DS, 0x58 | 3, &ev));                 /* conforming: any level */
    assert_int_equal(v->seg[SREG_DS].sel, 0x5b);
    assert_false(seg_load(v, SREG_DS, 0x60 | 3, &ev));
    assert_fault(ev, VEC_NP, 0x60);
    assert_false(seg_load(v, SREG_DS, SEL_TSS_B | 3, &ev));           /* system descriptor */
    assert_fault(ev, VEC_GP, SEL_TSS_B);
    assert_false(seg_load(v, SREG_DS, 0x400 | 3, &ev));               /* past the GDT limit */
    assert_fault(ev, VEC_GP, 0x400);
    assert_false(seg_load(v, SREG_DS, 0x0047, &ev));                  /* LDT entry 8: past its limit */
    assert_fault(ev, VEC_GP, 0x0044);
    v->cpl = 2;
    assert_false(seg_load(v, SREG_DS, 0x68 | 3, &ev));                /* RPL 3 > DPL 2 */
    assert_fault(ev, VEC_GP, 0x68);
    assert_true(seg_load(v, SREG_DS, 0x68 | 2, &ev));
    /* An LDT data segment. */
    fx_set_ldt(v, 0x08, mkdesc(0x7000, 0xff, AB_DATA3, 0x4));
    v->cpl = 3;
    assert_true(seg_load(v, SREG_GS, 0x000f, &ev));
    assert_int_equal(v->seg[SREG_GS].base, 0x7000);
    assert_true((rd64(v, FX_LDT + 8) >> 40) & 1);
}

/* Limit checks: expand-up, expand-down with B = 0 and B = 1; #SS(0) for SS. */
static void test_limits(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    uint32_t lin;
    fx_set_gdt(v, 0x50, mkdesc(0x10000, 0xfff, AB_DATA0, 0x4));
    fx_set_gdt(v, 0x58, mkdesc(0x10000, 0xfff, 0x96, 0x0)); /* expand-down, B = 0 */
    fx_set_gdt(v, 0x60, mkdesc(0x10000, 0xfff, 0x96, 0x4)); /* expand-down, B = 1 */
    assert_true(seg_load(v, SREG_DS, 0x50, &ev));
    assert_true(seg_linear(v, SREG_DS, 0xffc, 4, false, &lin, &ev));
    assert_int_equal(lin, 0x10ffc);
    assert_false(seg_linear(v, SREG_DS, 0xffd, 4, false, &lin, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_true(seg_load(v, SREG_ES, 0x58, &ev));
    assert_false(seg_linear(v, SREG_ES, 0xfff, 1, false, &lin, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_true(seg_linear(v, SREG_ES, 0x1000, 4, true, &lin, &ev));
    assert_true(seg_linear(v, SREG_ES, 0xfffc, 4, true, &lin, &ev));
    assert_false(seg_linear(v, SREG_ES, 0xfffe, 4, true, &lin, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_true(seg_load(v, SREG_SS, 0x60, &ev));
    assert_true(seg_linear(v, SREG_SS, 0xfffe, 4, true, &lin, &ev));
    assert_true(seg_linear(v, SREG_SS, 0xfffffffc, 4, true, &lin, &ev));
    assert_false(seg_linear(v, SREG_SS, 0x800, 4, true, &lin, &ev));
    assert_fault(ev, VEC_SS, 0);
}

/* Type checks: no read from execute-only code, no write to code or
 * read-only data; reads from readable code are fine. */
static void test_types(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    uint32_t x = 0x11223344;
    fx_set_gdt(v, 0x50, mkdesc(0, 0xfffff, 0x98, 0xc)); /* execute-only code */
    fx_set_gdt(v, 0x58, mkdesc(0, 0xfffff, 0x90, 0xc)); /* read-only data */
    fx_load(v, SREG_CS, 0x50);
    assert_false(seg_read(v, SREG_CS, 0x100, &x, 4, &ev));
    assert_fault(ev, VEC_GP, 0);
    fx_load(v, SREG_CS, SEL_CODE0);
    assert_false(seg_write(v, SREG_CS, 0x100, &x, 4, &ev));
    assert_fault(ev, VEC_GP, 0);
    wr32(v, 0x100, 0xcafef00d);
    assert_true(seg_read(v, SREG_CS, 0x100, &x, 4, &ev));
    assert_int_equal(x, 0xcafef00d);
    assert_true(seg_load(v, SREG_FS, 0x58, &ev));
    assert_true(seg_read(v, SREG_FS, 0x100, &x, 4, &ev));
    assert_false(seg_write(v, SREG_FS, 0x100, &x, 4, &ev));
    assert_fault(ev, VEC_GP, 0);
    x = 0x55667788;
    assert_true(seg_write(v, SREG_DS, 0x104, &x, 4, &ev));
    assert_int_equal(rd32(v, 0x104), 0x55667788);
}

/* A 16-bit stack (SS.B = 0) moves only SP and wraps at 64 KiB; ESP's
 * upper half stays.  A 32-bit stack moves ESP. */
static void test_stack_16_and_32(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    uint32_t x;
    fx_set_gdt(v, 0x50, mkdesc(0x40000, 0xffff, AB_DATA0, 0x0));
    assert_true(seg_load(v, SREG_SS, 0x50, &ev));
    v->gpr[GPR_ESP] = 0xabcd0000;
    assert_true(stack_push(v, 0xbeef, 2, &ev));
    assert_int_equal(v->gpr[GPR_ESP], 0xabcdfffe);
    assert_int_equal(rd16(v, 0x4fffe), 0xbeef);
    assert_true(stack_pop(v, &x, 2, &ev));
    assert_int_equal(x, 0xbeef);
    assert_int_equal(v->gpr[GPR_ESP], 0xabcd0000);
    fx_load(v, SREG_SS, SEL_DATA0);
    v->gpr[GPR_ESP] = 0x8000;
    assert_true(stack_push(v, 0x12345678, 4, &ev));
    assert_int_equal(v->gpr[GPR_ESP], 0x7ffc);
    assert_int_equal(rd32(v, 0x7ffc), 0x12345678);
    /* A push past the limit is #SS(0) and leaves ESP alone. */
    fx_set_gdt(v, 0x58, mkdesc(0x40000, 0xfff, AB_DATA0, 0x4));
    assert_true(seg_load(v, SREG_SS, 0x58, &ev));
    v->gpr[GPR_ESP] = 0x1002;
    assert_false(stack_push(v, 1, 4, &ev));
    assert_fault(ev, VEC_SS, 0);
    assert_int_equal(v->gpr[GPR_ESP], 0x1002);
}

/* Real mode: base = selector * 16, no descriptor access. */
static void test_real_mode_load(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    v->cr0 = CR0_ET;
    assert_true(seg_load(v, SREG_DS, 0x1234, &ev));
    assert_int_equal(v->seg[SREG_DS].base, 0x12340);
    assert_int_equal(v->seg_base[SREG_DS], 0x12340);
}

/* CR0 consistency checks. */
static void test_cr0(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev = { 0 };
    assert_false(cpu_write_cr0(v, CR0_PG, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_false(cpu_write_cr0(v, CR0_PE | CR0_NW, &ev));
    assert_fault(ev, VEC_GP, 0);
    assert_true(cpu_write_cr0(v, CR0_PE | CR0_TS | 0x100, &ev));
    assert_int_equal(v->cr0, CR0_PE | CR0_TS | CR0_ET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_load_ds_sets_accessed), FX_TEST(test_null_selectors), FX_TEST(test_load_ss_checks),
        FX_TEST(test_load_ds_checks),        FX_TEST(test_limits),         FX_TEST(test_types),
        FX_TEST(test_stack_16_and_32),       FX_TEST(test_real_mode_load), FX_TEST(test_cr0),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
