/*
 * invalid64_misc.c: BOUND (0x62, EVEX in 64-bit mode) in and out of range,
 * INTO (0xCE), ARPL (0x63, MOVSXD in 64-bit mode), opcode 0x82 (an alias of
 * 0x80, invalid in 64-bit mode), SALC (0xD6, undocumented: AL = CF ? 0xff :
 * 0, flags unchanged), the bare disp32 ModRM form and the moffs forms.
 *
 * SDM Vol. 2A "BOUND": signed bounds, both inclusive; out of range raises
 * #BR (vector 5), a fault: the saved EIP is the BOUND itself.  "INTO": with
 * OF = 1 raises #OF (vector 4), a trap: the saved EIP follows the INTO.
 */
#include "invalid64.h"

static const int32_t bounds32[2] = {10, 20};
static const int16_t bounds16[2] = {-5, 5};
static volatile uint32_t cell = 0x11223344;
static volatile uint32_t cell2;
static volatile uint8_t byte_cell = 0x5a;
static volatile uint16_t word_cell = 0x1234;

static void bound32(int32_t v, int expect_trap)
{
    uint32_t at;
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1:\tboundl %1, %2" RT_TRY_END
                 : "=m"(at) : "r"(v), "m"(bounds32) : "memory");
    if (expect_trap)
        rt_expect_trap(5, 0, at, "bound r32 out of range raises #BR at the bound");
    else
        rt_expect_no_trap("bound r32 within [10, 20]");
}

static void test_bound_into(void)
{
    uint32_t at;

    bound32(15, 0);
    bound32(10, 0);
    bound32(20, 0);
    bound32(21, 1);
    bound32(-1, 1); /* signed: -1 < 10 */

    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1:\tboundw %1, %2" RT_TRY_END
                 : "=m"(at) : "r"((uint16_t)0xfffb), "m"(bounds16) : "memory");
    rt_expect_no_trap("bound r16 -5 within [-5, 5]");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1:\tboundw %1, %2" RT_TRY_END
                 : "=m"(at) : "r"((uint16_t)6), "m"(bounds16) : "memory");
    rt_expect_trap(5, 0, at, "bound r16 6 outside [-5, 5] raises #BR");

    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n\tmovl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\t"
                 "into\n1:" RT_TRY_END
                 : "=m"(at) : : "eax", "memory", "cc");
    rt_expect_trap(4, 0, at, "into with OF=1 raises #OF, EIP after into");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1, %%eax\n\taddl $1, %%eax\n\tinto" RT_TRY_END
                 : : : "eax", "memory", "cc");
    rt_expect_no_trap("into with OF=0");
}

static void test_arpl(void)
{
    uint32_t dst = 0x12340010, fl;
    static volatile uint16_t mem_sel = 0x0029;

    asm volatile("arpl %w2, %w0\n\tpushfl\n\tpopl %1" : "+r"(dst), "=r"(fl) : "r"(0x0003) : "cc");
    rt_eq(dst, 0x12340013, "arpl raises the RPL to the source's");
    rt_eq_flags(fl, FL_ZF, FL_ZF, "arpl adjusting sets ZF");
    asm volatile("arpl %w2, %w0\n\tpushfl\n\tpopl %1" : "+r"(dst), "=r"(fl) : "r"(0x0001) : "cc");
    rt_eq(dst, 0x12340013, "arpl with a lower source RPL leaves the selector");
    rt_eq_flags(fl, 0, FL_ZF, "arpl not adjusting clears ZF");
    asm volatile("arpl %w2, %0\n\tpushfl\n\tpopl %1" : "+m"(mem_sel), "=r"(fl) : "r"(0x0002) : "cc");
    rt_eq(mem_sel, 0x002a, "arpl on a memory operand");
    rt_eq_flags(fl, FL_ZF, FL_ZF, "arpl on memory adjusting sets ZF");
}

static void test_op82(void)
{
    uint32_t a = 0x123456fe, fl;
    asm volatile(".byte 0x82, 0xc0, 0x05\n\tpushfl\n\tpopl %1" /* add al, 5 */
                 : "+a"(a), "=r"(fl) : : "cc");
    rt_eq(a, 0x12345603, "82 /0: add al, imm8");
    rt_eq_flags(fl, FL_CF | FL_AF | FL_PF, FL_ARITH, "82 /0: flags");
    asm volatile(".byte 0x82, 0xe8, 0x04" : "+a"(a) : : "cc"); /* sub al, 4 */
    rt_eq(a, 0x123456ff, "82 /5: sub al, imm8");
    asm volatile(".byte 0x82, 0xe1, 0x0f" : "+c"(a) : : "cc"); /* and cl, 0x0f */
    rt_eq(a, 0x1234560f, "82 /4: and cl, imm8");
    asm volatile(".byte 0x82, 0xfc, 0x56\n\tpushfl\n\tpopl %1" /* cmp ah, 0x56 */
                 : "+a"(a), "=r"(fl) : : "cc");
    rt_eq_flags(fl, FL_ZF | FL_PF, FL_ARITH, "82 /7: cmp ah, imm8");
}

static void test_salc(void)
{
    uint32_t a = 0x12345600, fl;
    asm volatile("stc\n\t.byte 0xd6\n\tpushfl\n\tpopl %1" : "+a"(a), "=r"(fl) : : "cc");
    rt_eq(a, 0x123456ff, "salc with CF=1: al = 0xff");
    rt_eq_flags(fl, FL_CF, FL_CF, "salc keeps CF");
    asm volatile("clc\n\t.byte 0xd6" : "+a"(a) : : "cc");
    rt_eq(a, 0x12345600, "salc with CF=0: al = 0");
}

void inv_test_bound_into(void)
{
    test_bound_into();
}

void inv_test_misc(void)
{
    test_arpl();
    test_op82();
    test_salc();
}

void inv_test_moffs(void)
{
    uint32_t r, fl;

    asm volatile("movl cell, %0" : "=a"(r)); /* A1 */
    rt_eq(r, 0x11223344, "mov eax, moffs32 (A1)");
    asm volatile("movb byte_cell, %b0" : "=a"(r) : "0"(0xffffff00)); /* A0 */
    rt_eq(r, 0xffffff5a, "mov al, moffs8 (A0)");
    asm volatile("movw word_cell, %w0" : "=a"(r) : "0"(0xffff0000)); /* 66 A1 */
    rt_eq(r, 0xffff1234, "mov ax, moffs16 (66 A1)");
    asm volatile("movl %0, cell2" : : "a"(0xcafebabe) : "memory"); /* A3 */
    rt_eq(cell2, 0xcafebabe, "mov moffs32, eax (A3)");
    asm volatile("movb %b0, byte_cell" : : "a"(0x77) : "memory"); /* A2 */
    rt_eq(byte_cell, 0x77, "mov moffs8, al (A2)");

    rt_gdt_set(SEL_OFS_DATA >> 3, (uint32_t)&cell - 0x10, 0xfffff, ACC_DATA0, FLG_4K32);
    asm volatile("movw %w1, %%fs\n\tmovl %%fs:0x10, %0\n\tmovw %w2, %%fs"
                 : "=a"(r) : "r"(SEL_OFS_DATA), "r"(SEL_KDATA));
    rt_eq(r, 0x11223344, "mov eax, fs:moffs32 (64 A1) adds the FS base");
    asm volatile("movw %w1, %%gs\n\tmovl %%gs:0x10, %0\n\tmovw %w2, %%gs"
                 : "=c"(r) : "r"(SEL_OFS_DATA), "r"(SEL_KDATA));
    rt_eq(r, 0x11223344, "mov ecx, gs:[disp32] (65 8B 0D) adds the GS base");

    asm volatile("movl cell, %0" : "=d"(r)); /* 8B 15 disp32 */
    rt_eq(r, 0x11223344, "mov edx, [disp32] (mod=00 rm=101)");
    asm volatile("addl %0, cell2" : : "r"(1) : "memory", "cc"); /* 01 /r disp32 */
    rt_eq(cell2, 0xcafebabf, "add [disp32], r32");
    asm volatile("cmpl $0x11223344, cell\n\tpushfl\n\tpopl %0" : "=r"(fl) : : "cc");
    rt_eq_flags(fl, FL_ZF | FL_PF, FL_ARITH, "cmp [disp32], imm32");
    asm volatile("pushl cell\n\tpopl %0" : "=r"(r)); /* FF 35 disp32 */
    rt_eq(r, 0x11223344, "push [disp32]");
    asm volatile("incl cell" : : : "memory", "cc");
    rt_eq(cell, 0x11223345, "inc dword [disp32]");
}
