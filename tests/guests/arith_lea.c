/*
 * arith_lea.c: effective addresses — LEA and loads with many ModRM/SIB
 * forms, including the two that translators must rewrite:
 *   - mod=00 rm=101: a bare disp32, which 64-bit mode reinterprets as
 *     RIP-relative (SDM Vol. 2A §2.2.1.6);
 *   - the 0x67 prefix: 16-bit addressing with BX/BP/SI/DI, whose sum wraps
 *     at 64 KiB and ignores the upper halves of the registers (SDM Vol. 2A
 *     Table 2-1).
 * 16-bit addresses point into low conventional memory (RT_LOW_SCRATCH).
 */
#include "arith.h"

static volatile uint32_t absolute_cell = 0xfeedf00d;

static uint32_t lea_base_index(uint32_t base, uint32_t index)
{
    uint32_t r;
    asm("leal 0x10(%1,%2,4), %0" : "=r"(r) : "r"(base), "r"(index));
    return r;
}

static void test_lea32(void)
{
    uint32_t r, sp, c = 0x20;

    rt_eq(lea_base_index(0x1000, 0x20), 0x1090, "lea disp8(base,index,4)");
    rt_eq(lea_base_index(0xfffffff0, 0), 0, "lea wraps at 4 GiB");
    asm("leal (,%1,8), %0" : "=r"(r) : "r"(c));
    rt_eq(r, 0x100, "lea (,index,8): SIB without base, disp32 0");
    asm("leal 0x12345678, %0" : "=r"(r));
    rt_eq(r, 0x12345678, "lea disp32 (mod=00 rm=101)");
    asm("leal -0x20(%1,%1,2), %0" : "=r"(r) : "r"(c));
    rt_eq(r, 0x40, "lea -0x20(reg,reg,2)");
    asm("pushl %%ebp\n\tmovl $0x4000, %%ebp\n\tleal 8(%%ebp), %0\n\tpopl %%ebp" : "=r"(r));
    rt_eq(r, 0x4008, "lea disp8(ebp) (mod=01 rm=101)");
    asm("pushl %%ebp\n\tmovl $0x4000, %%ebp\n\tleal (%%ebp,%1,1), %0\n\tpopl %%ebp"
        : "=r"(r) : "r"(c));
    rt_eq(r, 0x4020, "lea (ebp,index): SIB base ebp with mod=01 disp8 0");
    asm("movl %%esp, %1\n\tleal 4(%%esp), %0" : "=r"(r), "=r"(sp));
    rt_eq(r, sp + 4, "lea 4(esp): SIB base esp");
    asm("leal 0x100(%1), %0" : "=r"(r) : "r"(0x7fffff00));
    rt_eq(r, 0x80000000, "lea disp32(base)");
    r = 0x55550000;
    asm("leaw 2(%1), %w0" : "+r"(r) : "r"(0x1234ffff));
    rt_eq(r, 0x55550001, "lea r16 (66 prefix): 16-bit result, upper half kept");
}

static void test_disp32_loads(void)
{
    uint32_t r;
    asm volatile("movl absolute_cell, %0" : "=c"(r));
    rt_eq(r, 0xfeedf00d, "mov ecx, [disp32] (8B 0D)");
    asm volatile("movl $0, %%edx\n\taddl absolute_cell, %%edx\n\tmovl %%edx, %0" : "=r"(r) : : "edx");
    rt_eq(r, 0xfeedf00d, "add edx, [disp32]");
    asm volatile("movl $0x0badcafe, absolute_cell" ::: "memory");
    rt_eq(absolute_cell, 0x0badcafe, "mov [disp32], imm32 (C7 05)");
    asm volatile("incl absolute_cell" ::: "memory", "cc");
    rt_eq(absolute_cell, 0x0badcaff, "inc dword [disp32] (FF 05)");
}

static void test_addr16(void)
{
    volatile uint32_t *lo = (volatile uint32_t *)(RT_LOW_SCRATCH + 0x10);
    volatile uint8_t *table = (volatile uint8_t *)(RT_LOW_SCRATCH + 0x100);
    uint32_t r, i;

    asm("leal 0x10(%%bx,%%si), %0" : "=r"(r) : "b"(0xabcdfff0), "S"(0x30));
    rt_eq(r, 0x30, "lea 16-bit (bx+si+disp8) wraps at 64 KiB, zero-extended");
    asm(".byte 0x67, 0x8d, 0x06, 0x34, 0x12" : "=a"(r)); /* lea eax, [0x1234] (addr16 disp16) */
    rt_eq(r, 0x1234, "lea 16-bit disp16 (mod=00 rm=110)");
    asm("pushl %%ebp\n\tmovl $0xffff1000, %%ebp\n\tleal 0x20(%%bp,%%di), %0\n\tpopl %%ebp"
        : "=r"(r) : "D"(0x00000200));
    rt_eq(r, 0x1220, "lea 16-bit (bp+di+disp8), upper ebp ignored");

    *lo = 0x600df00d;
    asm volatile("movl (%%bx,%%si), %0" : "=r"(r) : "b"(RT_LOW_SCRATCH), "S"(0x10) : "memory");
    rt_eq(r, 0x600df00d, "mov eax, [bx+si] reads low memory");
    asm volatile("movl (%%bx,%%si), %0"
                 : "=r"(r)
                 : "b"(0xfff0), "S"(RT_LOW_SCRATCH + 0x20)
                 : "memory");
    rt_eq(r, 0x600df00d, "mov eax, [bx+si] with the sum above 0xffff wraps to the same cell");
    asm volatile("movw $0x4242, (%%di)" : : "D"(0x77770000 + RT_LOW_SCRATCH + 0x10) : "memory");
    rt_eq(*lo, 0x600d4242, "mov word [di], imm16 (66 67 prefixes) ignores upper edi");

    for (i = 0; i < 16; i++)
        table[i] = (uint8_t)(0xa0 + i);
    r = 0x1234ff07;
    asm volatile("addr16 xlatb" : "+a"(r) : "b"(0xdead0000 + RT_LOW_SCRATCH + 0x100) : "memory");
    rt_eq(r, 0x1234ffa7, "xlat with 16-bit addressing: al = [bx + al]");
}

void arith_test_lea(void)
{
    test_lea32();
    test_disp32_loads();
    test_addr16();
}
