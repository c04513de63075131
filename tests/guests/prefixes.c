/*
 * prefixes: ordinary i686 instructions with prefixes that change nothing
 * (or only the address size of an instruction without a memory operand).
 *
 * An operand- or address-size prefix, a segment override or a REP prefix on
 * an instruction that does not use it is ignored by the processor (SDM Vol. 2A
 * 2.1.1 "Instruction Prefixes": "use of ... prefixes with instructions that do
 * not support them is reserved and may cause unpredictable behavior", and
 * every IA-32 processor since the 386 ignores them; random code and some
 * compilers' padding rely on it).  The translator used to reject some of these
 * forms (an internal error for 67 40..4f and 67 82, "unsupported" for others).
 * Each check runs the prefixed form and compares registers and flags with
 * constants worked out by hand.
 *
 *   tests/guests/run_guest.sh build/btvisor build/tests/guests/prefixes.elf
 */
#include "rt.h"

RT_GUEST("prefixes");

/* 67 40: inc eax with an address-size prefix (no memory operand). */
static void check_inc_dec(void)
{
    uint32_t a = 0x7fffffff, f;
    asm volatile(".byte 0x67; incl %0\n\tpushfl; popl %1" : "+a"(a), "=r"(f));
    rt_eq(a, 0x80000000u, "67 40 inc eax");
    rt_eq_flags(f, FL_OF | FL_SF | FL_AF | FL_PF, FL_ARITH & ~FL_CF, "67 40 inc eax flags");
    uint32_t b = 1;
    asm volatile(".byte 0x67; decl %0\n\tpushfl; popl %1" : "+b"(b), "=r"(f));
    rt_eq(b, 0, "67 4b dec ebx");
    rt_eq_flags(f, FL_ZF | FL_PF, FL_ARITH & ~FL_CF, "67 4b dec ebx flags");
    uint32_t c = 0x1234ffff;
    asm volatile(".byte 0x67, 0x66; incw %w0" : "+c"(c));
    rt_eq(c, 0x12340000u, "67 66 41 inc cx");
    uint32_t d = 5;
    asm volatile(".byte 0x67, 0x4a" : "+d"(d));  /* dec edx */
    rt_eq(d, 4, "67 4a dec edx");
    /* REP and segment prefixes on the one-byte forms are ignored as well */
    uint32_t s = 9, t = 9;
    asm volatile(".byte 0xf3, 0x46\n\t.byte 0x2e, 0x4f" : "+S"(s), "+D"(t));  /* rep inc esi; cs dec edi */
    rt_eq(s, 10, "f3 46 rep inc esi");
    rt_eq(t, 8, "2e 4f cs dec edi");
    uint32_t u = 0x10;
    asm volatile(".byte 0x3e, 0x82, 0xc3, 0x01" : "+b"(u));  /* ds add bl, 1 */
    rt_eq(u, 0x11, "3e 82 c3 01 ds add bl, 1");
}

/* 82 /r: the 8-bit immediate group's alias of 80 (valid outside 64-bit mode). */
static void check_op82(void)
{
    uint32_t a = 0x12345680, f;
    asm volatile(".byte 0x67, 0x82, 0xc0, 0x80\n\tpushfl; popl %1" : "+a"(a), "=r"(f));  /* add al, 0x80 */
    rt_eq(a, 0x12345600u, "67 82 c0 80 add al, 0x80");
    rt_eq_flags(f, FL_CF | FL_OF | FL_ZF | FL_PF, FL_ARITH & ~FL_AF, "67 82 c0 80 flags");
    uint32_t b = 0x0f;
    asm volatile(".byte 0x82, 0xe3, 0x05" : "+b"(b));  /* and bl, 5 */
    rt_eq(b, 5, "82 e3 05 and bl, 5");
    uint32_t c = 3;
    asm volatile(".byte 0x67, 0x82, 0xe9, 0x01" : "+c"(c));  /* sub cl, 1 */
    rt_eq(c, 2, "67 82 e9 01 sub cl, 1");
}

/* Stack and register forms with stray prefixes. */
static void check_stack_forms(void)
{
    uint32_t got, sp_before, sp_after;
    /* f3 56 5e: push esi; rep pop esi -- rep ignored */
    asm volatile("movl $0x1111, %%esi\n\t"
                 "pushl $0xabcd\n\t"
                 ".byte 0xf3, 0x5e\n\t"       /* rep pop esi */
                 "movl %%esi, %0" : "=r"(got) : : "esi", "memory");
    rt_eq(got, 0xabcd, "f3 5e rep pop esi");
    asm volatile("pushl $0x5555\n\t"
                 ".byte 0x67, 0x5e\n\t"       /* addr32 pop esi */
                 "movl %%esi, %0" : "=r"(got) : : "esi", "memory");
    rt_eq(got, 0x5555, "67 5e pop esi");
    asm volatile("pushl $0x6666\n\t"
                 ".byte 0x2e, 0x5e\n\t"       /* cs pop esi */
                 "movl %%esi, %0" : "=r"(got) : : "esi", "memory");
    rt_eq(got, 0x6666, "2e 5e pop esi");
    /* push esp pushes the value before the push (SDM Vol. 2B PUSH) */
    asm volatile("movl %%esp, %1\n\t"
                 ".byte 0x67, 0x54\n\t"       /* addr32 push esp */
                 "popl %0" : "=r"(got), "=r"(sp_before) : : "memory");
    rt_eq(got, sp_before, "67 54 push esp");
    asm volatile("movl %%esp, %1\n\t"
                 ".byte 0xf2, 0x54\n\t"       /* repne push esp */
                 "popl %0" : "=r"(got), "=r"(sp_before) : : "memory");
    rt_eq(got, sp_before, "f2 54 push esp");
    /* leave with an address-size prefix: mov esp, ebp; pop ebp */
    asm volatile("pushl %%ebp\n\t"
                 "movl %%esp, %2\n\t"
                 "pushl $0x7777\n\t"
                 "movl %%esp, %%ebp\n\t"
                 "subl $16, %%esp\n\t"
                 ".byte 0x67, 0xc9\n\t"       /* addr32 leave */
                 "movl %%ebp, %0\n\t"
                 "movl %%esp, %1\n\t"
                 "popl %%ebp"
                 : "=r"(got), "=r"(sp_after), "=r"(sp_before) : : "memory");
    rt_eq(got, 0x7777, "67 c9 leave: ebp");
    rt_eq(sp_after, sp_before, "67 c9 leave: esp");
    asm volatile("pushl %%ebp\n\t"
                 "movl %%esp, %2\n\t"
                 "pushl $0x8888\n\t"
                 "movl %%esp, %%ebp\n\t"
                 ".byte 0xf3, 0xc9\n\t"       /* rep leave */
                 "movl %%ebp, %0\n\t"
                 "movl %%esp, %1\n\t"
                 "popl %%ebp"
                 : "=r"(got), "=r"(sp_after), "=r"(sp_before) : : "memory");
    rt_eq(got, 0x8888, "f3 c9 leave: ebp");
    rt_eq(sp_after, sp_before, "f3 c9 leave: esp");
}

/* mul, imul, shr, sar register forms with stray prefixes. */
static void check_alu_forms(void)
{
    uint32_t a = 0x10000, d = 0;
    asm volatile(".byte 0x67, 0xf7, 0xe1" : "+a"(a), "=d"(d) : "c"(0x10000u));  /* mul ecx */
    rt_eq(a, 0, "67 f7 e1 mul ecx: eax");
    rt_eq(d, 1, "67 f7 e1 mul ecx: edx");
    a = 0xfffffffe;
    asm volatile(".byte 0xf3, 0xf7, 0xe9" : "+a"(a), "=d"(d) : "c"(3u));  /* rep imul ecx */
    rt_eq(a, 0xfffffffau, "f3 f7 e9 imul ecx: eax");
    rt_eq(d, 0xffffffffu, "f3 f7 e9 imul ecx: edx");
    uint32_t r = 7;
    asm volatile(".byte 0x67, 0x6b, 0xc0, 0x06" : "+a"(r));  /* imul eax, eax, 6 */
    rt_eq(r, 42, "67 6b c0 06 imul eax, eax, 6");
    r = 0x80;
    asm volatile(".byte 0x67, 0x0f, 0xaf, 0xc1" : "+a"(r) : "c"(3u));  /* imul eax, ecx */
    rt_eq(r, 0x180, "67 0f af c1 imul eax, ecx");
    r = 0x80000000u;
    asm volatile(".byte 0x67, 0xd1, 0xe8" : "+a"(r));  /* shr eax, 1 */
    rt_eq(r, 0x40000000u, "67 d1 e8 shr eax, 1");
    r = 0x80000000u;
    asm volatile(".byte 0x67, 0xd1, 0xf8" : "+a"(r));  /* sar eax, 1 */
    rt_eq(r, 0xc0000000u, "67 d1 f8 sar eax, 1");
    r = 0x80000000u;
    asm volatile(".byte 0xf3, 0xc1, 0xf8, 0x04" : "+a"(r));  /* rep sar eax, 4 */
    rt_eq(r, 0xf8000000u, "f3 c1 f8 04 sar eax, 4");
    r = 0x100;
    asm volatile(".byte 0x67, 0xd3, 0xe8" : "+a"(r) : "c"(4u));  /* shr eax, cl */
    rt_eq(r, 0x10, "67 d3 e8 shr eax, cl");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    check_inc_dec();
    check_op82();
    check_stack_forms();
    check_alu_forms();
}
