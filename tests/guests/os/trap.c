/*
 * trap.c: where every interrupt and exception lands (boot.S calls trap()
 * with the saved registers).
 *
 *   vector 0x80      a system call (syscall.c)
 *   vectors 32-47    hardware interrupts: IRQ 0 is the 100 Hz PIT tick,
 *                    which counts time, wakes sleepers whose time has come
 *                    and preempts a process running in ring 3 (round
 *                    robin, proc.c)
 *   vectors 0-31     exceptions (fault.c)
 *
 * A tick that interrupts the kernel (only possible in the idle loop, the
 * one place the kernel enables interrupts) never switches processes.
 *
 *   trap(tf);   // boot.S trap_common, with tf pointing at the saved registers
 */
#include "os.h"

volatile uint32_t ticks;

/* A master IRQ 7 with its in-service bit clear is spurious (8259A data
 * sheet: the PIC raises IRQ 7 when a request vanished before INTA); it
 * must not be acknowledged.  OCW3 0x0b selects the ISR for reading. */
static int irq_is_spurious(int irq)
{
    if (irq != 7)
        return 0;
    outb(0x20, 0x0b);
    return !(inb(0x20) & 0x80);
}

static void irq_handle(struct trapframe *tf)
{
    int irq = (int)tf->vector - VEC_IRQ0;
    if (irq_is_spurious(irq))
        return;
    pic_eoi(irq);
    if (irq != 0)
        return;
    ticks++;
    proc_wake_sleepers(ticks);
    if ((tf->cs & 3) == 3)
        sched_yield();
}

void trap(struct trapframe *tf)
{
    if (tf->vector == VEC_SYSCALL)
        syscall_dispatch(tf);
    else if (tf->vector >= VEC_IRQ0 && tf->vector < VEC_IRQ0 + 16)
        irq_handle(tf);
    else
        fault_handle(tf);
}
