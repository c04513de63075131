/*
 * arith_shift.c: shifts and rotates by 1, by CL and by an immediate, with
 * the counts whose flag rules differ (SDM Vol. 2B "SAL/SAR/SHL/SHR" and
 * "RCL/RCR/ROL/ROR", Operation and Flags Affected):
 *   - the count is masked to 5 bits: 32 acts as 0, 33 as 1;
 *   - a masked count of 0 changes no flag at all;
 *   - OF is defined only for a masked count of 1, AF never for shifts;
 *   - rotates change only CF and OF; RCL/RCR on 8/16 bits rotate by the
 *     masked count mod 9/17; ROL/ROR take CF from the result whenever the
 *     masked count is non-zero, even if count mod size is 0.
 */
#include "arith.h"

DEFOP(op_shl1, "shll $1, %%eax")              /* D1 /4 */
DEFOP(op_shl_cl, "shll %%cl, %%eax")          /* D3 /4 */
DEFOP(op_shl_imm4, "shll $4, %%eax")          /* C1 /4 ib */
DEFOP(op_shl8_cl, "shlb %%cl, %%al")
DEFOP(op_shl16_cl, "shlw %%cl, %%dx")
DEFOP(op_shr1, "shrl $1, %%eax")
DEFOP(op_shr_cl, "shrl %%cl, %%eax")
DEFOP(op_shr_imm8, "shrl $8, %%eax")
DEFOP(op_shr16_1, "shrw $1, %%ax")
DEFOP(op_shr8h_cl, "shrb %%cl, %%ah")
DEFOP(op_sar1, "sarl $1, %%eax")
DEFOP(op_sar_cl, "sarl %%cl, %%eax")
DEFOP(op_sar_imm4, "sarl $4, %%eax")
DEFOP(op_sar8_cl, "sarb %%cl, %%al")
DEFOP(op_rol1, "roll $1, %%eax")
DEFOP(op_rol_cl, "roll %%cl, %%eax")
DEFOP(op_rol8_cl, "rolb %%cl, %%al")
DEFOP(op_ror1, "rorl $1, %%eax")
DEFOP(op_ror_imm8, "rorl $8, %%eax")
DEFOP(op_ror16_1, "rorw $1, %%ax")
DEFOP(op_rcl1, "rcll $1, %%eax")
DEFOP(op_rcl_cl, "rcll %%cl, %%eax")
DEFOP(op_rcl16_cl, "rclw %%cl, %%ax")
DEFOP(op_rcr1, "rcrl $1, %%eax")
DEFOP(op_rcr8_cl, "rcrb %%cl, %%al")
DEFOP(op_rcr_imm3, "rcrl $3, %%eax")
DEFOP(op_shld_imm, "shldl $8, %%ecx, %%eax")
DEFOP(op_shrd_cl, "shrdl %%cl, %%edx, %%eax")

static const struct alu_case shift_cases[] = {
    {"shl 1: 0x80000001 -> CF OF", op_shl1, 0x80000001, 0, 0, 0,
     0x00000002, 0, 0, FL_CF | FL_OF, F_LOGIC},
    {"shl cl=0: value and all flags kept", op_shl_cl, 0x12345678, 0, 0, FL_ARITH,
     0x12345678, 0, 0, FL_ARITH, F_ALL},
    {"shl cl=31: 3 -> 0x80000000 CF SF PF", op_shl_cl, 3, 31, 0, 0,
     0x80000000, 31, 0, FL_CF | FL_SF | FL_PF, F_SHIFTN},
    {"shl cl=32 (masked to 0): nothing changes", op_shl_cl, 0x12345678, 32, 0, FL_ARITH,
     0x12345678, 32, 0, FL_ARITH, F_ALL},
    {"shl cl=33 (masked to 1): OF defined", op_shl_cl, 0x40000000, 33, 0, FL_CF,
     0x80000000, 33, 0, FL_OF | FL_SF | FL_PF, F_LOGIC},
    {"shl imm 4: 0x0ffffff1 -> 0xffffff10", op_shl_imm4, 0x0ffffff1, 0, 0, FL_CF,
     0xffffff10, 0, 0, FL_SF, F_SHIFTN},
    {"shl al,cl=9 (>= width): 0", op_shl8_cl, 0x123456ff, 9, 0, 0,
     0x12345600, 9, 0, FL_ZF | FL_PF, F_RES},
    {"shl dx,cl=4 (16-bit)", op_shl16_cl, 0, 4, 0xaaaa1234, 0,
     0, 4, 0xaaaa2340, FL_CF, F_SHIFTN},
    {"shr 1: 0x80000001 -> CF OF PF", op_shr1, 0x80000001, 0, 0, 0,
     0x40000000, 0, 0, FL_CF | FL_OF | FL_PF, F_LOGIC},
    {"shr cl=31: 0x80000000 -> 1", op_shr_cl, 0x80000000, 31, 0, FL_CF,
     1, 31, 0, 0, F_SHIFTN},
    {"shr imm 8: 0x12345678 -> PF", op_shr_imm8, 0x12345678, 0, 0, FL_CF,
     0x00123456, 0, 0, FL_PF, F_SHIFTN},
    {"shr ax,1: 1 -> 0 CF ZF PF", op_shr16_1, 0xffff0001, 0, 0, 0,
     0xffff0000, 0, 0, FL_CF | FL_ZF | FL_PF, F_LOGIC},
    {"shr ah,cl=4: 0xf0 -> 0x0f", op_shr8h_cl, 0x1234f078, 4, 0, FL_CF,
     0x12340f78, 4, 0, FL_PF, F_SHIFTN},
    {"sar 1: 0x80000001 -> 0xc0000000 CF SF PF, OF clear", op_sar1, 0x80000001, 0, 0, FL_OF,
     0xc0000000, 0, 0, FL_CF | FL_SF | FL_PF, F_LOGIC},
    {"sar cl=31: 0x80000000 -> 0xffffffff", op_sar_cl, 0x80000000, 31, 0, FL_CF,
     0xffffffff, 31, 0, FL_SF | FL_PF, F_SHIFTN},
    {"sar cl=0: nothing changes", op_sar_cl, 0x80000000, 0, 0, FL_ARITH,
     0x80000000, 0, 0, FL_ARITH, F_ALL},
    {"sar imm 4: 0x7ffffff8 -> 0x07ffffff CF PF", op_sar_imm4, 0x7ffffff8, 0, 0, 0,
     0x07ffffff, 0, 0, FL_CF | FL_PF, F_SHIFTN},
    {"sar al,cl=9 (>= width): sign fill", op_sar8_cl, 0x00000080, 9, 0, 0,
     0x000000ff, 9, 0, FL_SF | FL_PF, F_RES},
    {"rol 1: 0x80000001 -> 3 CF OF, others kept", op_rol1, 0x80000001, 0, 0,
     FL_SF | FL_ZF | FL_AF | FL_PF, 3, 0, 0, FL_CF | FL_OF | FL_SF | FL_ZF | FL_AF | FL_PF,
     F_ALL},
    {"rol cl=4: 0x12345678 -> 0x23456781 CF", op_rol_cl, 0x12345678, 4, 0, 0,
     0x23456781, 4, 0, FL_CF, F_ROTN},
    {"rol cl=32 (masked to 0): nothing changes", op_rol_cl, 0x12345678, 32, 0, FL_ARITH,
     0x12345678, 32, 0, FL_ARITH, F_ALL},
    {"rol al,cl=9: rotates by 1, CF", op_rol8_cl, 0x00000081, 9, 0, 0,
     0x00000003, 9, 0, FL_CF, F_ROTN},
    {"rol al,cl=8: value kept, CF = bit 0", op_rol8_cl, 0x00000081, 8, 0, 0,
     0x00000081, 8, 0, FL_CF, F_ROTN},
    {"ror 1: 1 -> 0x80000000 CF OF", op_ror1, 1, 0, 0, 0,
     0x80000000, 0, 0, FL_CF | FL_OF, F_ALL},
    {"ror imm 8: 0x12345678 -> 0x78123456, CF clear", op_ror_imm8, 0x12345678, 0, 0,
     FL_CF | FL_SF | FL_ZF | FL_AF | FL_PF, 0x78123456, 0, 0,
     FL_SF | FL_ZF | FL_AF | FL_PF, F_ROTN},
    {"ror ax,1: 1 -> 0x8000 CF OF", op_ror16_1, 0x55550001, 0, 0, 0,
     0x55558000, 0, 0, FL_CF | FL_OF, F_ALL},
    {"rcl 1: 0x80000000 -> 0 CF OF, ZF not set", op_rcl1, 0x80000000, 0, 0, 0,
     0, 0, 0, FL_CF | FL_OF, F_ALL},
    {"rcl 1: 0 with CF -> 1", op_rcl1, 0, 0, 0, FL_CF,
     1, 0, 0, 0, F_ALL},
    {"rcl cl=4 with CF: 0x12345678 -> 0x23456788 CF", op_rcl_cl, 0x12345678, 4, 0, FL_CF,
     0x23456788, 4, 0, FL_CF, F_ROTN},
    {"rcl ax,cl=17 (mod 17 = 0): nothing rotates", op_rcl16_cl, 0x00001234, 17, 0, FL_CF,
     0x00001234, 17, 0, FL_CF, FL_CF},
    {"rcr 1 with CF: 1 -> 0x80000000 CF OF", op_rcr1, 1, 0, 0, FL_CF,
     0x80000000, 0, 0, FL_CF | FL_OF, F_ALL},
    {"rcr al,cl=9 (mod 9 = 0): nothing rotates", op_rcr8_cl, 0x00000055, 9, 0, FL_CF,
     0x00000055, 9, 0, FL_CF, FL_CF},
    {"rcr imm 3: 0x00000005 -> 0x40000000 CF", op_rcr_imm3, 0x00000005, 0, 0, 0,
     0x40000000, 0, 0, FL_CF, F_ROTN},
    {"shld imm 8: 0x12345678,0x9abcdef0 -> 0x3456789a", op_shld_imm, 0x12345678, 0x9abcdef0, 0,
     0, 0x3456789a, 0x9abcdef0, 0, FL_PF, F_SHIFTN},
    {"shrd cl=4: eax 0x12345678, edx 0x9 -> 0x91234567 CF", op_shrd_cl, 0x12345678, 4,
     0x00000009, 0, 0x91234567, 4, 0x00000009, FL_CF | FL_SF, F_SHIFTN},
};

void arith_test_shift(void)
{
    alu_run_table(shift_cases, sizeof shift_cases / sizeof shift_cases[0]);
}
