/*
 * arith_bits.c: bit tests (BT/BTS/BTR/BTC on registers and on memory bit
 * strings), bit scans (BSF/BSR), BSWAP, zero/sign extension (MOVZX/MOVSX,
 * CBW/CWDE/CWD/CDQ) and LAHF/SAHF.
 *
 * SDM Vol. 2A "BT": with a register bit offset and a memory operand, the
 * offset is a signed bit index into a bit string that may lie before or
 * after the addressed dword; with a register operand it is taken modulo the
 * operand size.  CF = the selected bit, ZF unaffected, OF/SF/AF/PF
 * undefined.  "BSF/BSR": ZF = 1 and the destination undefined when the
 * source is 0; other flags undefined.
 */
#include "arith.h"

DEFOP(op_bt_r, "btl %%ecx, %%eax")
DEFOP(op_bt16_r, "btw %%cx, %%ax")
DEFOP(op_bts_imm, "btsl $31, %%eax")
DEFOP(op_btr_r, "btrl %%ecx, %%eax")
DEFOP(op_btc_imm, "btcl $7, %%eax")
DEFOP(op_bsf, "bsfl %%ecx, %%eax")
DEFOP(op_bsr, "bsrl %%ecx, %%eax")
DEFOP(op_bsf16, "bsfw %%cx, %%ax")
DEFOP(op_bswap_eax, "bswapl %%eax")
DEFOP(op_bswap_edx, "bswapl %%edx")
DEFOP(op_movzbl, "movzbl %%cl, %%eax")
DEFOP(op_movzbl_h, "movzbl %%ch, %%eax")
DEFOP(op_movsbl, "movsbl %%cl, %%eax")
DEFOP(op_movzwl, "movzwl %%cx, %%eax")
DEFOP(op_movswl, "movswl %%cx, %%eax")
DEFOP(op_movsbw, "movsbw %%cl, %%ax")
DEFOP(op_cbw, "cbtw")
DEFOP(op_cwde, "cwtl")
DEFOP(op_cwd, "cwtd")
DEFOP(op_cdq, "cltd")
DEFOP(op_lahf, "lahf")
DEFOP(op_sahf, "sahf")

static const struct alu_case bit_cases[] = {
    {"bt reg: bit 4 of 0x10 -> CF, ZF kept", op_bt_r, 0x10, 4, 0, FL_ZF,
     0x10, 4, 0, FL_CF | FL_ZF, FL_CF | FL_ZF},
    {"bt reg: offset 36 is taken mod 32", op_bt_r, 0x10, 36, 0, 0,
     0x10, 36, 0, FL_CF, FL_CF},
    {"bt reg: clear bit -> CF clear", op_bt_r, 0xffffffef, 4, 0, FL_CF,
     0xffffffef, 4, 0, 0, FL_CF},
    {"bt r16: offset 17 mod 16 = bit 1", op_bt16_r, 0x2, 17, 0, 0,
     0x2, 17, 0, FL_CF, FL_CF},
    {"bts imm 31: 0 -> 0x80000000, CF clear", op_bts_imm, 0, 0, 0, FL_CF,
     0x80000000, 0, 0, 0, FL_CF},
    {"btr reg: bit 0 of 0xffffffff", op_btr_r, 0xffffffff, 0, 0, 0,
     0xfffffffe, 0, 0, FL_CF, FL_CF},
    {"btc imm 7: 0x80 -> 0, CF", op_btc_imm, 0x80, 0, 0, 0,
     0, 0, 0, FL_CF, FL_CF},
    {"bsf 0x00f00000 = 20", op_bsf, 0, 0x00f00000, 0, FL_ZF,
     20, 0x00f00000, 0, 0, FL_ZF},
    {"bsr 0x00f00000 = 23", op_bsr, 0, 0x00f00000, 0, FL_ZF,
     23, 0x00f00000, 0, 0, FL_ZF},
    {"bsf 0x80000001 = 0", op_bsf, 0xffff, 0x80000001, 0, 0,
     0, 0x80000001, 0, 0, FL_ZF},
    {"bsr 0x80000001 = 31", op_bsr, 0, 0x80000001, 0, 0,
     31, 0x80000001, 0, 0, FL_ZF},
    {"bsf r16 0x8000 = 15, upper eax kept", op_bsf16, 0x12340000, 0x8000, 0, 0,
     0x1234000f, 0x8000, 0, 0, FL_ZF},
    {"bswap eax", op_bswap_eax, 0x12345678, 0, 0, FL_ARITH,
     0x78563412, 0, 0, FL_ARITH, FL_ARITH},
    {"bswap edx", op_bswap_edx, 0, 0, 0xaabbccdd, 0,
     0, 0, 0xddccbbaa, 0, FL_ARITH},
    {"movzx r32,r8 0x80", op_movzbl, 0xffffffff, 0x1234ff80, 0, 0,
     0x80, 0x1234ff80, 0, 0, FL_ARITH},
    {"movzx r32,ch", op_movzbl_h, 0xffffffff, 0x0000a500, 0, 0,
     0xa5, 0x0000a500, 0, 0, FL_ARITH},
    {"movsx r32,r8 0x80", op_movsbl, 0, 0x80, 0, 0,
     0xffffff80, 0x80, 0, 0, FL_ARITH},
    {"movzx r32,r16 0x8000", op_movzwl, 0xffffffff, 0xffff8000, 0, 0,
     0x8000, 0xffff8000, 0, 0, FL_ARITH},
    {"movsx r32,r16 0x8000", op_movswl, 0, 0x8000, 0, 0,
     0xffff8000, 0x8000, 0, 0, FL_ARITH},
    {"movsx r16,r8 0x80, upper eax kept", op_movsbw, 0x12345678, 0x80, 0, 0,
     0x1234ff80, 0x80, 0, 0, FL_ARITH},
    {"cbw 0x80 -> ax 0xff80, upper kept", op_cbw, 0x12345680, 0, 0, 0,
     0x1234ff80, 0, 0, 0, FL_ARITH},
    {"cbw 0x7f -> ax 0x007f", op_cbw, 0xaaaaff7f, 0, 0, 0,
     0xaaaa007f, 0, 0, 0, FL_ARITH},
    {"cwde 0x8000 -> 0xffff8000", op_cwde, 0x00008000, 0, 0, 0,
     0xffff8000, 0, 0, 0, FL_ARITH},
    {"cwd 0x8000 -> dx 0xffff, upper edx kept", op_cwd, 0x00008000, 0, 0x12340000, 0,
     0x00008000, 0, 0x1234ffff, 0, FL_ARITH},
    {"cdq 0x80000000 -> edx 0xffffffff", op_cdq, 0x80000000, 0, 0, 0,
     0x80000000, 0, 0xffffffff, 0, FL_ARITH},
    {"cdq 0x7fffffff -> edx 0", op_cdq, 0x7fffffff, 0, 0xffffffff, 0,
     0x7fffffff, 0, 0, 0, FL_ARITH},
    {"lahf: CF PF ZF -> ah 0x47", op_lahf, 0x12345678, 0, 0, FL_CF | FL_PF | FL_ZF,
     0x12344778, 0, 0, FL_CF | FL_PF | FL_ZF, FL_ARITH},
    {"lahf: SF AF -> ah 0x92", op_lahf, 0, 0, 0, FL_SF | FL_AF | FL_OF,
     0x9200, 0, 0, FL_SF | FL_AF | FL_OF, FL_ARITH},
    {"sahf: ah 0xd5 sets SF ZF AF PF CF, OF kept", op_sahf, 0xd500, 0, 0, FL_OF,
     0xd500, 0, 0, FL_ARITH, FL_ARITH},
    {"sahf: ah 0 clears them, OF kept", op_sahf, 0, 0, 0, FL_ARITH,
     0, 0, 0, FL_OF, FL_ARITH},
};

/* BT/BTS with a register bit offset into a memory bit string. */
static uint32_t bit_string[3];

static uint32_t bt_mem(int32_t offset)
{
    uint32_t cf;
    asm volatile("btl %1, %2\n\tsetc %b0\n\tmovzbl %b0, %0"
                 : "=&q"(cf)
                 : "r"(offset), "m"(bit_string[1])
                 : "cc", "memory");
    return cf;
}

static void test_bt_memory(void)
{
    uint32_t old;
    bit_string[0] = 0x80000000;
    bit_string[1] = 0x00000008;
    bit_string[2] = 0;
    rt_eq(bt_mem(3), 1, "bt mem, offset 3: bit 3 of the addressed dword");
    rt_eq(bt_mem(35), 0, "bt mem, offset 35: the next dword, bit 3");
    rt_eq(bt_mem(-1), 1, "bt mem, offset -1: bit 31 of the dword before");
    rt_eq(bt_mem(-29), 0, "bt mem, offset -29: bit 3 of the dword before");
    asm volatile("btsl %1, %0\n\t" : "+m"(bit_string[1]) : "r"(40) : "cc", "memory");
    rt_eq(bit_string[2], 0x100, "bts mem, offset 40 sets bit 8 of the next dword");
    rt_eq(bit_string[1], 0x8, "bts mem, offset 40 leaves the addressed dword");
    asm volatile("btrl $3, %0\n\tsetc %b1" : "+m"(bit_string[1]), "=q"(old) : : "cc");
    rt_eq(bit_string[1], 0, "btr mem, imm 3 clears the bit");
    rt_eq(old & 0xff, 1, "btr mem, imm 3: CF = old bit");
    asm volatile("lock btcl %1, %0" : "+m"(bit_string[1]) : "r"(-2) : "cc", "memory");
    rt_eq(bit_string[0], 0xc0000000, "lock btc mem, offset -2 toggles bit 30 before");
}

static void test_bsf_zero(void)
{
    uint32_t fl;
    asm volatile("movl $0, %%ecx\n\tbsfl %%ecx, %%eax\n\tpushfl\n\tpopl %0"
                 : "=r"(fl)
                 :
                 : "eax", "ecx", "cc");
    rt_eq_flags(fl, FL_ZF, FL_ZF, "bsf 0 sets ZF");
    asm volatile("movl $0, %%ecx\n\tbsrl %%ecx, %%eax\n\tpushfl\n\tpopl %0"
                 : "=r"(fl)
                 :
                 : "eax", "ecx", "cc");
    rt_eq_flags(fl, FL_ZF, FL_ZF, "bsr 0 sets ZF");
}

void arith_test_bits(void)
{
    alu_run_table(bit_cases, sizeof bit_cases / sizeof bit_cases[0]);
    test_bt_memory();
    test_bsf_zero();
}
