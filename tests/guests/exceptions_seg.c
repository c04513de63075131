/*
 * exceptions_seg.c: segment-related exceptions and their error codes
 * (SDM Vol. 3A §6.13: a selector error code is the selector's index and TI
 * bit with RPL replaced by EXT/IDT, here 0):
 *   - #NP(sel): loading DS with a not-present segment;
 *   - #SS(0): an ESP-based access beyond a stack segment's limit;
 *   - #SS(sel): loading SS with a not-present segment;
 *   - #GP(sel): a selector beyond the GDT limit, an execute-only code
 *     segment into DS, a read-only segment into SS, a far jump to a data
 *     segment; #GP(0): loading SS with null, writing through a read-only
 *     segment or through CS;
 *   - #TS(sel): a task switch to a TSS whose limit is below 0x67 (checked
 *     before the switch commits, so the old task takes the fault, §7.3).
 */
#include "exceptions.h"

#define LOAD_SEG_CASE(sreg, sel, vec, err, what)                                          \
    do {                                                                                  \
        rt_trap_reset();                                                                  \
        asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tmovw %w0, %%" sreg RT_TRY_END     \
                     "\n\tmovw %w1, %%" sreg                                              \
                     : : "r"(sel), "r"(SEL_KDATA) : "memory");                            \
        rt_expect_trap(vec, err, ex_at, what);                                            \
    } while (0)

static void test_loads(void)
{
    LOAD_SEG_CASE("ds", SEL_NOTPRESENT, 11, SEL_NOTPRESENT, "mov ds, not-present: #NP(sel)");
    /* the privilege check (RPL > DPL) comes before the present check */
    LOAD_SEG_CASE("es", SEL_NOTPRESENT | 3, 13, SEL_NOTPRESENT,
                  "mov es, not-present with RPL 3 > DPL 0: #GP(sel) before #NP");
    LOAD_SEG_CASE("ss", SEL_NOTPRESENT, 12, SEL_NOTPRESENT, "mov ss, not-present: #SS(sel)");
    LOAD_SEG_CASE("ds", SEL_BEYOND_GDT, 13, SEL_BEYOND_GDT, "mov ds, beyond the GDT: #GP(sel)");
    LOAD_SEG_CASE("ds", SEL_EXEC_ONLY, 13, SEL_EXEC_ONLY, "mov ds, execute-only code: #GP(sel)");
    LOAD_SEG_CASE("ss", SEL_READ_ONLY, 13, SEL_READ_ONLY, "mov ss, read-only data: #GP(sel)");
    LOAD_SEG_CASE("ss", 0, 13, 0, "mov ss, null: #GP(0)");
}

static void test_accesses(void)
{
    static uint32_t target;
    uint32_t esp;

    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovw %w0, %%ds\n1:\tmovl $1, %1" RT_TRY_END
                 "\n\tmovw %w2, %%ds"
                 : : "r"(SEL_READ_ONLY), "m"(target), "r"(SEL_KDATA) : "memory");
    ex_expect_sdm("QEMU TCG does not check data segment rights", 13, 0, ex_at,
                  "write through a read-only DS: #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tmovl $1, %%cs:%0" RT_TRY_END
                 : : "m"(target) : "memory");
    ex_expect_sdm("QEMU TCG does not check data segment rights", 13, 0, ex_at,
                  "write through CS: #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tljmp $" "0x10" ", $2f\n2:" RT_TRY_END
                 : : : "memory");
    rt_expect_trap(13, SEL_KDATA, ex_at, "jmp far to a data segment: #GP(sel)");

    /* SS with base 0 whose limit ends on the 4 KiB page holding ESP: the
     * exception frame pushed below ESP stays inside, an access 0x2000 above
     * ESP is beyond it.  (A byte-granular limit cannot reach ESP near 1 MiB:
     * the descriptor's limit field has only 20 bits.) */
    asm volatile("movl %%esp, %0" : "=r"(esp));
    rt_gdt_set(SEL_LIMITED_SS >> 3, 0, esp >> 12, ACC_DATA0, FLG_4K32);
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n\tmovw %w0, %%ss\n1:\tmovl 0x2000(%%esp), %%eax"
                 RT_TRY_END "\n\tmovw %w1, %%ss"
                 : : "r"(SEL_LIMITED_SS), "r"(SEL_KDATA) : "eax", "memory");
    ex_expect_sdm("QEMU TCG does not check segment limits", 12, 0, ex_at,
                  "access beyond the SS limit: #SS(0)");
}

static void test_task_switch(void)
{
    static struct rt_tss small;
    rt_gdt_set(SEL_SMALL_TSS >> 3, (uint32_t)&small, 0x40, ACC_TSS, 0);
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tljmp $0x48, $0" /* SEL_SMALL_TSS */ RT_TRY_END : : : "memory");
    rt_expect_trap(10, SEL_SMALL_TSS, ex_at, "task switch to a TSS with limit < 0x67: #TS(sel)");
}

void ex_test_segments(void)
{
    rt_gdt[SEL_NOTPRESENT >> 3] = rt_desc_seg(0, 0xfffff, ACC_DATA0 & ~0x80, FLG_4K32);
    rt_gdt_set(SEL_EXEC_ONLY >> 3, 0, 0xfffff, 0x98, FLG_4K32);
    rt_gdt_set(SEL_READ_ONLY >> 3, 0, 0xfffff, 0x90, FLG_4K32);
    test_loads();
    test_accesses();
    test_task_switch();
}
