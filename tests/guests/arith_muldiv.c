/*
 * arith_muldiv.c: MUL, every IMUL form (one operand, two operands,
 * three operands with imm8 and imm32), DIV and IDIV at 8, 16 and 32 bits.
 *
 * SDM Vol. 2A "MUL"/"IMUL": CF and OF are set when the upper half of the
 * product is significant (MUL: non-zero; IMUL: not the sign extension of the
 * lower half); SF, ZF, AF and PF are undefined.  "DIV"/"IDIV": every flag is
 * undefined, the quotient is truncated toward zero and the remainder has the
 * sign of the dividend.
 */
#include "arith.h"

DEFOP(op_mul32, "mull %%ecx")
DEFOP(op_mul8, "mulb %%cl")
DEFOP(op_mul16, "mulw %%cx")
DEFOP(op_imul32, "imull %%ecx")
DEFOP(op_imul8, "imulb %%cl")
DEFOP(op_imul16, "imulw %%cx")
DEFOP(op_imul_rr, "imull %%ecx, %%eax")               /* 0F AF */
DEFOP(op_imul_rr16, "imulw %%cx, %%ax")
DEFOP(op_imul_imm8, "imull $-3, %%ecx, %%eax")        /* 6B ib */
DEFOP(op_imul_imm32, "imull $0x10000, %%ecx, %%eax")  /* 69 id */
DEFOP(op_imul16_imm8, "imulw $2, %%cx, %%ax")
DEFOP(op_div32, "divl %%ecx")
DEFOP(op_div8, "divb %%cl")
DEFOP(op_div16, "divw %%cx")
DEFOP(op_idiv32, "idivl %%ecx")
DEFOP(op_idiv8, "idivb %%cl")
DEFOP(op_idiv16, "idivw %%cx")

static const struct alu_case muldiv_cases[] = {
    {"mul 0x80000000*4 = 2:0, CF OF", op_mul32, 0x80000000, 4, 0x55555555, 0,
     0, 4, 2, FL_CF | FL_OF, F_CFOF},
    {"mul 0x10000*0x1000 fits, CF OF clear", op_mul32, 0x10000, 0x1000, 0x55555555, F_CFOF,
     0x10000000, 0x1000, 0, 0, F_CFOF},
    {"mul al,cl 0x80*2 = ax 0x100, edx kept", op_mul8, 0x12340080, 2, 0x55555555, 0,
     0x12340100, 2, 0x55555555, FL_CF | FL_OF, F_CFOF},
    {"mul ax,cx 0xffff*0xffff = dx:ax 0xfffe:0001", op_mul16, 0xaaaaffff, 0xffff, 0xbbbb1111, 0,
     0xaaaa0001, 0xffff, 0xbbbbfffe, FL_CF | FL_OF, F_CFOF},
    {"imul -2*3 = -6, CF OF clear", op_imul32, 0xfffffffe, 3, 0, F_CFOF,
     0xfffffffa, 3, 0xffffffff, 0, F_CFOF},
    {"imul 0x40000000*4 = 1:0, CF OF", op_imul32, 0x40000000, 4, 0, 0,
     0, 4, 1, FL_CF | FL_OF, F_CFOF},
    {"imul al,cl -1*-128 = 128, CF OF", op_imul8, 0x000000ff, 0x80, 0, 0,
     0x00000080, 0x80, 0, FL_CF | FL_OF, F_CFOF},
    {"imul ax,cx -2*3 = dx:ax -6", op_imul16, 0x1111fffe, 3, 0x22220000, F_CFOF,
     0x1111fffa, 3, 0x2222ffff, 0, F_CFOF},
    {"imul r,r 0x10000*0x10000 truncated, CF OF, edx kept", op_imul_rr, 0x10000, 0x10000,
     0x77777777, 0, 0, 0x10000, 0x77777777, FL_CF | FL_OF, F_CFOF},
    {"imul r,r -7*6 = -42", op_imul_rr, 0xfffffff9, 6, 0, F_CFOF,
     0xffffffd6, 6, 0, 0, F_CFOF},
    {"imul r16,r16 -1*-1 = 1", op_imul_rr16, 0xabcdffff, 0xffff, 0, F_CFOF,
     0xabcd0001, 0xffff, 0, 0, F_CFOF},
    {"imul r,r,imm8 7*-3 = -21", op_imul_imm8, 0x12345678, 7, 0, F_CFOF,
     0xffffffeb, 7, 0, 0, F_CFOF},
    {"imul r,r,imm32 0x8000*0x10000 overflows, CF OF", op_imul_imm32, 0, 0x8000, 0, 0,
     0x80000000, 0x8000, 0, FL_CF | FL_OF, F_CFOF},
    {"imul r16,r16,imm8 0x4000*2 overflows, upper eax kept", op_imul16_imm8, 0x99990000,
     0x4000, 0, 0, 0x99998000, 0x4000, 0, FL_CF | FL_OF, F_CFOF},
    {"div 0x1:00000000 / 0x10", op_div32, 0, 0x10, 1, 0,
     0x10000000, 0x10, 0, 0, 0},
    {"div 100 / 7 = 14 rem 2", op_div32, 100, 7, 0, 0,
     14, 7, 2, 0, 0},
    {"div ax 0x0123 / cl 0x10 = al 0x12 ah 0x03", op_div8, 0xffff0123, 0x10, 0, 0,
     0xffff0312, 0x10, 0, 0, 0},
    {"div dx:ax 0x10000 / cx 0x100", op_div16, 0x55550000, 0x100, 0x66660001, 0,
     0x55550100, 0x100, 0x66660000, 0, 0},
    {"idiv -7 / 2 = -3 rem -1", op_idiv32, 0xfffffff9, 2, 0xffffffff, 0,
     0xfffffffd, 2, 0xffffffff, 0, 0},
    {"idiv 7 / -2 = -3 rem 1", op_idiv32, 7, 0xfffffffe, 0, 0,
     0xfffffffd, 0xfffffffe, 1, 0, 0},
    {"idiv ax -100 / cl 7 = al -14 ah -2", op_idiv8, 0x0000ff9c, 7, 0, 0,
     0x0000fef2, 7, 0, 0, 0},
    {"idiv dx:ax 100 / cx -10 = ax -10 dx 0", op_idiv16, 0x00000064, 0xfff6, 0x12340000, 0,
     0x0000fff6, 0xfff6, 0x12340000, 0, 0},
};

void arith_test_muldiv(void)
{
    alu_run_table(muldiv_cases, sizeof muldiv_cases / sizeof muldiv_cases[0]);
}
