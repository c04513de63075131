/*
 * test_emulate_sys.c: descriptor-table registers (lgdt/sgdt/lidt/sidt in
 * 16- and 32-bit forms, lldt, ltr, sldt, str), control and debug
 * registers (mov CRn/DRn, smsw, lmsw, clts), the cache no-ops, and the
 * unsupported-instruction path.
 */
#include "emu_fixture.h"

/* lgdt then sgdt, 32-bit operand size: the 6-byte image round-trips. */
static void test_lgdt_sgdt_32(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wr16(v, 0x8000, 0x1234);
    wr32(v, 0x8002, 0x12345678);
    v->gpr[GPR_EAX] = 0x8000;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0x10); /* lgdt [eax] */
    assert_int_equal(v->gdtr.base, 0x12345678);
    assert_int_equal(v->gdtr.limit, 0x1234);
    assert_emu_next(v, ev, 4, 0x0f, 0x01, 0x40, 0x10); /* sgdt [eax+0x10] */
    assert_int_equal(rd16(v, 0x8010), 0x1234);
    assert_int_equal(rd32(v, 0x8012), 0x12345678);
    /* lidt/sidt use the IDTR. */
    wr16(v, 0x8020, 0x07ff);
    wr32(v, 0x8022, 0x00abc000);
    v->gpr[GPR_EBX] = 0x8020;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0x1b); /* lidt [ebx] */
    assert_int_equal(v->idtr.base, 0x00abc000);
    assert_int_equal(v->idtr.limit, 0x07ff);
    assert_int_equal(v->gdtr.base, 0x12345678);
    assert_emu_next(v, ev, 4, 0x0f, 0x01, 0x4b, 0x10); /* sidt [ebx+0x10] */
    assert_int_equal(rd16(v, 0x8030), 0x07ff);
    assert_int_equal(rd32(v, 0x8032), 0x00abc000);
}

/* 16-bit operand size: lgdt loads a 24-bit base, sgdt stores all 32 bits
 * of the register. */
static void test_lgdt_sgdt_16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wr16(v, 0x8000, 0x00ff);
    wr32(v, 0x8002, 0x12345678);
    wr32(v, 0x8012, 0xffffffff);
    v->gpr[GPR_EAX] = 0x8000;
    assert_emu_next(v, ev, 4, 0x66, 0x0f, 0x01, 0x10); /* o16 lgdt [eax] */
    assert_int_equal(v->gdtr.base, 0x00345678);
    assert_int_equal(v->gdtr.limit, 0x00ff);
    assert_emu_next(v, ev, 5, 0x66, 0x0f, 0x01, 0x40, 0x10); /* o16 sgdt [eax+0x10] */
    assert_int_equal(rd16(v, 0x8010), 0x00ff);
    assert_int_equal(rd32(v, 0x8012), 0x00345678);
}

/* 16-bit addressing: [bx] takes BX only; [bp+si+disp] defaults to SS and
 * wraps at 64 KiB. */
static void test_lgdt_sgdt_addr16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wr16(v, 0x8000, 0x0017);
    wr32(v, 0x8002, 0x00010000);
    v->gpr[GPR_EBX] = 0xabcd8000;
    assert_emu_next(v, ev, 4, 0x67, 0x0f, 0x01, 0x17); /* lgdt [bx] */
    assert_int_equal(v->gdtr.base, 0x00010000);
    assert_int_equal(v->gdtr.limit, 0x0017);
    fx_set_gdt(v, SEL_FREE, mkdesc(0x40000, 0xffff, AB_DATA0, 0x4));
    vcpu_set_seg(v, SREG_SS, desc_to_seg(SEL_FREE, fx_gdt(v, SEL_FREE)));
    v->gpr[GPR_EBP] = 0x1111fff0;
    v->gpr[GPR_ESI] = 0x22220008;
    assert_emu_next(v, ev, 5, 0x67, 0x0f, 0x01, 0x42, 0x10); /* sgdt [bp+si+0x10] */
    assert_int_equal(rd16(v, 0x40008), 0x0017);
    assert_int_equal(rd32(v, 0x4000a), 0x00010000);
}

/* A memory fault leaves GDTR alone. */
static void test_lgdt_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x8003, AB_DATA0, 0x4));
    fx_load(v, SREG_DS, SEL_FREE);
    v->gpr[GPR_EAX] = 0x8000;
    struct dtr before = v->gdtr;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x01, 0x10);
    assert_int_equal(v->gdtr.base, before.base);
    assert_int_equal(v->gdtr.limit, before.limit);
    /* sgdt whose image crosses the limit writes nothing at all. */
    wr16(v, 0x8000, 0x5555);
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x01, 0x00); /* sgdt [eax] */
    assert_int_equal(rd16(v, 0x8000), 0x5555);
}

static void test_lldt(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->ldtr = (struct seg_cache){ .attr = SEG_ATTR_UNUSABLE };
    v->gpr[GPR_EAX] = SEL_LDT;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xd0); /* lldt ax */
    assert_int_equal(v->ldtr.sel, SEL_LDT);
    assert_int_equal(v->ldtr.base, FX_LDT);
    assert_int_equal(v->ldtr.limit, 63);
    /* From memory. */
    wr16(v, 0x8000, 0);
    v->gpr[GPR_EBX] = 0x8000;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0x13); /* lldt [ebx] */
    assert_true(v->ldtr.attr & SEG_ATTR_UNUSABLE);
    /* TI = 1, not an LDT, not present, past the GDT limit. */
    v->gpr[GPR_EAX] = SEL_LDT | 4;
    assert_emu_fault(v, ev, VEC_GP, SEL_LDT | 4, 0x0f, 0x00, 0xd0);
    v->gpr[GPR_EAX] = SEL_DATA0 | 3;
    assert_emu_fault(v, ev, VEC_GP, SEL_DATA0, 0x0f, 0x00, 0xd0);
    fx_set_gdt(v, SEL_FREE, mkdesc(FX_LDT, 63, 0x02, 0));
    v->gpr[GPR_EAX] = SEL_FREE;
    assert_emu_fault(v, ev, VEC_NP, SEL_FREE, 0x0f, 0x00, 0xd0);
    v->gpr[GPR_EAX] = 0x0400;
    assert_emu_fault(v, ev, VEC_GP, 0x0400, 0x0f, 0x00, 0xd0);
    assert_true(v->ldtr.attr & SEG_ATTR_UNUSABLE);
}

static void test_ltr(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_AVAIL);
    v->gpr[GPR_ECX] = SEL_TSS_B;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xd9); /* ltr cx */
    assert_int_equal(v->tr.sel, SEL_TSS_B);
    assert_int_equal(v->tr.base, FX_TSS_B);
    assert_int_equal(v->tr.limit, 0x67);
    assert_int_equal(v->tr.attr & SEG_ATTR_TYPE_MASK, SYS_TSS32_BUSY);
    assert_int_equal(fx_type(v, SEL_TSS_B), SYS_TSS32_BUSY);
    /* Busy TSS, null, data segment, not present. */
    v->gpr[GPR_ECX] = SEL_TSS_A;
    assert_emu_fault(v, ev, VEC_GP, SEL_TSS_A, 0x0f, 0x00, 0xd9);
    v->gpr[GPR_ECX] = 3;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x00, 0xd9);
    v->gpr[GPR_ECX] = SEL_DATA0;
    assert_emu_fault(v, ev, VEC_GP, SEL_DATA0, 0x0f, 0x00, 0xd9);
    fx_set_gdt(v, SEL_FREE, mkdesc(FX_TSS_B, 0x67, 0x09, 0));
    v->gpr[GPR_ECX] = SEL_FREE;
    assert_emu_fault(v, ev, VEC_NP, SEL_FREE, 0x0f, 0x00, 0xd9);
    assert_int_equal(fx_type(v, SEL_FREE), SYS_TSS32_AVAIL);
    assert_int_equal(v->tr.sel, SEL_TSS_B);
}

/* sldt/str: zero-extended into a 32-bit register, 16 bits into a 16-bit
 * register or memory. */
static void test_sldt_str(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0xffffffff;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xc0); /* sldt eax */
    assert_int_equal(v->gpr[GPR_EAX], SEL_LDT);
    v->gpr[GPR_EDX] = 0xffffffff;
    assert_emu_next(v, ev, 4, 0x66, 0x0f, 0x00, 0xca); /* str dx */
    assert_int_equal(v->gpr[GPR_EDX], 0xffff0000 | SEL_TSS_A);
    wr32(v, 0x8000, 0xaaaaaaaa);
    v->gpr[GPR_EBX] = 0x8000;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0x0b); /* str [ebx] */
    assert_int_equal(rd32(v, 0x8000), 0xaaaa0000 | SEL_TSS_A);
    /* Not privileged. */
    fx_user(v, 0);
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xc0);
}

static void test_smsw_lmsw_clts(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP;
    v->gpr[GPR_EAX] = 0;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0xe0); /* smsw eax */
    assert_int_equal(v->gpr[GPR_EAX], CR0_PE | CR0_ET | CR0_NE | CR0_WP);
    v->gpr[GPR_EAX] = 0xffffffff;
    assert_emu_next(v, ev, 4, 0x66, 0x0f, 0x01, 0xe0); /* smsw ax */
    assert_int_equal(v->gpr[GPR_EAX], 0xffff0031);
    wr32(v, 0x8000, 0xbbbbbbbb);
    v->gpr[GPR_EBX] = 0x8000;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0x23); /* smsw [ebx] */
    assert_int_equal(rd32(v, 0x8000), 0xbbbb0031);
    /* lmsw sets MP/EM/TS, cannot clear PE, leaves the high bits. */
    v->gpr[GPR_ECX] = 0xfffe;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0xf1); /* lmsw cx */
    assert_int_equal(v->cr0, CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP);
    assert_emu_next(v, ev, 2, 0x0f, 0x06); /* clts */
    assert_int_equal(v->cr0, CR0_PE | CR0_MP | CR0_EM | CR0_ET | CR0_NE | CR0_WP);
    /* From real mode lmsw can set PE. */
    v->cr0 = CR0_ET;
    v->gpr[GPR_ECX] = 1;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0xf1);
    assert_int_equal(v->cr0, CR0_ET | CR0_PE);
    /* smsw works at CPL 3. */
    fx_user(v, 0);
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0xe0);
}

static void test_mov_cr(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = CR0_PE | CR0_TS | CR0_MP;
    assert_emu_next(v, ev, 3, 0x0f, 0x22, 0xc0); /* mov cr0, eax */
    assert_int_equal(v->cr0, CR0_PE | CR0_TS | CR0_MP | CR0_ET);
    assert_emu_next(v, ev, 3, 0x0f, 0x20, 0xc3); /* mov ebx, cr0 */
    assert_int_equal(v->gpr[GPR_EBX], CR0_PE | CR0_TS | CR0_MP | CR0_ET);
    v->gpr[GPR_ECX] = 0xc0ffee00;
    assert_emu_next(v, ev, 3, 0x0f, 0x22, 0xd1); /* mov cr2, ecx */
    assert_emu_next(v, ev, 3, 0x0f, 0x22, 0xd9); /* mov cr3, ecx */
    assert_int_equal(v->cr2, 0xc0ffee00);
    assert_int_equal(v->cr3, 0xc0ffee00);
    assert_emu_next(v, ev, 3, 0x0f, 0x20, 0xd2); /* mov edx, cr2 */
    assert_int_equal(v->gpr[GPR_EDX], 0xc0ffee00);
    v->gpr[GPR_EAX] = CR4_PSE | CR4_PGE | CR4_DE | CR4_TSD | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PCE;
    assert_emu_next(v, ev, 3, 0x0f, 0x22, 0xe0); /* mov cr4, eax */
    assert_int_equal(v->cr4, CR4_PSE | CR4_PGE | CR4_DE | CR4_TSD | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PCE);
    assert_emu_next(v, ev, 3, 0x0f, 0x20, 0xe6); /* mov esi, cr4 */
    assert_int_equal(v->gpr[GPR_ESI], v->cr4);
    /* Reserved CR4 bits for this model: VME, PVI, MCE, UMIP (bit 11). */
    static const uint32_t reserved[] = { CR4_VME, CR4_PVI, CR4_MCE, 1u << 11, 1u << 20 };
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        v->gpr[GPR_EAX] = CR4_PSE | reserved[i];
        assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x22, 0xe0);
        assert_int_equal(v->cr4 & reserved[i], 0);
    }
    /* PG without PE, NW without CD: #GP(0). */
    v->gpr[GPR_EAX] = CR0_PG;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x22, 0xc0);
    v->gpr[GPR_EAX] = CR0_PE | CR0_NW;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x22, 0xc0);
    assert_int_equal(v->vm->stats.co_system, 7 + 5 + 2);
}

/* Paging on (CR0.PG) or PAE stops the VM with a clear message. */
/* Paging is modelled (shadowmm/), PAE is not advertised and stops the VM. */
static void test_paging_stops(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = CR0_PE | CR0_PG;
    assert_int_equal(EMU(v, &ev, 0x0f, 0x22, 0xc0), EMU_NEXT);
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    assert_int_equal(v->cr0 & CR0_PG, CR0_PG);
    fx_reset(v->vm);
    v->gpr[GPR_EAX] = CR4_PAE;
    assert_int_equal(EMU(v, &ev, 0x0f, 0x22, 0xe0), EMU_STOP);
    assert_non_null(strstr(v->vm->exit_message, "CR4.PAE"));
    assert_int_equal(v->cr4, 0);
}

static void test_mov_dr(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->dr[6] = 0xffff0ff0;
    v->dr[7] = 0x400;
    v->gpr[GPR_EAX] = 0x00401000;
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xc0); /* mov dr0, eax */
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xd8); /* mov dr3, eax */
    assert_emu_next(v, ev, 3, 0x0f, 0x21, 0xc1); /* mov ecx, dr0 */
    assert_int_equal(v->gpr[GPR_ECX], 0x00401000);
    assert_int_equal(v->dr[3], 0x00401000);
    /* DR6/DR7 fixed bits. */
    v->gpr[GPR_EAX] = 0;
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xf0); /* mov dr6, eax */
    assert_int_equal(v->dr[6], 0xffff0ff0);
    v->gpr[GPR_EAX] = 0xffffdfff; /* everything but GD */
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xf8); /* mov dr7, eax */
    assert_int_equal(v->dr[7], 0xffff07ff);
    v->gpr[GPR_EAX] = 0x00000003;
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xf8);
    assert_int_equal(v->dr[7], 0x00000403);
    /* DR4/DR5 alias DR6/DR7 with CR4.DE = 0 ... */
    assert_emu_next(v, ev, 3, 0x0f, 0x21, 0xe2); /* mov edx, dr4 */
    assert_int_equal(v->gpr[GPR_EDX], 0xffff0ff0);
    v->gpr[GPR_EAX] = 0x00000001;
    assert_emu_next(v, ev, 3, 0x0f, 0x23, 0xe8); /* mov dr5, eax */
    assert_int_equal(v->dr[7], 0x00000401);
    /* ... and are #UD with CR4.DE = 1. */
    v->cr4 = CR4_DE;
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x21, 0xe2);
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x23, 0xe8);
    /* DR7.GD: #DB before the access, with DR6.BD set and GD cleared. */
    v->cr4 = 0;
    v->dr[7] = 0x2400;
    v->gpr[GPR_EAX] = 0x1234;
    assert_emu_fault_noerr(v, ev, VEC_DB, 0x0f, 0x23, 0xc0);
    assert_int_equal(v->dr[0], 0x00401000);
    assert_true(v->dr[6] & (1u << 13));
    assert_int_equal(v->dr[7], 0x400);
    assert_int_equal(v->eip, FX_EIP + 3 * 8);
}

static void test_cache_noops(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    struct vcpu before = *v;
    assert_emu_next(v, ev, 3, 0x0f, 0x01, 0x38); /* invlpg [eax] */
    assert_emu_next(v, ev, 2, 0x0f, 0x08);       /* invd */
    assert_emu_next(v, ev, 2, 0x0f, 0x09);       /* wbinvd */
    before.eip = v->eip;
    assert_memory_equal(v, &before, sizeof before);
}

/* Anything without a row, or a form its handler does not take, stops the
 * VM and names the instruction. */
static void test_unsupported(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_int_equal(EMU(v, &ev, 0x40), EMU_STOP); /* inc eax */
    assert_int_equal(v->vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_int_equal(v->vm->exit_status, EXIT_STATUS_GUEST_FAILED);
    assert_string_equal(v->vm->exit_message, "unsupported instruction 'inc eax' at EIP 00001234");
    assert_int_equal(v->eip, FX_EIP);
    static const struct { uint8_t n, b[3]; const char *text; } forms[] = {
        { 2, { 0xeb, 0x00 }, "jmp 0x00001236" },
        { 1, { 0x50 }, "push eax" },
        { 2, { 0x89, 0xd8 }, "mov eax, ebx" },
        { 1, { 0xc3 }, "ret" },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        fx_reset(v->vm);
        assert_int_equal(fx_emulate(v, &ev, forms[i].b, forms[i].n, 32), EMU_STOP);
        assert_non_null(strstr(v->vm->exit_message, forms[i].text));
        assert_int_equal(v->vm->stats.co_total, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_lgdt_sgdt_32),  FX_TEST(test_lgdt_sgdt_16), FX_TEST(test_lgdt_sgdt_addr16),
        FX_TEST(test_lgdt_fault),    FX_TEST(test_lldt),         FX_TEST(test_ltr),
        FX_TEST(test_sldt_str),      FX_TEST(test_smsw_lmsw_clts), FX_TEST(test_mov_cr),
        FX_TEST(test_paging_stops),  FX_TEST(test_mov_dr),       FX_TEST(test_cache_noops),
        FX_TEST(test_unsupported),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
