/*
 * test_emulate_seg.c: segment-register instructions (mov/push/pop Sreg,
 * lds and friends), selector inspection (lar, lsl, verr, verw, arpl), far
 * transfers and software interrupts, all through emu_execute() on real
 * instruction bytes.
 */
#include "emu_fixture.h"

#define SEL_X 0x58   /* a data segment tests describe */
#define SEL_BAD 0x60 /* an execute-only code segment: not loadable into DS */
/* SEL_FREE (0x50) and 0x68..0x78 are free for single tests. */

static void seg_setup(struct vcpu *v)
{
    fx_set_gdt(v, SEL_X, mkdesc(0x123000, 0x0fff, AB_DATA3, 0x4));
    fx_set_gdt(v, SEL_BAD, mkdesc(0, 0xfffff, 0x98, 0xc));
}

static void test_mov_to_sreg(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    v->gpr[GPR_EAX] = 0xffff0000 | SEL_X;
    assert_emu_next(v, ev, 2, 0x8e, 0xd8); /* mov ds, ax */
    assert_int_equal(v->seg[SREG_DS].sel, SEL_X);
    assert_int_equal(v->seg[SREG_DS].base, 0x123000);
    assert_int_equal(v->seg_base[SREG_DS], 0x123000);
    wr16(v, 0x800, SEL_X);
    v->gpr[GPR_EBX] = 0x800;
    assert_emu_next(v, ev, 2, 0x8e, 0x23); /* mov fs, [ebx], through DS (base 0x123000) */
    assert_int_equal(v->seg[SREG_FS].sel, 0);
    assert_true(v->seg[SREG_FS].attr & SEG_ATTR_UNUSABLE); /* [0x123800] held 0 */
    wr16(v, 0x123000 + 0x800, SEL_X);
    assert_emu_next(v, ev, 2, 0x8e, 0x23);
    assert_int_equal(v->seg[SREG_FS].sel, SEL_X);
    /* mov ss sets the interrupt shadow. */
    v->gpr[GPR_ECX] = SEL_DATA0;
    assert_emu_next(v, ev, 2, 0x8e, 0xd1); /* mov ss, cx */
    assert_int_equal(v->interrupt_shadow, 1);
    /* A faulting load changes nothing. */
    v->gpr[GPR_EAX] = SEL_BAD;
    assert_emu_fault(v, ev, VEC_GP, SEL_BAD, 0x8e, 0xc0); /* mov es, ax */
    assert_int_equal(v->seg[SREG_ES].sel, SEL_DATA0);
    assert_int_equal(v->vm->stats.co_segment, 5);
}

static void test_mov_from_sreg(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0xffffffff;
    assert_emu_next(v, ev, 2, 0x8c, 0xd8); /* mov eax, ds: zero-extended */
    assert_int_equal(v->gpr[GPR_EAX], SEL_DATA0);
    v->gpr[GPR_EDX] = 0xffffffff;
    assert_emu_next(v, ev, 3, 0x66, 0x8c, 0xca); /* mov dx, cs */
    assert_int_equal(v->gpr[GPR_EDX], 0xffff0000 | SEL_CODE0);
    wr32(v, 0x8000, 0xcccccccc);
    v->gpr[GPR_EBX] = 0x8000;
    assert_emu_next(v, ev, 2, 0x8c, 0x13); /* mov [ebx], ss: 16 bits */
    assert_int_equal(rd32(v, 0x8000), 0xcccc0000 | SEL_DATA0);
}

/* push Sreg, 32-bit: ESP - 4 and a 16-bit store (upper half untouched). */
static void test_push_sreg(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wr32(v, FX_STACK0 - 4, 0xdeadbeef);
    assert_emu_next(v, ev, 1, 0x1e); /* push ds */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4);
    assert_int_equal(rd32(v, FX_STACK0 - 4), 0xdead0000 | SEL_DATA0);
    assert_emu_next(v, ev, 1, 0x0e); /* push cs */
    assert_int_equal(rd16(v, FX_STACK0 - 8), SEL_CODE0);
    assert_emu_next(v, ev, 2, 0x0f, 0xa8); /* push gs */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 12);
    wr32(v, FX_STACK0 - 16, 0xdeadbeef);
    assert_emu_next(v, ev, 2, 0x66, 0x06); /* push es, 16-bit */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 14);
    assert_int_equal(rd32(v, FX_STACK0 - 16), (SEL_DATA0 << 16) | 0xbeef);
    /* A 16-bit stack: SP wraps inside the segment, ESP's top half stays. */
    fx_set_gdt(v, SEL_FREE, mkdesc(0x70000, 0xffff, AB_DATA0, 0x0));
    fx_load(v, SREG_SS, SEL_FREE);
    v->gpr[GPR_ESP] = 0xabcd0004;
    assert_emu_next(v, ev, 1, 0x1e);
    assert_int_equal(v->gpr[GPR_ESP], 0xabcd0000);
    assert_int_equal(rd16(v, 0x70000), SEL_DATA0);
    /* Past the limit: #SS(0), ESP unchanged. */
    fx_set_gdt(v, SEL_FREE, mkdesc(0x70000, 0xffff, 0x96, 0x4)); /* expand-down, limit 0xffff */
    fx_load(v, SREG_SS, SEL_FREE);
    v->gpr[GPR_ESP] = 0x10002;
    assert_emu_fault(v, ev, VEC_SS, 0, 0x1e);
    assert_int_equal(v->gpr[GPR_ESP], 0x10002);
}

static void test_pop_sreg(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    v->gpr[GPR_ESP] = FX_STACK0 - 8;
    wr32(v, FX_STACK0 - 8, 0xffff0000 | SEL_X);
    wr32(v, FX_STACK0 - 4, SEL_BAD);
    assert_emu_next(v, ev, 1, 0x1f); /* pop ds */
    assert_int_equal(v->seg[SREG_DS].sel, SEL_X);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4);
    /* A faulting load puts ESP back. */
    assert_emu_fault(v, ev, VEC_GP, SEL_BAD, 0x07); /* pop es */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 4);
    assert_int_equal(v->seg[SREG_ES].sel, SEL_DATA0);
    /* 16-bit pop, and pop ss with its shadow. */
    wr16(v, FX_STACK0 - 4, SEL_DATA0);
    assert_emu_next(v, ev, 2, 0x66, 0x17); /* pop ss */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 2);
    assert_int_equal(v->interrupt_shadow, 1);
    wr32(v, FX_STACK0 - 4, SEL_X);
    v->gpr[GPR_ESP] = FX_STACK0 - 4;
    assert_emu_next(v, ev, 2, 0x0f, 0xa9); /* pop gs */
    assert_int_equal(v->seg[SREG_GS].sel, SEL_X);
}

static void test_load_far_pointer(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    wr32(v, 0x8000, 0x11223344);
    wr16(v, 0x8004, SEL_X);
    v->gpr[GPR_EAX] = 0x8000;
    assert_emu_next(v, ev, 2, 0xc5, 0x18); /* lds ebx, [eax] */
    assert_int_equal(v->gpr[GPR_EBX], 0x11223344);
    assert_int_equal(v->seg[SREG_DS].sel, SEL_X);
    /* 16-bit: offset word, selector right after it. */
    fx_load(v, SREG_DS, SEL_DATA0);
    wr16(v, 0x8010, 0x5566);
    wr16(v, 0x8012, SEL_X);
    v->gpr[GPR_EAX] = 0x8010;
    v->gpr[GPR_ECX] = 0xaaaaaaaa;
    assert_emu_next(v, ev, 3, 0x66, 0xc4, 0x08); /* les cx, [eax] */
    assert_int_equal(v->gpr[GPR_ECX], 0xaaaa5566);
    assert_int_equal(v->seg[SREG_ES].sel, SEL_X);
    /* lss: SS, with the shadow. */
    wr32(v, 0x8020, 0x7000);
    wr16(v, 0x8024, SEL_DATA0);
    v->gpr[GPR_EAX] = 0x8020;
    assert_emu_next(v, ev, 3, 0x0f, 0xb2, 0x20); /* lss esp, [eax] */
    assert_int_equal(v->gpr[GPR_ESP], 0x7000);
    assert_int_equal(v->interrupt_shadow, 1);
    /* A bad selector: the register keeps its value. */
    wr16(v, 0x8024, SEL_BAD);
    v->gpr[GPR_EDX] = 0x99;
    assert_emu_fault(v, ev, VEC_GP, SEL_BAD, 0x0f, 0xb4, 0x10); /* lfs edx, [eax] */
    assert_int_equal(v->gpr[GPR_EDX], 0x99);
    assert_int_equal(v->seg[SREG_FS].sel, SEL_DATA0);
}

/* lar: the access-rights dword, or ZF = 0 and the destination untouched. */
static void test_lar(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    fx_set_gdt(v, 0x68, mkgate(SEL_CODE0, 0x1000, SYS_INTGATE32, 0, true, 0));
    fx_set_gdt(v, 0x70, mkgate(SEL_CODE0, 0x1000, SYS_CALLGATE32, 3, true, 0));
    fx_set_gdt(v, 0x78, mkdesc(0, 0xfffff, 0x9e, 0xc)); /* conforming code, DPL 0 */
    static const struct { uint16_t sel; bool zf; uint32_t eax; } cases[] = {
        { SEL_DATA0, true, 0x00cf9200 },
        { SEL_X | 3, true, 0x0040f200 },
        { SEL_TSS_A, true, 0x00008b00 },
        { SEL_LDT, true, 0x00008200 },
        { 0x70 + 3, true, 0x0000ec00 }, /* call gate */
        { 0x68, false, 0 },                 /* interrupt gate: not for lar */
        { 0x0000, false, 0 },                   /* null */
        { 0x0400, false, 0 },                   /* past the GDT limit */
        { SEL_DATA0 | 3, false, 0 },            /* RPL 3 > DPL 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v->gpr[GPR_EBX] = cases[i].sel;
        v->gpr[GPR_EAX] = 0x5555aaaa;
        vcpu_set_eflags(v, EFLAGS_FIXED | (cases[i].zf ? 0 : EFLAGS_ZF));
        assert_emu_next(v, ev, 3, 0x0f, 0x02, 0xc3); /* lar eax, bx */
        assert_int_equal(!!(v->eflags & EFLAGS_ZF), cases[i].zf);
        assert_int_equal(v->gpr[GPR_EAX], cases[i].zf ? cases[i].eax : 0x5555aaaa);
    }
    /* 16-bit form: the low word. */
    v->gpr[GPR_EBX] = SEL_DATA0;
    assert_emu_next(v, ev, 4, 0x66, 0x0f, 0x02, 0xc3);
    assert_int_equal(v->gpr[GPR_EAX], 0x55559200);
    /* At CPL 3: DPL 0 data is invisible, conforming code is not. */
    fx_user(v, 0);
    v->gpr[GPR_EBX] = SEL_DATA0 | 3;
    assert_emu_next(v, ev, 3, 0x0f, 0x02, 0xc3);
    assert_false(v->eflags & EFLAGS_ZF);
    v->gpr[GPR_EBX] = 0x78 + 3;
    assert_emu_next(v, ev, 3, 0x0f, 0x02, 0xc3);
    assert_true(v->eflags & EFLAGS_ZF);
    assert_int_equal(v->gpr[GPR_EAX], 0x00cf9e00);
}

static void test_lsl(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    fx_set_gdt(v, SEL_FREE, mkgate(SEL_CODE0, 0x1000, SYS_CALLGATE32, 0, true, 0));
    static const struct { uint16_t sel; bool zf; uint32_t limit; } cases[] = {
        { SEL_DATA0, true, 0xffffffff }, { SEL_X, true, 0x0fff }, { SEL_TSS_B, true, 0x67 },
        { SEL_LDT, true, 63 },           { SEL_FREE, false, 0 },  { 0x0004, false, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v->gpr[GPR_EDX] = cases[i].sel;
        v->gpr[GPR_ECX] = 0x77777777;
        assert_emu_next(v, ev, 3, 0x0f, 0x03, 0xca); /* lsl ecx, dx */
        assert_int_equal(!!(v->eflags & EFLAGS_ZF), cases[i].zf);
        assert_int_equal(v->gpr[GPR_ECX], cases[i].zf ? cases[i].limit : 0x77777777);
    }
    v->gpr[GPR_EDX] = SEL_DATA0;
    assert_emu_next(v, ev, 4, 0x66, 0x0f, 0x03, 0xca); /* lsl cx, dx */
    assert_int_equal(v->gpr[GPR_ECX], 0x7777ffff);
    /* A memory operand that faults is raised. */
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x0fff, AB_DATA0, 0x4));
    fx_load(v, SREG_DS, SEL_FREE);
    v->gpr[GPR_EBX] = 0x2000;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x03, 0x0b); /* lsl ecx, [ebx] */
}

static void test_verr_verw(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    seg_setup(v);
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0xfffff, 0x90, 0xc)); /* read-only data */
    fx_set_ldt(v, 0x08, mkdesc(0, 0xfffff, AB_DATA0, 0xc)); /* LDT entry 1 */
    static const struct { uint16_t sel; bool r, w; } cases[] = {
        { SEL_DATA0, true, true },  { SEL_CODE0, true, false }, { SEL_BAD, false, false },
        { SEL_FREE, true, false },  { SEL_TSS_A, false, false }, { 0, false, false },
        { 0x000c, true, true },     { 0x0014, false, false },    /* LDT 1; LDT 2 is empty */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v->gpr[GPR_EAX] = cases[i].sel;
        assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xe0); /* verr ax */
        assert_int_equal(!!(v->eflags & EFLAGS_ZF), cases[i].r);
        assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xe8); /* verw ax */
        assert_int_equal(!!(v->eflags & EFLAGS_ZF), cases[i].w);
    }
    /* CPL 3 cannot see DPL-0 data; DPL-3 data is fine. */
    fx_user(v, 0);
    v->gpr[GPR_EAX] = SEL_DATA0;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xe8);
    assert_false(v->eflags & EFLAGS_ZF);
    v->gpr[GPR_EAX] = SEL_X | 3;
    assert_emu_next(v, ev, 3, 0x0f, 0x00, 0xe8);
    assert_true(v->eflags & EFLAGS_ZF);
}

static void test_arpl(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0xaaaa0010;
    v->gpr[GPR_EBX] = 0x0003;
    assert_emu_next(v, ev, 2, 0x63, 0xd8); /* arpl ax, bx */
    assert_int_equal(v->gpr[GPR_EAX], 0xaaaa0013);
    assert_true(v->eflags & EFLAGS_ZF);
    v->gpr[GPR_EBX] = 0x0001;
    assert_emu_next(v, ev, 2, 0x63, 0xd8);
    assert_int_equal(v->gpr[GPR_EAX], 0xaaaa0013);
    assert_false(v->eflags & EFLAGS_ZF);
    wr32(v, 0x8000, 0x99990020);
    v->gpr[GPR_ECX] = 0x8000;
    v->gpr[GPR_EBX] = 0x0002;
    assert_emu_next(v, ev, 2, 0x63, 0x19); /* arpl [ecx], bx */
    assert_int_equal(rd32(v, 0x8000), 0x99990022);
    assert_true(v->eflags & EFLAGS_ZF);
}

/* Far jmp/call/retf through farxfer.c: operands taken apart correctly. */
static void test_far_transfers(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_int_equal(EMU(v, &ev, 0xea, 0x78, 0x56, 0x34, 0x12, SEL_CODE0, 0x00), EMU_NEXT);
    assert_int_equal(v->eip, 0x12345678);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE0);
    /* 16-bit pointer. */
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0x66, 0xea, 0x34, 0x12, SEL_CODE0, 0x00), EMU_NEXT);
    assert_int_equal(v->eip, 0x1234);
    /* call far [eax]: pushes CS and the next EIP. */
    v->eip = FX_EIP;
    wr32(v, 0x8000, 0x00401000);
    wr16(v, 0x8004, SEL_CODE0);
    v->gpr[GPR_EAX] = 0x8000;
    assert_int_equal(EMU(v, &ev, 0xff, 0x18), EMU_NEXT);
    assert_int_equal(v->eip, 0x00401000);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 8);
    assert_int_equal(rd32(v, FX_STACK0 - 8), FX_EIP + 2);
    assert_int_equal(rd32(v, FX_STACK0 - 4) & 0xffff, SEL_CODE0);
    /* retf 8 comes back and drops 8 bytes of parameters. */
    assert_int_equal(EMU(v, &ev, 0xca, 0x08, 0x00), EMU_NEXT);
    assert_int_equal(v->eip, FX_EIP + 2);
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 + 8);
    /* jmp far [ebx] with a bad selector: a fault and nothing moves. */
    wr32(v, 0x8010, 0x1000);
    wr16(v, 0x8014, SEL_DATA0);
    v->gpr[GPR_EBX] = 0x8010;
    v->eip = FX_EIP;
    assert_emu_fault(v, ev, VEC_GP, SEL_DATA0, 0xff, 0x2b);
    assert_int_equal(v->seg[SREG_CS].sel, SEL_CODE0);
    assert_int_equal(v->vm->stats.co_far_transfer, 5);
}

static void test_software_interrupts(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_int_equal(EMU(v, &ev, 0xcd, 0x80), EMU_EVENT);
    assert_int_equal(ev.kind, EV_SOFT_INT);
    assert_int_equal(ev.vector, 0x80);
    assert_false(ev.has_error);
    assert_int_equal(v->eip, FX_EIP + 2);
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0xcc), EMU_EVENT);
    assert_int_equal(ev.kind, EV_SOFT_INT);
    assert_int_equal(ev.vector, VEC_BP);
    assert_int_equal(v->eip, FX_EIP + 1);
    /* into: nothing without OF. */
    v->eip = FX_EIP;
    assert_emu_next(v, ev, 1, 0xce);
    v->eip = FX_EIP;
    v->eflags |= EFLAGS_OF;
    assert_int_equal(EMU(v, &ev, 0xce), EMU_EVENT);
    assert_int_equal(ev.kind, EV_SOFT_INT);
    assert_int_equal(ev.vector, VEC_OF);
    assert_int_equal(v->eip, FX_EIP + 1);
    /* icebp: a #DB trap. */
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0xf1), EMU_EVENT);
    assert_int_equal(ev.kind, EV_TRAP);
    assert_int_equal(ev.vector, VEC_DB);
    assert_int_equal(v->eip, FX_EIP + 1);
    assert_int_equal(v->vm->stats.co_interrupt, 5);
    assert_int_equal(v->vm->stats.co_total, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_mov_to_sreg), FX_TEST(test_mov_from_sreg), FX_TEST(test_push_sreg),
        FX_TEST(test_pop_sreg),    FX_TEST(test_load_far_pointer), FX_TEST(test_lar),
        FX_TEST(test_lsl),         FX_TEST(test_verr_verw),     FX_TEST(test_arpl),
        FX_TEST(test_far_transfers), FX_TEST(test_software_interrupts),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
