/*
 * realmode.c: the realmode guest — 16-bit protected mode and real-address
 * mode, entered from and left back to 32-bit protected mode
 * (realmode_asm.S does the switching and the 16-bit work):
 *   - 16-bit protected mode: push/pop on a 16-bit stack, 16-bit add, smsw
 *     shows PE = 1;
 *   - real mode: smsw shows PE = 0, CS holds the segment of the far jump;
 *     mul, div, sar, a 32-bit add, a loop counting in CX;
 *   - segments: 0600:0010 and 0601:0000 reach the same byte (base =
 *     selector << 4, SDM Vol. 3A §20.1.1), rep movsb into ES:DI;
 *   - int 40h through the interrupt vector table: the handler runs with IF
 *     clear, finds FLAGS (IF set), CS and IP of the next instruction on the
 *     stack (§20.1.4), and its iret returns there;
 *   - a far call and retf;
 *   - a hardware interrupt: the PIT on IRQ 0 at 1 kHz wakes sti; hlt,
 *     first through the firmware's vector 08h (a BIOS's handler, or the one
 *     btvisor's board leaves, devices/bios_ivt.c: it counts the tick at
 *     0040:006Ch and acknowledges the PIC), then three times through a
 *     handler of the test's own;
 *   - and the way back: protected mode again, the runtime's IDT working.
 */
#include "rt.h"

RT_GUEST("realmode");

#define RM_BASE 0x2000u
#define SEL_CODE16 0x40
#define SEL_DATA16 0x48

extern char rm_start[], rm_end[], rm_after_int_off[];
extern uint16_t rm_res_pm16_sum, rm_res_pm16_pop, rm_res_pm16_msw, rm_res_rm_msw, rm_res_rm_cs;
extern uint16_t rm_res_mul_lo, rm_res_mul_hi, rm_res_div_q, rm_res_div_r, rm_res_sar, rm_res_loop;
extern uint16_t rm_res_alias, rm_res_string, rm_res_int_flags, rm_res_int_pushed_flags, rm_res_int_si;
extern uint16_t rm_res_int_ret_ip, rm_res_retf, rm_res_irq_count, rm_res_done, rm_res_tick0, rm_res_tick1;
extern uint32_t rm_res_add32;
void rm_enter(void);

/* The copy of a result word at RM_BASE, where the 16-bit code wrote it. */
static uint32_t rm_word(const void *sym)
{
    uint32_t at = RM_BASE + (uint32_t)((const char *)sym - rm_start);
    asm("" : "+r"(at));
    return *(volatile uint16_t *)at;
}

static uint32_t rm_dword(const void *sym)
{
    uint32_t at = RM_BASE + (uint32_t)((const char *)sym - rm_start);
    asm("" : "+r"(at));
    return *(volatile uint32_t *)at;
}

static uint32_t low_word(uint32_t at)
{
    asm("" : "+r"(at));
    return *(volatile uint16_t *)at;
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    outb(0x21, 0xff); /* no interrupts but the ones the 16-bit code unmasks */
    outb(0xa1, 0xff);
    uint32_t size = (uint32_t)(rm_end - rm_start);
    rt_ok(size < 0x6000, "the 16-bit code fits below the Multiboot info (%u bytes)", size);
    uint32_t dst = RM_BASE;
    asm("" : "+r"(dst));
    memcpy((void *)dst, rm_start, size);
    rt_gdt_set(SEL_CODE16 >> 3, RM_BASE, 0xffff, ACC_CODE0, 0);
    rt_gdt_set(SEL_DATA16 >> 3, RM_BASE, 0xffff, ACC_DATA0, 0);

    rm_enter();
    rt_reload_idt();
    rt_eq(rm_word(&rm_res_done), 0x600d, "the 16-bit code ran to its end and came back");

    rt_eq(rm_word(&rm_res_pm16_sum), 0x2345, "16-bit protected mode: add");
    rt_eq(rm_word(&rm_res_pm16_pop), 0x1234, "16-bit protected mode: push/pop on SS:SP");
    rt_eq(rm_word(&rm_res_pm16_msw) & 1, 1, "16-bit protected mode: smsw shows PE = 1");
    rt_eq(rm_word(&rm_res_rm_msw) & 1, 0, "real mode: smsw shows PE = 0");
    rt_eq(rm_word(&rm_res_rm_cs), 0x0200, "real mode: CS is the far jump's segment");

    rt_eq(rm_word(&rm_res_mul_lo), 0x3450, "mul cx: AX (300 * 700 = 0x33450)");
    rt_eq(rm_word(&rm_res_mul_hi), 0x0003, "mul cx: DX");
    rt_eq(rm_word(&rm_res_div_q), 233, "div bx: quotient of 2100 / 9");
    rt_eq(rm_word(&rm_res_div_r), 3, "div bx: remainder");
    rt_eq(rm_word(&rm_res_sar), 0xf000, "sar ax, 3 keeps the sign");
    rt_eq(rm_dword(&rm_res_add32), 0x23456789, "a 32-bit add with the operand-size prefix");
    rt_eq(rm_word(&rm_res_loop), 55, "loop counts CX down from 10");

    rt_eq(rm_word(&rm_res_alias), 0xbeef, "0601:0000 reads what 0600:0010 wrote");
    rt_eq(low_word(0x6010), 0xbeef, "... at linear 0x6010 (base = selector << 4)");
    rt_eq(rm_word(&rm_res_string), 'r' | 'm' << 8, "rep movsb to ES:DI");

    rt_eq(rm_word(&rm_res_int_si), 0x5a5a, "int 40h ran the IVT's handler and iret came back");
    rt_eq(rm_word(&rm_res_int_flags) & FL_IF, 0, "the handler runs with IF clear");
    rt_eq(rm_word(&rm_res_int_pushed_flags) & FL_IF, FL_IF, "the pushed FLAGS have IF set");
    rt_eq(rm_word(&rm_res_int_ret_ip), (uint32_t)rm_after_int_off, "the pushed IP is the next instruction");
    rt_eq(low_word(0x40 * 4 + 2), 0x0200, "IVT entry 40h holds the handler's segment");

    rt_eq(rm_word(&rm_res_retf), 0xfa11, "far call and retf");
    rt_ok(((rm_word(&rm_res_tick1) - rm_word(&rm_res_tick0)) & 0xffff) >= 2,
          "the firmware's vector 08h counted IRQ 0 at 0040:006Ch and acknowledged it (%u ticks)",
          (rm_word(&rm_res_tick1) - rm_word(&rm_res_tick0)) & 0xffff);
    rt_ok(rm_word(&rm_res_irq_count) >= 3, "IRQ 0 through IVT vector 08h woke hlt (%u interrupts)",
          rm_word(&rm_res_irq_count));

    /* Protected mode works again: the runtime's IDT catches #UD. */
    uint32_t at;
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: ud2" RT_TRY_END : "=m"(at) : : "memory");
    rt_expect_trap(6, 0, at, "back in protected mode: ud2 raises #UD through the IDT");
}
