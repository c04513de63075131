/*
 * sti_shadow.c: the sti_shadow guest — an interrupt that waits while IF is
 * clear is taken exactly one instruction after sti (SDM Vol. 3A §6.8.3,
 * "Masking Maskable Hardware Interrupts": sti inhibits interrupts until the
 * end of the next instruction), the way an OS's `sti; <insn>; cli` window
 * (xv6's scheduler loop) relies on:
 *   - sti; nop; cli: the interrupt arrives with the saved EIP at the cli;
 *   - sti; cli: the window is empty, nothing arrives until the next sti;
 *   - sti; hlt: the interrupt wakes the hlt.
 * The interrupt is a self-IPI of the local APIC, sent with IF clear, so it
 * is pending in the IRR when sti runs.
 */
#include "rt.h"

RT_GUEST("sti_shadow");

#define LAPIC_BASE 0xfee00000u
#define LAPIC_SVR 0xf0
#define LAPIC_EOI 0xb0
#define LAPIC_ICR_LO 0x300
#define VECTOR 0x60
#define ICR_SELF (1u << 18) /* destination shorthand: self */

static volatile unsigned taken;
static volatile uint32_t taken_eip;

static void lapic_write(uint32_t reg, uint32_t v)
{
    uint32_t addr = LAPIC_BASE + reg;
    asm("" : "+r"(addr));
    *(volatile uint32_t *)addr = v;
}

static void on_ipi(struct rt_frame *f)
{
    taken++;
    taken_eip = f->eip;
    lapic_write(LAPIC_EOI, 0);
}

static void self_ipi(void)
{
    lapic_write(LAPIC_ICR_LO, ICR_SELF | VECTOR);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    uint32_t at;
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    rt_set_handler(VECTOR, on_ipi);
    lapic_write(LAPIC_SVR, 0x1ff);

    taken = 0;
    self_ipi();
    rt_eq(taken, 0, "the self-IPI waits while IF is clear");
    asm volatile("movl $1f, %0\n\tsti\n\tnop\n1:\tcli" : "=m"(at) : : "memory");
    rt_eq(taken, 1, "sti; nop; cli: the interrupt is taken in the window");
    rt_eq(taken_eip, at, "... after the nop, before the cli (saved EIP)");

    taken = 0;
    self_ipi();
    asm volatile("sti\n\tcli" : : : "memory");
    rt_eq(taken, 0, "sti; cli: the shadow covers the cli, nothing is taken");
    asm volatile("movl $1f, %0\n\tsti\n\tnop\n1:\tcli" : "=m"(at) : : "memory");
    rt_eq(taken, 1, "the interrupt still waits and is taken at the next window");

    taken = 0;
    self_ipi();
    asm volatile("movl $1f, %0\n\tsti\n\thlt\n1:\tcli" : "=m"(at) : : "memory");
    rt_eq(taken, 1, "sti; hlt: the waiting interrupt wakes the hlt");
    rt_eq(taken_eip, at, "... and returns after the hlt");
}
