/*
 * invalid64.c: the invalid64 guest — 32-bit instructions whose opcodes are
 * invalid or mean something else in 64-bit mode, so a translator to x86-64
 * must rewrite each of them (SDM Vol. 2, Appendix A, opcodes marked "i64"
 * and "o64"; Vol. 1 §3.2 / Vol. 3A §2.2 for what changed):
 *   0x40-0x4f inc/dec r32 (REX in 64-bit), 0x60/0x61 pusha/popa,
 *   0x27/0x2f/0x37/0x3f/0xd4/0xd5 BCD adjust, 0xc4/0xc5 les/lds (VEX),
 *   0x62 bound (EVEX), 0xce into, 0x63 arpl (movsxd), 0xea/0x9a far
 *   ptr16:32, 0x82 (alias of 0x80), 0x06/0x07/0x0e/0x16/0x17/0x1e/0x1f
 *   push/pop of es/cs/ss/ds, 0xd6 salc, ModRM mod=00 rm=101 (disp32, which
 *   became RIP-relative) and the moffs forms 0xa0-0xa3 (moffs64).
 */
#include "invalid64.h"

RT_GUEST("invalid64");

volatile uint32_t inv_flags;

static void test_inc_dec(void)
{
    uint32_t a = 0x7fffffff, c = 0xffffffff, d = 0, b = 0x0f, si = 0x100, di = 0x80000000;
    uint32_t before, after, bp;

    asm volatile("stc\n\t"
                 ".byte 0x40, 0x41, 0x42, 0x43, 0x46, 0x47\n\t" /* inc eax ecx edx ebx esi edi */
                 "pushfl\n\tpopl inv_flags"
                 : "+a"(a), "+c"(c), "+d"(d), "+b"(b), "+S"(si), "+D"(di)
                 :
                 : "cc", "memory");
    rt_eq(a, 0x80000000, "inc eax (0x40)");
    rt_eq(c, 0, "inc ecx (0x41) wraps");
    rt_eq(d, 1, "inc edx (0x42)");
    rt_eq(b, 0x10, "inc ebx (0x43)");
    rt_eq(si, 0x101, "inc esi (0x46)");
    rt_eq(di, 0x80000001, "inc edi (0x47)");
    rt_eq_flags(inv_flags, FL_CF | FL_SF, FL_ARITH,
                "inc keeps CF; other flags from the last inc (0x80000001)");

    asm volatile("movl %%esp, %0\n\t.byte 0x44, 0x44, 0x4c\n\t" /* inc esp x2, dec esp */
                 "movl %%esp, %1\n\t.byte 0x4c"                  /* dec esp */
                 : "=&r"(before), "=&r"(after));
    rt_eq(after - before, 1, "inc/dec esp (0x44/0x4c)");
    asm volatile("pushl %%ebp\n\tmovl $0xfffffffe, %%ebp\n\t"
                 ".byte 0x45, 0x45, 0x45, 0x4d\n\t"                /* inc ebp x3, dec ebp */
                 "movl %%ebp, %0\n\tpopl %%ebp"
                 : "=a"(bp) : : "cc");
    rt_eq(bp, 0, "inc/dec ebp (0x45/0x4d) wrap");
}

static void test_dec(void)
{
    uint32_t a = 0x80000000, c = 0, d = 1;
    asm volatile(".byte 0x48, 0x49, 0x4a\n\tpushfl\n\tpopl inv_flags" /* dec eax ecx edx */
                 : "+a"(a), "+c"(c), "+d"(d)
                 :
                 : "cc", "memory");
    rt_eq(a, 0x7fffffff, "dec eax (0x48)");
    rt_eq(c, 0xffffffff, "dec ecx (0x49) wraps");
    rt_eq(d, 0, "dec edx (0x4a)");
    rt_eq_flags(inv_flags, FL_ZF | FL_PF, FL_ZF | FL_SF | FL_PF | FL_OF, "dec edx to 0: ZF PF");
}

/* BCD adjustments: table rows run through DEFOP-style helpers. */
static void bcd(const char *name, uint32_t ax, uint32_t fl, uint32_t want_ax, uint32_t want_fl,
                uint32_t mask, void (*op)(uint32_t *ax))
{
    inv_flags = fl | 0x2;
    op(&ax);
    rt_eq(ax & 0xffff, want_ax, "%s: ax", name);
    rt_eq_flags(inv_flags, want_fl, mask, "%s: flags", name);
}

#define BCDOP(fn, bytes)                                                                  \
    static void fn(uint32_t *ax)                                                         \
    {                                                                                    \
        asm volatile("pushl inv_flags\n\tpopfl\n\t.byte " bytes "\n\tpushfl\n\tpopl inv_flags" \
                     : "+a"(*ax) : : "cc", "memory");                                    \
    }
BCDOP(op_daa, "0x27")
BCDOP(op_das, "0x2f")
BCDOP(op_aaa, "0x37")
BCDOP(op_aas, "0x3f")
BCDOP(op_aam, "0xd4, 0x0a")
BCDOP(op_aam16, "0xd4, 0x10")
BCDOP(op_aad, "0xd5, 0x0a")
BCDOP(op_aad16, "0xd5, 0x10")

#define BCD_DEFINED (FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF)

static void test_bcd(void)
{
    uint32_t at;

    /* 0x79 + 0x35 = 0xae: daa gives 0x14 carry 1 (79 + 35 = 114). */
    bcd("daa 0xae", 0x00ae, 0, 0x0014, FL_CF | FL_AF | FL_PF, BCD_DEFINED, op_daa);
    bcd("daa 0x12 (no adjust)", 0x0012, 0, 0x0012, FL_PF, BCD_DEFINED, op_daa);
    /* 0x35 - 0x47 = 0xee with CF AF: das gives 0x88 borrow 1 (35 - 47 = -12). */
    bcd("das 0xee", 0x00ee, FL_CF | FL_AF, 0x0088, FL_CF | FL_AF | FL_SF | FL_PF, BCD_DEFINED,
        op_das);
    bcd("aaa 0x010b", 0x010b, 0, 0x0201, FL_CF | FL_AF, FL_CF | FL_AF, op_aaa);
    bcd("aaa 0x0105 (no adjust)", 0x0135, FL_CF, 0x0105, 0, FL_CF | FL_AF, op_aaa);
    bcd("aas 0x020b", 0x020b, 0, 0x0105, FL_CF | FL_AF, FL_CF | FL_AF, op_aas);
    bcd("aam 79", 0x004f, 0, 0x0709, FL_PF, FL_SF | FL_ZF | FL_PF, op_aam);
    bcd("aam base 16", 0x004f, 0, 0x040f, FL_PF, FL_SF | FL_ZF | FL_PF, op_aam16);
    bcd("aad 0x0709", 0x0709, 0, 0x004f, 0, FL_SF | FL_ZF | FL_PF, op_aad);
    bcd("aad base 16", 0x040f, 0, 0x004f, 0, FL_SF | FL_ZF | FL_PF, op_aad16);
    bcd("aad 0x0000: ZF PF", 0x0000, 0, 0x0000, FL_ZF | FL_PF, FL_SF | FL_ZF | FL_PF, op_aad);

    /* aam with base 0 raises #DE (SDM Vol. 2A "AAM"), a fault. */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n\tmovl $0x4f, %%eax\n1:\t.byte 0xd4, 0x00" RT_TRY_END
                 : "=m"(at) : : "eax", "memory");
    rt_expect_trap(0, 0, at, "aam 0 raises #DE");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_inc_dec();
    test_dec();
    test_bcd();
    inv_test_far();
    inv_test_bound_into();
    inv_test_misc();
    inv_test_moffs();
}
