/*
 * test_emulate_flags.c: cli, sti, pushf, popf and iret on the virtual
 * EFLAGS, each privilege rule per CPL and IOPL, and the privileged
 * instructions that must raise #GP(0) outside ring 0 without changing
 * anything.
 */
#include "emu_fixture.h"

/* Every defined EFLAGS bit (SDM Vol. 1 Figure 3-8). */
#define ALL_DEFINED 0x003f7fd5u

static void set_iopl(struct vcpu *v, unsigned iopl)
{
    vcpu_set_eflags(v, (vcpu_get_eflags(v) & ~EFLAGS_IOPL) | (iopl << EFLAGS_IOPL_SHIFT));
}

/* cli/sti fault exactly when CPL > IOPL, and then change nothing. */
static void test_cli_sti_iopl_matrix(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    for (unsigned cpl = 0; cpl < 4; cpl++) {
        for (unsigned iopl = 0; iopl < 4; iopl++) {
            fx_reset(v->vm);
            v->cpl = (uint8_t)cpl;
            set_iopl(v, iopl);
            v->if_mask = EFLAGS_IF;
            if (cpl > iopl) {
                assert_emu_fault(v, ev, VEC_GP, 0, 0xfa);
                assert_int_equal(v->if_mask, EFLAGS_IF);
                v->if_mask = 0;
                assert_emu_fault(v, ev, VEC_GP, 0, 0xfb);
                assert_int_equal(v->if_mask, 0);
            } else {
                assert_emu_next(v, ev, 1, 0xfa);
                assert_int_equal(v->if_mask, 0);
                assert_emu_next(v, ev, 1, 0xfb);
                assert_int_equal(v->if_mask, EFLAGS_IF);
            }
        }
    }
}

/* sti opens a one-instruction interrupt shadow only when it sets IF. */
static void test_sti_shadow(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->if_mask = 0;
    assert_emu_next(v, ev, 1, 0xfb);
    assert_int_equal(v->interrupt_shadow, 1);
    v->interrupt_shadow = 0;
    assert_emu_next(v, ev, 1, 0xfb);
    assert_int_equal(v->interrupt_shadow, 0);
}

/* pushfd pushes EFLAGS with IF from if_mask and VM/RF cleared; the 16-bit
 * form pushes 2 bytes. */
static void test_pushf_image(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_CF | EFLAGS_IF | EFLAGS_RF | EFLAGS_AC | EFLAGS_VIP | (2u << 12));
    assert_emu_next(v, ev, 1, 0x9c);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4);
    assert_int_equal(rd32(v, FX_STACK0 - 4), 0x2 | 0x1 | 0x200 | 0x40000 | 0x100000 | 0x2000);
    wr32(v, FX_STACK0 - 8, 0xdeadbeef);
    assert_emu_next(v, ev, 2, 0x66, 0x9c);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 6);
    /* 2 bytes written at the new ESP, the word below untouched */
    assert_int_equal(rd32(v, FX_STACK0 - 8), 0x2203beef);
}

struct popf_case {
    unsigned cpl, iopl;
    uint32_t old;    /* EFLAGS before */
    uint32_t popped; /* the stack image */
    bool op16;       /* 66 9D */
    uint32_t expect; /* EFLAGS after, worked out by hand from SDM Vol. 2 POPF */
};

static const struct popf_case popf_cases[] = {
    /* CPL 0: everything but RF, VM, VIF, VIP. */
    { 0, 0, 0x00000002, 0xffffffff, false, 0x00247fd7 },
    /* CPL 0: VIF, VIP keep their values, RF is cleared. */
    { 0, 0, 0x00190002, 0x00000000, false, 0x00180002 },
    /* CPL 3, IOPL 0: IF and IOPL keep their values, no fault. */
    { 3, 0, 0x00000002, 0xffffffff, false, 0x00244dd7 },
    { 3, 0, 0x00000202, 0x00000000, false, 0x00000202 },
    /* CPL 3, IOPL 3: IF changes, IOPL does not. */
    { 3, 3, 0x00003202, 0x00000000, false, 0x00003002 },
    /* CPL 1 <= IOPL 2: IF changes, IOPL does not. */
    { 1, 2, 0x00002002, 0xffffffff, false, 0x00246fd7 },
    /* CPL 2 > IOPL 1: neither. */
    { 2, 1, 0x00001202, 0x00000000, false, 0x00001202 },
    /* 16-bit: only FLAGS[15:0]; RF, AC, ID above stay. */
    { 0, 0, 0x00250002, 0x0000ffff, true, 0x00257fd7 },
    { 3, 0, 0x00250202, 0x00000000, true, 0x00250202 },
};

static void test_popf_rules(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    for (size_t i = 0; i < sizeof popf_cases / sizeof popf_cases[0]; i++) {
        const struct popf_case *c = &popf_cases[i];
        fx_reset(v->vm);
        v->cpl = (uint8_t)c->cpl;
        vcpu_set_eflags(v, c->old);
        assert_int_equal(vcpu_iopl(v), c->iopl);
        v->gpr[GPR_ESP] = FX_STACK0 - 4;
        wr32(v, FX_STACK0 - 4, c->popped);
        if (c->op16)
            assert_emu_next(v, ev, 2, 0x66, 0x9d);
        else
            assert_emu_next(v, ev, 1, 0x9d);
        assert_int_equal(vcpu_get_eflags(v), c->expect);
        assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4 + (c->op16 ? 2 : 4));
    }
}

/* Over every CPL/IOPL pair and many images: IOPL moves only at CPL 0, IF
 * only when CPL <= IOPL, and the status flags always follow the image. */
static void test_popf_invariants(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    uint32_t x = 12345;
    for (unsigned cpl = 0; cpl < 4; cpl++) {
        for (unsigned iopl = 0; iopl < 4; iopl++) {
            for (int k = 0; k < 64; k++) {
                x = x * 1103515245u + 12345u;
                uint32_t image = x & ALL_DEFINED;
                fx_reset(v->vm);
                v->cpl = (uint8_t)cpl;
                vcpu_set_eflags(v, EFLAGS_FIXED | (iopl << 12) | ((k & 1) ? EFLAGS_IF : 0));
                uint32_t before = vcpu_get_eflags(v);
                v->gpr[GPR_ESP] = FX_STACK0 - 4;
                wr32(v, FX_STACK0 - 4, image);
                assert_emu_next(v, ev, 1, 0x9d);
                uint32_t after = vcpu_get_eflags(v);
                assert_int_equal(after & EFLAGS_ARITH, image & EFLAGS_ARITH);
                assert_int_equal(after & EFLAGS_IOPL, ((cpl == 0) ? image : before) & EFLAGS_IOPL);
                assert_int_equal(after & EFLAGS_IF, ((cpl <= iopl) ? image : before) & EFLAGS_IF);
                assert_int_equal(after & EFLAGS_RF, 0);
            }
        }
    }
}

/* A popf whose pop faults changes nothing. */
static void test_popf_stack_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x0fff, AB_DATA0, 0x4)); /* 4 KiB stack segment */
    fx_load(v, SREG_SS, SEL_FREE);
    v->gpr[GPR_ESP] = 0x0ffe;
    uint32_t flags = vcpu_get_eflags(v);
    assert_emu_fault(v, ev, VEC_SS, 0, 0x9d);
    assert_int_equal(v->gpr[GPR_ESP], 0x0ffe);
    assert_int_equal(vcpu_get_eflags(v), flags);
}

/* iret to the same level (cpu_iret): IOPL is loaded only at CPL 0, IF only
 * when CPL <= IOPL (SDM Vol. 2 IRET, RETURN-TO-SAME-PRIVILEGE-LEVEL). */
static void iret_frame(struct vcpu *v, uint32_t esp, uint32_t eip, uint16_t cs, uint32_t flags)
{
    v->gpr[GPR_ESP] = esp;
    wr32(v, esp, eip);
    wr32(v, esp + 4, cs);
    wr32(v, esp + 8, flags);
}

static void test_iret_flag_rules(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    /* CPL 0: IOPL and IF both load. */
    iret_frame(v, FX_STACK0 - 12, 0x5000, SEL_CODE0, 0x3202 | EFLAGS_CF);
    assert_int_equal(EMU(v, &ev, 0xcf), EMU_NEXT);
    assert_int_equal(v->eip, 0x5000);
    assert_int_equal(vcpu_get_eflags(v), 0x3203);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0);
    /* CPL 3, IOPL 0: neither IF nor IOPL changes, the rest does. */
    fx_reset(v->vm);
    fx_user(v, 0);
    v->if_mask = EFLAGS_IF;
    iret_frame(v, FX_STACK3 - 12, 0x6000, SEL_CODE3, 0x3002 | EFLAGS_ZF);
    assert_int_equal(EMU(v, &ev, 0xcf), EMU_NEXT);
    assert_int_equal(v->eip, 0x6000);
    assert_int_equal(vcpu_get_eflags(v), 0x0202 | EFLAGS_ZF);
    /* CPL 3, IOPL 3: IF loads, IOPL stays. */
    fx_reset(v->vm);
    fx_user(v, 3);
    v->if_mask = EFLAGS_IF;
    iret_frame(v, FX_STACK3 - 12, 0x6000, SEL_CODE3, 0x0002);
    assert_int_equal(EMU(v, &ev, 0xcf), EMU_NEXT);
    assert_int_equal(vcpu_get_eflags(v), 0x3002);
}

/* Every privileged instruction at CPL 3 (IOPL 0, no I/O bitmap): #GP(0),
 * EIP at the instruction, and the vCPU byte-for-byte unchanged. */
static void test_privileged_at_cpl3(void **state)
{
    static const struct { uint8_t n, b[4]; } insns[] = {
        { 1, { 0xfa } },             /* cli */
        { 1, { 0xfb } },             /* sti */
        { 1, { 0xf4 } },             /* hlt */
        { 3, { 0x0f, 0x01, 0x10 } }, /* lgdt [eax] */
        { 3, { 0x0f, 0x01, 0x18 } }, /* lidt [eax] */
        { 3, { 0x0f, 0x00, 0xd0 } }, /* lldt ax */
        { 3, { 0x0f, 0x00, 0xd8 } }, /* ltr ax */
        { 3, { 0x0f, 0x01, 0xf0 } }, /* lmsw ax */
        { 2, { 0x0f, 0x06 } },       /* clts */
        { 3, { 0x0f, 0x22, 0xc0 } }, /* mov cr0, eax */
        { 3, { 0x0f, 0x20, 0xc0 } }, /* mov eax, cr0 */
        { 3, { 0x0f, 0x22, 0xd8 } }, /* mov cr3, eax */
        { 3, { 0x0f, 0x22, 0xe0 } }, /* mov cr4, eax */
        { 3, { 0x0f, 0x23, 0xf8 } }, /* mov dr7, eax */
        { 3, { 0x0f, 0x21, 0xf0 } }, /* mov eax, dr6 */
        { 3, { 0x0f, 0x01, 0x38 } }, /* invlpg [eax] */
        { 2, { 0x0f, 0x08 } },       /* invd */
        { 2, { 0x0f, 0x09 } },       /* wbinvd */
        { 2, { 0x0f, 0x32 } },       /* rdmsr */
        { 2, { 0x0f, 0x30 } },       /* wrmsr */
        { 2, { 0x0f, 0x33 } },       /* rdpmc */
        { 2, { 0xe4, 0x60 } },       /* in al, 0x60 */
        { 2, { 0xe6, 0x80 } },       /* out 0x80, al */
        { 1, { 0xed } },             /* in eax, dx */
        { 2, { 0xf3, 0x6c } },       /* rep insb */
        { 2, { 0xf3, 0x6f } },       /* rep outsd */
    };
    struct vcpu *v = fx_cpu(state);
    for (size_t i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        struct event ev;
        fx_reset(v->vm);
        fx_user(v, 0);
        wr16(v, FX_TSS_A + 0x66, 0x68); /* I/O map base at the limit: no bitmap */
        v->gpr[GPR_EAX] = 0x80000011u;
        v->gpr[GPR_ECX] = 4;
        v->gpr[GPR_EDX] = 0x3f8;
        v->gpr[GPR_EDI] = v->gpr[GPR_ESI] = 0x8000;
        struct vcpu before = *v;
        assert_int_equal(fx_emulate(v, &ev, insns[i].b, insns[i].n, 32), EMU_EVENT);
        assert_fault(ev, VEC_GP, 0);
        assert_memory_equal(v, &before, sizeof before);
    }
}

/* rdtsc is privileged only under CR4.TSD. */
static void test_rdtsc_tsd(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    fx_user(v, 0);
    assert_emu_next(v, ev, 2, 0x0f, 0x31);
    v->cr4 = CR4_TSD;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x31);
    v->cpl = 0;
    assert_emu_next(v, ev, 2, 0x0f, 0x31);
}

/* hlt at CPL 0: halted, EIP past it, EMU_HALT. */
static void test_hlt(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_int_equal(EMU(v, &ev, 0xf4), EMU_HALT);
    assert_true(v->halted);
    assert_int_equal(v->eip, FX_EIP + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_cli_sti_iopl_matrix), FX_TEST(test_sti_shadow),       FX_TEST(test_pushf_image),
        FX_TEST(test_popf_rules),          FX_TEST(test_popf_invariants),  FX_TEST(test_popf_stack_fault),
        FX_TEST(test_iret_flag_rules),     FX_TEST(test_privileged_at_cpl3), FX_TEST(test_rdtsc_tsd),
        FX_TEST(test_hlt),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
