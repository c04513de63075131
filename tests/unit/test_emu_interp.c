/*
 * test_emu_interp.c: emu_interpret(), the dispatch of the interpreter for
 * real-mode and 16-bit code (monitor/emu_plain.c, emu_near.c): real 16-bit
 * instruction bytes run on a real-mode vCPU (CR0.PE = 0, 64 KiB segments):
 * near branches with the IP wrap and the CS limit, call/ret, push/pop of
 * registers (push sp, pop sp), lea with 16-bit addressing, one-operand
 * mul/imul/div/idiv with #DE, the sign extensions, lahf/sahf, xlat, bswap,
 * the x87 control instructions, and the sensitive and memory-operand
 * forms reaching their own handlers.
 */
#include "emu_fixture.h"

#define CS_SEG 0x1000u /* code at 1000:xxxx = 0x10000 + IP */
#define SS_SEG 0x2000u /* stack at 2000:xxxx */

static void real_mode(struct vcpu *v)
{
    v->cr0 = CR0_ET;
    static const enum x86_sreg segs[] = { SREG_CS, SREG_SS, SREG_DS, SREG_ES, SREG_FS, SREG_GS };
    for (unsigned i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        uint16_t sel = segs[i] == SREG_CS ? CS_SEG : segs[i] == SREG_SS ? SS_SEG : 0;
        struct seg_cache c = { .sel = sel, .base = (uint32_t)sel << 4, .limit = 0xffff,
                               .attr = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_RW |
                                       (segs[i] == SREG_CS ? SEG_ATTR_CODE : 0) };
        vcpu_set_seg(v, segs[i], c);
    }
    v->gpr[GPR_ESP] = 0x1000;
    v->eip = 0x0100;
}

static enum emu_status interp16(struct vcpu *v, struct event *ev, const uint8_t *bytes, size_t n)
{
    struct decoded_insn d;
    assert_true(decode_insn(bytes, n, v->eip, 16, &d));
    assert_int_equal(d.i.length, n);
    return emu_interpret(v, &d, ev);
}

#define I16(v, ev, ...) interp16((v), (ev), FX_BYTES(__VA_ARGS__), sizeof FX_BYTES(__VA_ARGS__))

/* jmp rel16 wraps within the 64 KiB code segment; jcc follows the flags. */
static void test_near_branches(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    v->eip = 0xfff0;
    assert_int_equal(I16(v, &ev, 0xe9, 0x20, 0x00), EMU_NEXT); /* jmp +0x20 */
    assert_int_equal(v->eip, 0x0013);                           /* 0xfff3 + 0x20 wraps */
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_ZF);
    assert_int_equal(I16(v, &ev, 0x75, 0x10), EMU_NEXT); /* jnz: not taken */
    assert_int_equal(v->eip, 0x0015);
    assert_int_equal(I16(v, &ev, 0x74, 0xfe), EMU_NEXT); /* jz $: taken */
    assert_int_equal(v->eip, 0x0015);
    v->gpr[GPR_EBX] = 0x1234;
    assert_int_equal(I16(v, &ev, 0xff, 0xe3), EMU_NEXT); /* jmp bx */
    assert_int_equal(v->eip, 0x1234);
    /* a target beyond a smaller CS limit: #GP(0), nothing moves */
    struct seg_cache cs = v->seg[SREG_CS];
    cs.limit = 0x0fff;
    vcpu_set_seg(v, SREG_CS, cs);
    v->eip = 0x0100;
    assert_int_equal(I16(v, &ev, 0xe9, 0x00, 0x20), EMU_EVENT);
    assert_fault(ev, VEC_GP, 0);
    assert_int_equal(v->eip, 0x0100);
}

/* call rel16 pushes the 16-bit return IP on SS:SP; ret imm16 pops it and
 * releases the arguments. */
static void test_call_ret(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    assert_int_equal(I16(v, &ev, 0xe8, 0x00, 0x02), EMU_NEXT); /* call +0x200 */
    assert_int_equal(v->eip, 0x0303);
    assert_int_equal(v->gpr[GPR_ESP], 0x0ffe);
    assert_int_equal(rd16(v, (SS_SEG << 4) + 0x0ffe), 0x0103);
    assert_int_equal(I16(v, &ev, 0xc2, 0x04, 0x00), EMU_NEXT); /* ret 4 */
    assert_int_equal(v->eip, 0x0103);
    assert_int_equal(v->gpr[GPR_ESP], 0x1004);
}

/* push sp stores SP before the decrement; pop sp loads the popped value;
 * push imm8 sign-extends to the operand size. */
static void test_push_pop(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    assert_int_equal(I16(v, &ev, 0x54), EMU_NEXT); /* push sp */
    assert_int_equal(rd16(v, (SS_SEG << 4) + 0x0ffe), 0x1000);
    assert_int_equal(I16(v, &ev, 0x6a, 0xff), EMU_NEXT); /* push -1 */
    assert_int_equal(rd16(v, (SS_SEG << 4) + 0x0ffc), 0xffff);
    assert_int_equal(I16(v, &ev, 0x5b), EMU_NEXT); /* pop bx */
    assert_int_equal(v->gpr[GPR_EBX] & 0xffff, 0xffff);
    assert_int_equal(I16(v, &ev, 0x5c), EMU_NEXT); /* pop sp */
    assert_int_equal(v->gpr[GPR_ESP], 0x1000);
    assert_int_equal(I16(v, &ev, 0x66, 0x50), EMU_NEXT); /* push eax: 4 bytes */
    assert_int_equal(v->gpr[GPR_ESP], 0x0ffc);
}

/* lea with 16-bit addressing wraps at 64 KiB. */
static void test_lea16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    v->gpr[GPR_EBX] = 0xfff0;
    v->gpr[GPR_ESI] = 0x0020;
    v->gpr[GPR_EAX] = 0xaaaa5555;
    assert_int_equal(I16(v, &ev, 0x8d, 0x40, 0x02), EMU_NEXT); /* lea ax, [bx+si+2] */
    assert_int_equal(v->gpr[GPR_EAX], 0xaaaa0012);
}

/* mul/div on DX:AX; #DE for a zero divisor and for a quotient too large. */
static void test_mul_div(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    v->gpr[GPR_EAX] = 300;
    v->gpr[GPR_ECX] = 700;
    assert_int_equal(I16(v, &ev, 0xf7, 0xe1), EMU_NEXT); /* mul cx */
    assert_int_equal(v->gpr[GPR_EAX], 0x3450);
    assert_int_equal(v->gpr[GPR_EDX], 0x0003);
    assert_true(v->eflags & EFLAGS_CF);
    v->gpr[GPR_EBX] = 9;
    assert_int_equal(I16(v, &ev, 0xf7, 0xf3), EMU_NEXT); /* div bx: 210000 / 9 */
    assert_int_equal(v->gpr[GPR_EAX], 23333);
    assert_int_equal(v->gpr[GPR_EDX], 3);
    v->gpr[GPR_EAX] = 0xfff8; /* -8 */
    v->gpr[GPR_ECX] = 3;
    assert_int_equal(I16(v, &ev, 0xf6, 0xe9), EMU_NEXT); /* imul cl: AX = -24 */
    assert_int_equal(v->gpr[GPR_EAX] & 0xffff, 0xffe8);
    assert_false(v->eflags & EFLAGS_CF);
    v->gpr[GPR_EAX] = 0xff00; /* AX = -256 */
    v->gpr[GPR_ECX] = 0xff;   /* CL = -1 */
    assert_int_equal(I16(v, &ev, 0xf6, 0xf9), EMU_EVENT); /* idiv cl: 256 does not fit */
    assert_int_equal(ev.vector, VEC_DE);
    v->gpr[GPR_EBX] = 0;
    assert_int_equal(I16(v, &ev, 0xf7, 0xf3), EMU_EVENT); /* div bx by 0 */
    assert_int_equal(ev.vector, VEC_DE);
    assert_int_equal(v->eip, 0x0106);
    v->gpr[GPR_EAX] = 0xfffffff9; /* idiv ecx: EDX:EAX = -7 / 2 → -3, remainder -1 */
    v->gpr[GPR_EDX] = 0xffffffff;
    v->gpr[GPR_ECX] = 2;
    assert_int_equal(I16(v, &ev, 0x66, 0xf7, 0xf9), EMU_NEXT);
    assert_int_equal(v->gpr[GPR_EAX], 0xfffffffd);
    assert_int_equal(v->gpr[GPR_EDX], 0xffffffff);
}

/* cbw, cwd, lahf, sahf, bswap, xlat, clc/stc/cmc/std/cld. */
static void test_plain_misc(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    v->gpr[GPR_EAX] = 0x12340080;
    assert_int_equal(I16(v, &ev, 0x98), EMU_NEXT); /* cbw */
    assert_int_equal(v->gpr[GPR_EAX], 0x1234ff80);
    assert_int_equal(I16(v, &ev, 0x99), EMU_NEXT); /* cwd */
    assert_int_equal(v->gpr[GPR_EDX] & 0xffff, 0xffff);
    v->gpr[GPR_EAX] = 0xfd00;
    assert_int_equal(I16(v, &ev, 0x9e), EMU_NEXT); /* sahf */
    assert_int_equal(vcpu_get_eflags(v) & 0xff, 0xd7);
    assert_int_equal(I16(v, &ev, 0xf5), EMU_NEXT); /* cmc */
    assert_int_equal(I16(v, &ev, 0x9f), EMU_NEXT); /* lahf */
    assert_int_equal((v->gpr[GPR_EAX] >> 8) & 0xff, 0xd6);
    assert_int_equal(I16(v, &ev, 0xfd), EMU_NEXT); /* std */
    assert_true(v->eflags & EFLAGS_DF);
    v->gpr[GPR_ECX] = 0x12345678;
    assert_int_equal(I16(v, &ev, 0x66, 0x0f, 0xc9), EMU_NEXT); /* bswap ecx */
    assert_int_equal(v->gpr[GPR_ECX], 0x78563412);
    wr16(v, 0x0503, 0x00ab); /* DS base 0: [bx + al] */
    v->gpr[GPR_EBX] = 0x0500;
    v->gpr[GPR_EAX] = 0x0003;
    assert_int_equal(I16(v, &ev, 0xd7), EMU_NEXT); /* xlat */
    assert_int_equal(v->gpr[GPR_EAX], 0x00ab);
}

/* fninit, then fnstsw/fnstcw to memory: FSW 0, FCW 037Fh. */
static void test_x87_control(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    memset(v->fpu, 0x5a, 24);
    assert_int_equal(I16(v, &ev, 0xdb, 0xe3), EMU_NEXT);       /* fninit */
    assert_int_equal(I16(v, &ev, 0xdd, 0x3e, 0x00, 0x06), EMU_NEXT); /* fnstsw [0x600] */
    assert_int_equal(I16(v, &ev, 0xd9, 0x3e, 0x02, 0x06), EMU_NEXT); /* fnstcw [0x602] */
    assert_int_equal(rd16(v, 0x600), 0);
    assert_int_equal(rd16(v, 0x602), 0x037f);
}

/* The sensitive and memory-operand forms reach their own handlers: mov to
 * a segment register sets base = selector << 4; add to memory; out. */
static void test_other_handlers(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    real_mode(v);
    v->gpr[GPR_EAX] = 0x0123;
    assert_int_equal(I16(v, &ev, 0x8e, 0xc0), EMU_NEXT); /* mov es, ax */
    assert_int_equal(v->seg[SREG_ES].base, 0x1230);
    wr16(v, 0x1230 + 0x10, 41);
    assert_int_equal(I16(v, &ev, 0x26, 0x83, 0x06, 0x10, 0x00, 0x01), EMU_NEXT); /* add word es:[0x10], 1 */
    assert_int_equal(rd16(v, 0x1240), 42);
    v->gpr[GPR_ECX] = 3;
    assert_int_equal(I16(v, &ev, 0xd3, 0xe0), EMU_NEXT); /* shl ax, cl */
    assert_int_equal(v->gpr[GPR_EAX], 0x0918);
    assert_int_equal(I16(v, &ev, 0x0f, 0x0b), EMU_EVENT); /* ud2 */
    assert_int_equal(ev.vector, VEC_UD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_near_branches), FX_TEST(test_call_ret),    FX_TEST(test_push_pop),
        FX_TEST(test_lea16),         FX_TEST(test_mul_div),     FX_TEST(test_plain_misc),
        FX_TEST(test_x87_control),   FX_TEST(test_other_handlers),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
