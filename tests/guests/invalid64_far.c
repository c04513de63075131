/*
 * invalid64_far.c: far transfers (0xEA jmp ptr16:32, 0x9A call ptr16:32,
 * FF /3 and FF /5 through memory, retf and retf imm16), LES/LDS (0xC4/0xC5,
 * VEX prefixes in 64-bit mode) and push/pop of segment registers (0x06,
 * 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F are invalid in 64-bit mode).
 */
#include "invalid64.h"

uint32_t inv_jmp_far(void);
uint32_t inv_call_far(void);
uint32_t inv_call_far_alt(void);
uint32_t inv_call_far_imm(void);
uint32_t inv_call_far_indirect(void);
extern volatile uint32_t inv_far_seen_eip, inv_far_seen_cs, inv_far_cur_cs;

static void test_far_transfers(void)
{
    uint32_t r;

    r = inv_jmp_far();
    rt_eq(r & 0xffff, SEL_ALT_CODE, "jmp far ptr16:32 (EA) loads CS");
    rt_eq(r >> 16, SEL_KCODE, "jmp far back to the kernel selector");
    r = inv_call_far();
    rt_eq(inv_far_seen_eip, r, "call far ptr16:32 (9A) pushes the return EIP");
    rt_eq(inv_far_seen_cs & 0xffff, SEL_KCODE, "call far pushes CS");
    rt_eq(inv_far_cur_cs, SEL_KCODE, "call far to the same selector keeps CS");
    r = inv_call_far_alt();
    rt_eq(inv_far_cur_cs, SEL_ALT_CODE, "call far to another selector runs with it");
    rt_eq(r, SEL_KCODE, "retf restores CS");
    rt_eq(inv_call_far_imm(), 0, "retf imm16 removes the arguments");
    rt_eq(inv_call_far_indirect(), 0x600d, "call far and jmp far through m16:32");
    rt_eq(inv_far_cur_cs, SEL_ALT_CODE, "call far m16:32 loads CS from memory");
}

static void test_les_lds(void)
{
    struct {
        uint32_t off;
        uint16_t sel;
    } __attribute__((packed)) fp32 = {0x12345678, SEL_ALT_DATA};
    struct {
        uint16_t off;
        uint16_t sel;
    } __attribute__((packed)) fp16 = {0xbeef, SEL_ALT_DATA};
    uint32_t off, sel;

    asm volatile("lesl %2, %0\n\tmovw %%es, %w1\n\tmovw %w3, %%es"
                 : "=&r"(off), "=&r"(sel) : "m"(fp32), "r"(SEL_KDATA) : "memory");
    rt_eq(off, 0x12345678, "les r32, m16:32 (C4): offset");
    rt_eq(sel & 0xffff, SEL_ALT_DATA, "les: ES loaded");
    asm volatile("ldsl %2, %0\n\tmovw %%ds, %w1\n\tmovw %w3, %%ds"
                 : "=&r"(off), "=&r"(sel) : "m"(fp32), "r"(SEL_KDATA) : "memory");
    rt_eq(off, 0x12345678, "lds r32, m16:32 (C5): offset");
    rt_eq(sel & 0xffff, SEL_ALT_DATA, "lds: DS loaded");
    off = 0x55550000;
    asm volatile("lesw %2, %w0\n\tmovw %%es, %w1\n\tmovw %w3, %%es"
                 : "+r"(off), "=&r"(sel) : "m"(fp16), "r"(SEL_KDATA) : "memory");
    rt_eq(off, 0x5555beef, "les r16, m16:16 (66 C4): 16-bit offset, upper half kept");
    rt_eq(sel & 0xffff, SEL_ALT_DATA, "les r16: ES loaded");
}

static void test_push_pop_sreg(void)
{
    uint32_t delta, val, es;

    asm volatile("movl %%esp, %%edx\n\tpushl %%es\n\tmovl %%edx, %0\n\tsubl %%esp, %0\n\t"
                 "movzwl (%%esp), %1\n\tpopl %%es"
                 : "=&r"(delta), "=&r"(val) : : "edx", "memory");
    rt_eq(delta, 4, "push es (06) moves esp by 4");
    rt_eq(val, SEL_KDATA, "push es value");
    asm volatile("pushl %%cs\n\tpopl %0" : "=r"(val));
    rt_eq(val & 0xffff, SEL_KCODE, "push cs (0E)");
    asm volatile("pushl %%ss\n\tpopl %0" : "=r"(val));
    rt_eq(val & 0xffff, SEL_KDATA, "push ss (16)");
    asm volatile("pushl %%ds\n\tpopl %0" : "=r"(val));
    rt_eq(val & 0xffff, SEL_KDATA, "push ds (1E)");

    asm volatile("pushl %2\n\tpopl %%es\n\tmovw %%es, %w0\n\t"
                 "pushl %2\n\tpopl %%ds\n\tmovw %%ds, %w1\n\t"
                 "pushl %3\n\tpopl %%ds\n\tpushl %3\n\tpopl %%es"
                 : "=&r"(es), "=&r"(val) : "r"(SEL_ALT_DATA), "r"(SEL_KDATA) : "memory");
    rt_eq(es & 0xffff, SEL_ALT_DATA, "pop es (07) loads ES");
    rt_eq(val & 0xffff, SEL_ALT_DATA, "pop ds (1F) loads DS");
    asm volatile("movl %%esp, %%edx\n\tpushl %1\n\tpopl %%ss\n\tmovw %%ss, %w0\n\t"
                 "pushl %2\n\tpopl %%ss\n\tsubl %%esp, %%edx"
                 : "=&r"(val) : "r"(SEL_ALT_DATA), "r"(SEL_KDATA) : "edx", "memory");
    rt_eq(val & 0xffff, SEL_ALT_DATA, "pop ss (17) loads SS");
    asm volatile("movl %%esp, %%edx\n\tpushw %%es\n\tmovl %%edx, %0\n\tsubl %%esp, %0\n\tpopw %%es"
                 : "=&r"(delta) : : "edx", "memory");
    rt_eq(delta, 2, "push es with 66 prefix moves esp by 2");
}

void inv_test_far(void)
{
    rt_gdt_set(SEL_ALT_CODE >> 3, 0, 0xfffff, ACC_CODE0, FLG_4K32);
    rt_gdt_set(SEL_ALT_DATA >> 3, 0, 0xfffff, ACC_DATA0, FLG_4K32);
    test_far_transfers();
    test_les_lds();
    test_push_pop_sreg();
}
