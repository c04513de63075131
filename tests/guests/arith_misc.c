/*
 * arith_misc.c: exchanges and atomics — XCHG (short 0x90+r form, memory,
 * 8-bit high and 16-bit registers), CMPXCHG (equal and not equal, 8 and 32
 * bit), XADD, CMPXCHG8B — and XLAT.
 *
 * SDM Vol. 2A "CMPXCHG": flags as CMP accumulator, destination; on a
 * mismatch the accumulator receives the destination.  "CMPXCHG8B": only ZF
 * changes.  "XADD": flags as ADD.
 */
#include "arith.h"

DEFOP(op_xchg_short, "xchgl %%eax, %%edx")   /* 0x92 */
DEFOP(op_xchg_rr, "xchgl %%ecx, %%edx")      /* 0x87 /r */
DEFOP(op_xchg8h, "xchgb %%ah, %%ch")
DEFOP(op_xchg16, "xchgw %%ax, %%cx")
DEFOP(op_xadd, "xaddl %%ecx, %%eax")

static const struct alu_case xchg_cases[] = {
    {"xchg eax,edx (0x92)", op_xchg_short, 1, 2, 3, FL_ARITH,
     3, 2, 1, FL_ARITH, FL_ARITH},
    {"xchg ecx,edx (87 /r)", op_xchg_rr, 1, 2, 3, 0,
     1, 3, 2, 0, FL_ARITH},
    {"xchg ah,ch", op_xchg8h, 0x11112233, 0x44445566, 0, 0,
     0x11115533, 0x44442266, 0, 0, FL_ARITH},
    {"xchg ax,cx (66 prefix)", op_xchg16, 0x1111aaaa, 0x2222bbbb, 0, 0,
     0x1111bbbb, 0x2222aaaa, 0, 0, FL_ARITH},
    {"xadd 1,2: eax 3, ecx 1, PF", op_xadd, 1, 2, 0, FL_ARITH,
     3, 1, 0, FL_PF, F_ALL},
};

static volatile uint32_t cell;
static volatile uint8_t cell8;
static volatile uint64_t cell64;
static volatile uint32_t misc_flags;

static void test_xchg_mem(void)
{
    uint32_t r = 0x5a5a5a5a;
    cell = 0x12345678;
    asm volatile("xchgl %0, cell" : "+r"(r) : : "memory");
    rt_eq(r, 0x12345678, "xchg reg,mem: register gets memory");
    rt_eq(cell, 0x5a5a5a5a, "xchg reg,mem: memory gets register");
}

static uint32_t cmpxchg32(uint32_t *acc, uint32_t src)
{
    uint32_t a = *acc;
    asm volatile("movl $0x2, misc_flags\n\tpushl misc_flags\n\tpopfl\n\t"
                 "lock cmpxchgl %2, cell\n\tpushfl\n\tpopl misc_flags"
                 : "+a"(a)
                 : "m"(cell), "r"(src)
                 : "memory", "cc");
    *acc = a;
    return misc_flags;
}

static void test_cmpxchg(void)
{
    uint32_t acc, fl;

    cell = 7;
    acc = 7;
    fl = cmpxchg32(&acc, 99);
    rt_eq(cell, 99, "cmpxchg equal: memory replaced");
    rt_eq(acc, 7, "cmpxchg equal: eax kept");
    rt_eq_flags(fl, FL_ZF | FL_PF, F_ALL, "cmpxchg equal: flags of cmp (ZF PF)");

    cell = 7;
    acc = 5;
    fl = cmpxchg32(&acc, 99);
    rt_eq(cell, 7, "cmpxchg not equal: memory kept");
    rt_eq(acc, 7, "cmpxchg not equal: eax loaded from memory");
    rt_eq_flags(fl, FL_CF | FL_SF | FL_AF, F_ALL, "cmpxchg not equal: flags of cmp 5,7");

    cell8 = 0x80;
    acc = 0xaaaaaa80;
    asm volatile("cmpxchgb %b1, cell8" : "+a"(acc) : "q"(0x01) : "memory", "cc");
    rt_eq(cell8, 0x01, "cmpxchg r/m8 equal: memory replaced");
    rt_eq(acc, 0xaaaaaa80, "cmpxchg r/m8 equal: eax kept");
}

static void test_xadd_mem(void)
{
    uint32_t r = 1;
    cell = 0xffffffff;
    asm volatile("lock xaddl %0, cell\n\tpushfl\n\tpopl misc_flags" : "+r"(r) : : "memory", "cc");
    rt_eq(cell, 0, "lock xadd mem: sum stored");
    rt_eq(r, 0xffffffff, "lock xadd mem: old value returned");
    rt_eq_flags(misc_flags, FL_CF | FL_ZF | FL_AF | FL_PF, F_ALL, "lock xadd mem: flags of add");
}

static void test_cmpxchg8b(void)
{
    uint32_t lo, hi;

    cell64 = 0x1111111122222222ull;
    lo = 0x22222222;
    hi = 0x11111111;
    misc_flags = 0x2 | FL_CF | FL_PF | FL_AF | FL_SF | FL_OF;
    asm volatile("pushl misc_flags\n\tpopfl\n\tlock cmpxchg8b cell64\n\tpushfl\n\tpopl misc_flags"
                 : "+a"(lo), "+d"(hi)
                 : "b"(0x44444444), "c"(0x33333333)
                 : "memory", "cc");
    rt_eq((uint32_t)cell64, 0x44444444, "cmpxchg8b equal: low dword = ebx");
    rt_eq((uint32_t)(cell64 >> 32), 0x33333333, "cmpxchg8b equal: high dword = ecx");
    rt_eq_flags(misc_flags, FL_ARITH, FL_ARITH, "cmpxchg8b equal: ZF set, other flags kept");

    lo = 0;
    hi = 0;
    misc_flags = 0x2 | FL_ARITH;
    asm volatile("pushl misc_flags\n\tpopfl\n\tcmpxchg8b cell64\n\tpushfl\n\tpopl misc_flags"
                 : "+a"(lo), "+d"(hi)
                 : "b"(0x55555555), "c"(0x66666666)
                 : "memory", "cc");
    rt_eq(lo, 0x44444444, "cmpxchg8b not equal: eax = low dword");
    rt_eq(hi, 0x33333333, "cmpxchg8b not equal: edx = high dword");
    rt_eq((uint32_t)cell64, 0x44444444, "cmpxchg8b not equal: memory kept");
    rt_eq_flags(misc_flags, FL_ARITH & ~FL_ZF, FL_ARITH,
                "cmpxchg8b not equal: ZF clear, other flags kept");
}

/* Memory operands with a high-byte register: the soft MMU's host operand
 * [r12 + r13] cannot be named beside AH..BH, so the translator addresses
 * through rsi (bt/rule_mem.c); esi, the flags and the other bytes must come
 * through.  Linux's system-call exit does mov ah, [esp+0x40]. */
static void test_high_byte_mem(void)
{
    uint32_t a = 0x11223344, b = 0x55667788, s = 0xdeadbeef;
    uint32_t fl;
    cell = 0xa1b2c3d4;
    cell8 = 0x7f;
    asm volatile("movb cell8, %%ah\n\t"        /* ah = 0x7f */
                 "movb %%bh, cell+1\n\t"       /* cell byte 1 = 0x77 */
                 "addb cell8, %%bh\n\t"        /* 0x77 + 0x7f = 0xf6: PF AF SF OF */
                 "pushfl\n\tpopl %2\n\t"
                 "xchgb %%ah, cell+3\n\t"      /* ah = 0xa1, cell byte 3 = 0x7f */
                 "cmpb %%ah, cell8"              /* flags of 0x7f - 0xa1 */
                 : "+a"(a), "+b"(b), "=m"(fl), "+S"(s)
                 :
                 : "memory", "cc");
    rt_eq(a, 0x1122a144, "mov/xchg ah with memory: eax");
    rt_eq(b, 0x5566f688, "add bh, [mem]: ebx");
    rt_eq(cell, 0x7fb277d4, "mov [mem], bh and xchg [mem], ah: memory");
    rt_eq_flags(fl, 0x896, 0x8d5, "add bh, [mem]: flags (PF AF SF OF)");
    rt_eq(s, 0xdeadbeef, "esi kept around high-byte memory operands");
}

static const uint8_t xlat_table[8] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87};

static void test_xlat(void)
{
    uint32_t a = 0x12345605;
    asm volatile("xlatb" : "+a"(a) : "b"(xlat_table) : "memory");
    rt_eq(a, 0x12345665, "xlat: al = [ebx + al], upper eax kept");
}

void arith_test_misc(void)
{
    alu_run_table(xchg_cases, sizeof xchg_cases / sizeof xchg_cases[0]);
    test_xchg_mem();
    test_cmpxchg();
    test_xadd_mem();
    test_cmpxchg8b();
    test_xlat();
    test_high_byte_mem();
}
