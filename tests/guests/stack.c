/*
 * stack.c: the stack guest — push/pop of every operand kind and size,
 * pushad/popad, pushfd/popfd, near calls and returns of every form,
 * enter/leave, and the two classic corner cases: POP into an ESP-relative
 * memory operand (the address uses ESP after the increment) and PUSH ESP
 * (pushes the value before the decrement), SDM Vol. 2B "POP", "PUSH".
 *
 * The translator rewrites every stack instruction into explicit 32-bit
 * stores and loads on ESP (64-bit push/pop would move RSP by 8), so each
 * form here is a separate rewrite rule.  The routines are in stack_asm.S.
 */
#include "rt.h"

RT_GUEST("stack");

void st_push_pop(uint32_t *out);
void st_push16(uint32_t *out);
void st_pushad(uint32_t *out);
void st_pushaw(uint32_t *out);
void st_pop_esp_mem(uint32_t *out);
void st_push_esp(uint32_t *out);
void st_push_sreg(uint32_t *out);
void st_calls(uint32_t *out);
void st_enter(uint32_t *out);

static uint32_t out[32];

static void test_push_pop(void)
{
    st_push_pop(out);
    rt_eq(out[0], 0xa1b2c3d4, "push reg / pop reg");
    rt_eq(out[1], 4, "push reg moves esp by 4");
    rt_eq(out[2], 0xfffffffe, "push imm8 -2 (6A) is sign-extended");
    rt_eq(out[3], 4, "push imm8 moves esp by 4");
    rt_eq(out[4], 0x12345678, "push imm32 (68)");
    rt_eq(out[5], 0xfeedface, "push mem (FF /6)");
    rt_eq(out[6], 0x600dcafe, "pop mem (8F /0)");
}

static void test_push16(void)
{
    st_push16(out);
    rt_eq(out[0], 2, "push r16 moves esp by 2");
    rt_eq(out[1], 0xaaaa2222, "pop r16 keeps the upper half");
    rt_eq(out[2], 2, "push imm16 moves esp by 2");
    rt_eq(out[3], 0x3456, "push imm16 value");
    rt_eq(out[4], 0xffff, "push imm8 -1 with 66 prefix pushes 0xffff");
    rt_eq(out[5], 0x7777ffff, "pop m16 writes only a word");
    rt_eq(out[6], 2, "push m16 moves esp by 2");
}

static void test_pushad(void)
{
    static const uint32_t slots[8] = {0xd7d7d7d7, 0x56565656, 0xb5b5b5b5, 0,
                                      0xb3b3b3b3, 0xd2d2d2d2, 0xc1c1c1c1, 0xa0a0a0a0};
    static const char *const names[8] = {"edi", "esi", "ebp", "esp", "ebx", "edx", "ecx", "eax"};
    unsigned i;

    st_pushad(out);
    for (i = 0; i < 8; i++)
        rt_eq(out[i], i == 3 ? out[8] : slots[i], "pushad slot %u = %s", i, names[i]);
    rt_eq(out[9], 0x11111111, "popad loads eax from its slot");
    rt_eq(out[10], 0xc1c1c1c1, "popad ecx");
    rt_eq(out[14], 0xb5b5b5b5, "popad ebp");
    rt_eq(out[16], 0x77777777, "popad loads edi from the lowest slot");
    rt_eq(out[13], out[17] + 32, "popad skips the ESP slot: esp = before + 32");

    st_pushaw(out);
    rt_eq(out[0], 16, "pushaw (66 60) pushes 8 words");
    rt_eq(out[1], 0xabcd, "pushaw: ax in the highest slot");
    rt_eq(out[2], 0xef01, "pushaw: di in the lowest slot");
    rt_eq(out[3], 0x12349999, "popaw loads ax only");
}

static void test_pushf_popf(void)
{
    uint32_t before, after, esp_delta, word;
    const uint32_t wanted = FL_ARITH | FL_DF | FL_AC | (1u << 21) | FL_IOPL;

    /* Reserved bits 3, 5 and 15 read as 0 and bit 1 as 1 whatever popf loads
     * (SDM Vol. 1 §3.4.3); at CPL 0 popf may change IOPL, AC, ID and DF. */
    asm volatile("pushfl\n\tpopl %0\n\t"
                 "pushl %2\n\tpopfl\n\tpushfl\n\tpopl %1\n\t"
                 "pushl %0\n\tpopfl"
                 : "=&r"(before), "=&r"(after)
                 : "r"(wanted | 0x8028)
                 : "cc", "memory");
    rt_eq_mask(after, wanted | 0x2, 0x3fffff & ~(FL_IF | FL_TF | FL_NT | FL_RF),
               "popfd/pushfd round trip, reserved bits fixed");
    rt_eq(before & FL_IF, 0, "IF clear in the test kernel");

    asm volatile("movl %%esp, %%edx\n\tpushfw\n\tmovl %%edx, %0\n\tsubl %%esp, %0\n\t"
                 "movzwl (%%esp), %1\n\tpopfw"
                 : "=&r"(esp_delta), "=&r"(word)
                 :
                 : "edx", "cc", "memory");
    rt_eq(esp_delta, 2, "pushfw moves esp by 2");
    rt_eq_mask(word, 0x0002, 0xffff & ~FL_IF, "pushfw pushes the low word of EFLAGS");

    asm volatile("pushfl\n\tpushw $0x08d7\n\tpopfw\n\tpushfl\n\tpopl %0\n\tpopfl"
                 : "=r"(after) : : "cc", "memory");
    rt_eq_mask(after, 0x08d7, 0x0fff & ~FL_IF, "popfw loads the low word");
}

static void test_pop_push_esp(void)
{
    st_pop_esp_mem(out);
    rt_eq(out[0], 0x22222222, "pop 4(%%esp): the slot below is untouched");
    rt_eq(out[1], 0x33333333, "pop 4(%%esp): address computed after the increment");
    rt_eq(out[2], 0, "pop 4(%%esp) sequence balances the stack");
    rt_eq(out[3], 0x55555555, "pop (%%esp) overwrites the next slot");
    rt_eq(out[4], 0xffffffc0, "pop esp loads the popped value (no increment after)");

    st_push_esp(out);
    rt_eq(out[0], 0, "push esp pushes the value before the push");
    rt_eq(out[1], 0x5eed5eed, "push (%%esp) pushes the old top");
}

static void test_calls(void)
{
    st_calls(out);
    rt_eq(out[0], out[1], "call pushes the address of the next instruction");
    rt_eq(out[2], 7, "call *reg");
    rt_eq(out[3], 9, "call *mem");
    rt_eq(out[4], 0, "ret imm16 removes the arguments");
    rt_eq(out[5], 0x4444, "ret to a return address the callee rewrote");
    rt_eq(out[6], 0x1a3b, "jmp *mem");
}

static void test_enter_leave(void)
{
    st_enter(out);
    rt_eq(out[0], 0xfffffffc, "enter 16,0: ebp = esp after pushing ebp");
    rt_eq(out[1], 0xfffffff0, "enter 16,0: esp = ebp - 16");
    rt_eq(out[2], 0x0dd0ebb0, "enter 16,0: old ebp saved at [ebp]");
    rt_eq(out[3], 1, "leave restores esp and ebp");
    rt_eq(out[4], 0, "enter 8,1: [ebp-4] = frame pointer");
    rt_eq(out[5], 12, "enter 8,1: esp = ebp - 4 - 8");
    rt_eq(out[6], 0xd15b0001, "enter 8,3: display copies [old ebp-4]");
    rt_eq(out[7], 0xd15b0002, "enter 8,3: display copies [old ebp-8]");
    rt_eq(out[8], 0, "enter 8,3: [ebp-12] = frame pointer");
    rt_eq(out[9], 20, "enter 8,3: esp = ebp - 12 - 8");
    rt_eq(out[10], 1, "leave after enter 8,3 restores ebp");
}

static void test_push_sreg(void)
{
    st_push_sreg(out);
    /* SDM Vol. 2B PUSH allows a zero-extended push or a 16-bit move; btvisor
     * does the 16-bit move of current Intel CPUs, QEMU's TCG zero-extends. */
    rt_eq_mask(out[0], out[2], 0xffff, "pushl %%ds writes the selector");
    rt_ok((out[0] >> 16) == 0xdead || (out[0] >> 16) == 0, "pushl %%ds: upper half kept or zero (%#x)", out[0]);
    rt_eq(out[1], 4, "pushl %%ds moves esp by 4");
    rt_eq(out[3], out[5], "pushw %%fs writes the selector");
    rt_eq(out[4], 2, "pushw %%fs moves esp by 2");
    rt_eq_mask(out[6], out[7], 0xffff, "pushl %%ss writes the selector");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_push_pop();
    test_push16();
    test_pushad();
    test_pushf_popf();
    test_pop_push_esp();
    test_push_sreg();
    test_calls();
    test_enter_leave();
}
