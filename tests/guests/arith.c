/*
 * arith.c: the arith guest — integer ALU instructions and their flags.
 *
 * The monitor translates these instructions one to one, so what this guest
 * catches is the translator's plumbing: prefixes (0x66 operand size, 0x67
 * address size), 8-bit high registers, the guest flags surviving around
 * inserted code, and opcodes whose meaning changed in 64-bit mode.  The
 * tables here cover add/adc/sub/sbb/cmp/logic/inc/dec/neg/not; the other
 * arith_*.c files cover shifts, multiply/divide, bit operations, conditions,
 * exchanges and addressing.
 */
#include "arith.h"

RT_GUEST("arith");

volatile uint32_t alu_flags;

void alu_run_table(const struct alu_case *c, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++, c++) {
        struct regs r = {c->eax, c->ecx, c->edx, c->flags_in | 0x2};
        c->op(&r);
        if (r.eax == c->want_eax && r.ecx == c->want_ecx && r.edx == c->want_edx &&
            !((r.flags ^ c->want_flags) & c->flag_mask)) {
            rt_ok(1, "%s", c->name);
            continue;
        }
        rt_eq(r.eax, c->want_eax, "%s: eax", c->name);
        rt_eq(r.ecx, c->want_ecx, "%s: ecx", c->name);
        rt_eq(r.edx, c->want_edx, "%s: edx", c->name);
        rt_eq_flags(r.flags, c->want_flags, c->flag_mask, "%s: flags", c->name);
    }
}

DEFOP(op_add32, "addl %%ecx, %%eax")
DEFOP(op_add8, "addb %%cl, %%al")
DEFOP(op_add16, "addw %%cx, %%ax")
DEFOP(op_add8h, "addb %%ch, %%ah")
DEFOP(op_add_imm8, "addl $-1, %%eax")          /* 83 /0 ib, sign-extended */
DEFOP(op_add_al_imm, "addb $0x7f, %%al")       /* 04 ib */
DEFOP(op_adc32, "adcl %%ecx, %%eax")
DEFOP(op_adc16, "adcw %%cx, %%ax")
DEFOP(op_sub32, "subl %%ecx, %%eax")
DEFOP(op_sub8, "subb %%cl, %%al")
DEFOP(op_sub8h, "subb %%dh, %%ch")
DEFOP(op_sbb32, "sbbl %%ecx, %%eax")
DEFOP(op_sbb8, "sbbb %%cl, %%al")
DEFOP(op_cmp32, "cmpl %%ecx, %%eax")
DEFOP(op_cmp16_imm, "cmpw $0x8000, %%ax")
DEFOP(op_and32, "andl %%ecx, %%eax")
DEFOP(op_and_imm16, "andw $0x00ff, %%ax")
DEFOP(op_or32, "orl %%ecx, %%eax")
DEFOP(op_or8, "orb %%cl, %%al")
DEFOP(op_xor32, "xorl %%ecx, %%eax")
DEFOP(op_xor8h, "xorb %%ah, %%dl")
DEFOP(op_test32, "testl %%ecx, %%eax")
DEFOP(op_test8h, "testb $0x80, %%ch")
DEFOP(op_inc32, "incl %%eax")
DEFOP(op_inc8, "incb %%al")
DEFOP(op_inc8h, "incb %%dh")
DEFOP(op_dec32, "decl %%eax")
DEFOP(op_dec16, "decw %%ax")
DEFOP(op_neg32, "negl %%eax")
DEFOP(op_neg8, "negb %%al")
DEFOP(op_neg16, "negw %%cx")
DEFOP(op_not32, "notl %%eax")
DEFOP(op_not8h, "notb %%ah")

#define ALLF (FL_ARITH)

static const struct alu_case alu_cases[] = {
    /* name, op, eax, ecx, edx, flags in, eax', ecx', edx', flags', defined */
    {"add 0x7fffffff+1: OF SF AF PF", op_add32, 0x7fffffff, 1, 0, 0,
     0x80000000, 1, 0, FL_OF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"add 0xffffffff+1: CF ZF AF PF", op_add32, 0xffffffff, 1, 0, 0,
     0, 1, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"add 0x12345678+0x11111111: no flags", op_add32, 0x12345678, 0x11111111, 0, ALLF,
     0x23456789, 0x11111111, 0, 0, F_ALL},
    {"add al,cl 0x80+0x80: CF OF ZF PF, upper eax kept", op_add8, 0x12345680, 0xaaaaaa80, 0, 0,
     0x12345600, 0xaaaaaa80, 0, FL_CF | FL_OF | FL_ZF | FL_PF, F_ALL},
    {"add ax,cx 0x8000+0xffff: CF OF PF", op_add16, 0xabcd8000, 0x0000ffff, 0, 0,
     0xabcd7fff, 0x0000ffff, 0, FL_CF | FL_OF | FL_PF, F_ALL},
    {"add ah,ch 0x33+0xcd: CF ZF AF PF", op_add8h, 0x11223344, 0x5566cd77, 0, 0,
     0x11220044, 0x5566cd77, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"add eax,imm8 -1 (83 /0): 1-1 = 0", op_add_imm8, 1, 0, 0, 0,
     0, 0, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"add al,imm8 0x7f (04 ib): 0x01+0x7f OF SF AF", op_add_al_imm, 0xffffff01, 0, 0, 0,
     0xffffff80, 0, 0, FL_OF | FL_SF | FL_AF, F_ALL},
    {"adc 0xffffffff+0+CF: CF ZF AF PF", op_adc32, 0xffffffff, 0, 0, FL_CF,
     0, 0, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"adc 0x7ffffffe+1+CF: OF SF AF PF", op_adc32, 0x7ffffffe, 1, 0, FL_CF,
     0x80000000, 1, 0, FL_OF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"adc 5+3 without CF: 8, no flags", op_adc32, 5, 3, 0, 0,
     8, 3, 0, 0, F_ALL},
    {"adc ax,cx 0xffff+0+CF: CF ZF AF PF", op_adc16, 0x1234ffff, 0, 0, FL_CF,
     0x12340000, 0, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"sub 0-1: CF SF AF PF", op_sub32, 0, 1, 0, 0,
     0xffffffff, 1, 0, FL_CF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"sub 0x80000000-1: OF AF PF", op_sub32, 0x80000000, 1, 0, 0,
     0x7fffffff, 1, 0, FL_OF | FL_AF | FL_PF, F_ALL},
    {"sub 5-5: ZF PF", op_sub32, 5, 5, 0, ALLF,
     0, 5, 0, FL_ZF | FL_PF, F_ALL},
    {"sub al,cl 0x10-1: AF PF", op_sub8, 0x10, 1, 0, 0,
     0x0f, 1, 0, FL_AF | FL_PF, F_ALL},
    {"sub ch,dh 0x01-0x02: CF SF AF", op_sub8h, 0, 0x00000100, 0x00000200, 0,
     0, 0x0000ff00, 0x00000200, FL_CF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"sbb 5-5-CF: CF SF AF PF", op_sbb32, 5, 5, 0, FL_CF,
     0xffffffff, 5, 0, FL_CF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"sbb 0x80000000-0-CF: OF AF PF", op_sbb32, 0x80000000, 0, 0, FL_CF,
     0x7fffffff, 0, 0, FL_OF | FL_AF | FL_PF, F_ALL},
    {"sbb 10-3 without CF: 7", op_sbb32, 10, 3, 0, 0,
     7, 3, 0, 0, F_ALL},
    {"sbb al,cl 0x00-0xff-CF: ZF AF PF CF", op_sbb8, 0x00, 0xff, 0, FL_CF,
     0x00, 0xff, 0, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL},
    {"cmp 3,5: CF SF AF, eax kept", op_cmp32, 3, 5, 0, 0,
     3, 5, 0, FL_CF | FL_SF | FL_AF, F_ALL},
    {"cmp 0x80000000,1: OF AF PF", op_cmp32, 0x80000000, 1, 0, 0,
     0x80000000, 1, 0, FL_OF | FL_AF | FL_PF, F_ALL},
    {"cmp ax,imm16 0x0000,0x8000: CF OF SF PF", op_cmp16_imm, 0xffff0000, 0, 0, 0,
     0xffff0000, 0, 0, FL_CF | FL_OF | FL_SF | FL_PF, F_ALL},
    {"and 0xf0f0f0f0&0x0ff00ff0: PF, CF OF cleared", op_and32, 0xf0f0f0f0, 0x0ff00ff0, 0,
     FL_CF | FL_OF, 0x00f000f0, 0x0ff00ff0, 0, FL_PF, F_LOGIC},
    {"and 0x80000000&0x80000001: SF PF", op_and32, 0x80000000, 0x80000001, 0, 0,
     0x80000000, 0x80000001, 0, FL_SF | FL_PF, F_LOGIC},
    {"and ax,imm16 0x00ff: upper eax kept", op_and_imm16, 0x1234abcd, 0, 0, 0,
     0x123400cd, 0, 0, 0, F_LOGIC},
    {"or 0|0: ZF PF", op_or32, 0, 0, 0, FL_CF | FL_OF | FL_SF,
     0, 0, 0, FL_ZF | FL_PF, F_LOGIC},
    {"or al,cl 0x80|0x01: SF PF", op_or8, 0xffffff80, 0x01, 0, 0,
     0xffffff81, 0x01, 0, FL_SF | FL_PF, F_LOGIC},
    {"xor x^x: ZF PF", op_xor32, 0x12345678, 0x12345678, 0, FL_CF | FL_OF,
     0, 0x12345678, 0, FL_ZF | FL_PF, F_LOGIC},
    {"xor 0xffff0000^0x0000ffff: SF PF", op_xor32, 0xffff0000, 0x0000ffff, 0, 0,
     0xffffffff, 0x0000ffff, 0, FL_SF | FL_PF, F_LOGIC},
    {"xor dl,ah: 0x0f^0xf0 = 0xff", op_xor8h, 0x0000f000, 0, 0x1111110f, 0,
     0x0000f000, 0, 0x111111ff, FL_SF | FL_PF, F_LOGIC},
    {"test 0x100&0x100: PF only, eax kept", op_test32, 0x100, 0x100, 0, FL_CF | FL_OF,
     0x100, 0x100, 0, FL_PF, F_LOGIC},
    {"test ch,imm8 0x80: SF", op_test8h, 0, 0x8000, 0, FL_ZF,
     0, 0x8000, 0, FL_SF, F_LOGIC},
    {"inc 0x7fffffff: OF SF AF PF, CF kept", op_inc32, 0x7fffffff, 0, 0, FL_CF,
     0x80000000, 0, 0, FL_OF | FL_SF | FL_AF | FL_PF | FL_CF, F_ALL},
    {"inc 0xffffffff: ZF AF PF, CF kept clear", op_inc32, 0xffffffff, 0, 0, 0,
     0, 0, 0, FL_ZF | FL_AF | FL_PF, F_ALL},
    {"inc al 0x0f: AF", op_inc8, 0xaaaaaa0f, 0, 0, 0,
     0xaaaaaa10, 0, 0, FL_AF, F_ALL},
    {"inc dh 0xff: ZF AF PF, CF kept", op_inc8h, 0, 0, 0x1234ff78, FL_CF,
     0, 0, 0x12340078, FL_ZF | FL_AF | FL_PF | FL_CF, F_ALL},
    {"dec 0x80000000: OF AF PF, CF kept", op_dec32, 0x80000000, 0, 0, FL_CF,
     0x7fffffff, 0, 0, FL_OF | FL_AF | FL_PF | FL_CF, F_ALL},
    {"dec 1: ZF PF", op_dec32, 1, 0, 0, 0,
     0, 0, 0, FL_ZF | FL_PF, F_ALL},
    {"dec ax 0: SF AF PF", op_dec16, 0x56780000, 0, 0, 0,
     0x5678ffff, 0, 0, FL_SF | FL_AF | FL_PF, F_ALL},
    {"neg 0: ZF PF, CF clear", op_neg32, 0, 0, 0, FL_CF,
     0, 0, 0, FL_ZF | FL_PF, F_ALL},
    {"neg 1: CF SF AF PF", op_neg32, 1, 0, 0, 0,
     0xffffffff, 0, 0, FL_CF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"neg 0x80000000: CF OF SF PF", op_neg32, 0x80000000, 0, 0, 0,
     0x80000000, 0, 0, FL_CF | FL_OF | FL_SF | FL_PF, F_ALL},
    {"neg al 0x80: CF OF SF", op_neg8, 0x11111180, 0, 0, 0,
     0x11111180, 0, 0, FL_CF | FL_OF | FL_SF, F_ALL},
    {"neg cx 0x0001: CF SF AF PF", op_neg16, 0, 0xabcd0001, 0, 0,
     0, 0xabcdffff, 0, FL_CF | FL_SF | FL_AF | FL_PF, F_ALL},
    {"not: no flags changed", op_not32, 0x0f0f0f0f, 0, 0, ALLF,
     0xf0f0f0f0, 0, 0, ALLF, F_ALL},
    {"not ah: no flags changed", op_not8h, 0x12345678, 0, 0, 0,
     0x1234a978, 0, 0, 0, F_ALL},
};

void arith_test_alu(void)
{
    alu_run_table(alu_cases, sizeof alu_cases / sizeof alu_cases[0]);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    arith_test_alu();
    arith_test_shift();
    arith_test_muldiv();
    arith_test_bits();
    arith_test_cond();
    arith_test_misc();
    arith_test_lea();
}
