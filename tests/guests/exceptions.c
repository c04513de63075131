/*
 * exceptions.c: the exceptions guest — every exception class a 32-bit
 * kernel can provoke, each checked in the handler for its vector, error
 * code and saved EIP (a fault saves the faulting instruction, a trap the
 * next one; SDM Vol. 3A §6.5, §6.15 for each vector).  The runtime's
 * handler resumes at the end of each RT_TRY block.
 */
#include "exceptions.h"

RT_GUEST("exceptions");

uint32_t ex_at;

void ex_expect_sdm(const char *qemu_gap, unsigned vector, uint32_t error, uint32_t eip,
                   const char *what)
{
    if (rt_on_qemu())
        rt_skip(qemu_gap, "%s", what);
    else
        rt_expect_trap(vector, error, eip, what);
}

static void test_de(void)
{
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovl $0, %%ecx\n\tmovl $5, %%eax\n\t"
                 "xorl %%edx, %%edx\n1:\tdivl %%ecx" RT_TRY_END
                 : : : "eax", "ecx", "edx", "memory", "cc");
    rt_expect_trap(0, 0, ex_at, "div by zero: #DE fault");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovl $-1, %%ecx\n\tmovl $0x80000000, %%eax\n\t"
                 "cltd\n1:\tidivl %%ecx" RT_TRY_END
                 : : : "eax", "ecx", "edx", "memory", "cc");
    rt_expect_trap(0, 0, ex_at, "idiv 0x80000000 / -1 overflows: #DE fault");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovl $2, %%ecx\n\tmovl $0x0400, %%eax\n"
                 "1:\tdivb %%cl" RT_TRY_END
                 : : : "eax", "ecx", "memory", "cc");
    rt_expect_trap(0, 0, ex_at, "div ax 0x400 / 2 (quotient > 0xff): #DE fault");
}

static void test_db(void)
{
    uint32_t dr6;

    asm volatile("movl %0, %%dr6" : : "r"(0));
    rt_trap_reset();
    /* TF set by popf: the trap comes after the instruction that follows */
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tpushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
                 "movl $7, %%eax\n1:\tmovl $8, %%eax\n\tmovl $9, %%eax" RT_TRY_END
                 : : : "eax", "memory", "cc");
    rt_expect_trap(1, 0, ex_at, "TF single-step: #DB trap after one instruction");
    rt_eq(rt_last.eax, 7, "single-step: the stepped instruction completed, not the next");
    rt_eq(rt_last.eflags & FL_TF, FL_TF, "single-step: saved EFLAGS has TF");
    asm volatile("movl %%dr6, %0" : "=r"(dr6));
    rt_eq(dr6 & 0x4000, 0x4000, "single-step: DR6.BS set");
    rt_eq(rt_eflags() & FL_TF, 0, "TF clear after the handler");

    /* INT1/icebp: SDM Vol. 2A "INT n/INTO/INT3/INT1" */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\t.byte 0xf1\n1:" RT_TRY_END : : : "memory");
    ex_expect_sdm("QEMU TCG raises #UD for icebp", 1, 0, ex_at, "icebp (F1): #DB trap, EIP after it");
}

static void test_bp_of_br(void)
{
    static const int32_t bounds[2] = {0, 3};
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tint3\n1:" RT_TRY_END : : : "memory");
    rt_expect_trap(3, 0, ex_at, "int3 (CC): #BP trap, EIP after it");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tint $3\n1:" RT_TRY_END : : : "memory");
    rt_expect_trap(3, 0, ex_at, "int $3 (CD 03): EIP after both bytes");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovl $0x7fffffff, %%eax\n\tincl %%eax\n\t"
                 "into\n1:" RT_TRY_END : : : "eax", "memory", "cc");
    rt_expect_trap(4, 0, ex_at, "into with OF: #OF trap");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovl $4, %%eax\n1:\tboundl %%eax, %0" RT_TRY_END
                 : : "m"(bounds) : "eax", "memory");
    rt_expect_trap(5, 0, ex_at, "bound out of range: #BR fault");
}

#define UD_CASE(bytes, what)                                                               \
    do {                                                                                   \
        rt_trap_reset();                                                                   \
        asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\t.byte " bytes RT_TRY_END : : : "memory"); \
        rt_expect_trap(6, 0, ex_at, what);                                                 \
    } while (0)

static void test_ud(void)
{
    UD_CASE("0x0f, 0x0b", "ud2 (0F 0B): #UD fault");
    UD_CASE("0x0f, 0xb9, 0xc0", "ud1 (0F B9 /r): #UD");
    UD_CASE("0x0f, 0xff, 0xc0", "ud0 (0F FF /r): #UD");
    /* SDM Vol. 2A "LOCK": #UD unless the instruction is lockable with a
     * memory destination */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\t.byte 0xf0, 0x89, 0xc1" RT_TRY_END : : : "memory");
    ex_expect_sdm("QEMU TCG ignores lock on mov", 6, 0, ex_at, "lock mov (not lockable): #UD");
    UD_CASE("0xf0, 0x01, 0xc1", "lock add with a register destination: #UD");
    UD_CASE("0xff, 0xff", "FF /7 (no such instruction): #UD");
    UD_CASE("0x8c, 0xf8", "mov r32, sreg 7 (no such segment register): #UD");
    UD_CASE("0x0f, 0x20, 0xc8", "mov eax, cr1 (no such control register): #UD");
}

static void test_nm(void)
{
    uint32_t cr0 = rt_read_cr0();

    rt_write_cr0((cr0 | 0x8) & ~0x4u); /* TS=1, EM=0 */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tfninit" RT_TRY_END : : : "memory");
    rt_expect_trap(7, 0, ex_at, "x87 instruction with CR0.TS=1: #NM fault");
    asm volatile("clts");
    rt_eq(rt_read_cr0() & 0x8, 0, "clts clears CR0.TS");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "fninit" RT_TRY_END : : : "memory");
    rt_expect_no_trap("fninit after clts");
    rt_write_cr0(cr0);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_de();
    test_db();
    test_bp_of_br();
    test_ud();
    test_nm();
    ex_test_segments();
    ex_test_ring3();
    ex_test_ring3_nm();
    ex_test_double_fault();
}
