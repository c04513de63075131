/*
 * intr.h: how interrupt lines are wired on the board, from the ISA request
 * lines to the CPU's interrupt input.
 *
 * An ISA device drives its request line with isa_irq_set(); the line goes,
 * as on a PIIX board, both to the 8259 pair (IRQ n) and to the I/O APIC
 * (pin n, except IRQ 0, the PIT, which is wired to pin 2 — the MADT says so
 * with an interrupt source override, the MP table with an I/O interrupt
 * entry).  The CPU side takes interrupts with intr_has_interrupt() /
 * intr_acknowledge(): the local APIC's highest deliverable vector first,
 * else the 8259 through LINT0 in virtual-wire mode (or directly when the
 * APIC is globally disabled), as QEMU's PC does.  A guest may use either
 * controller, or both (xv6 masks the 8259s and programs the I/O APIC).
 *
 *   isa_irq_set(vm, 14, 1);                   // the IDE controller interrupts
 *   if (intr_has_interrupt(vm)) deliver(v, intr_acknowledge(vm));
 */
#pragma once
#include <stdbool.h>

struct vm;

#define ISA_NR_IRQS 16

/* Drive ISA request line irq (0..15) to level (0/1): 8259 and I/O APIC. */
void isa_irq_set(struct vm *vm, unsigned irq, int level);
/* The same as a device callback (ctx is the struct vm), e.g. for uart_connect_irq(). */
void isa_irq_line(void *ctx, int irq, int level);
/* The I/O APIC pin an ISA line is wired to. */
unsigned isa_irq_to_gsi(unsigned irq);

/* Can the CPU take an external interrupt now (ignoring EFLAGS.IF)? */
bool intr_has_interrupt(const struct vm *vm);
/* The vector of the interrupt the CPU takes (INTA), -1 if none remains. */
int intr_acknowledge(struct vm *vm);
/* Could a request on ISA line irq reach the CPU (unmasked at the 8259 with
 * the 8259 passing through, or at its I/O APIC pin)?  A halted vCPU waits
 * only for lines that can. */
bool intr_isa_irq_can_wake(const struct vm *vm, unsigned irq);
/* Recompute vcpu.irq_pending after an interrupt controller changed state,
 * so translated sti/popf see the new state. */
void intr_update_pending(struct vm *vm);
/* A non-maskable interrupt for the CPU (an NMI IPI or LINT1): delivered as
 * vector 2 at the next boundary. */
void intr_raise_nmi(struct vm *vm);
/* Can the CPU take the waiting NMI now: one is pending and no NMI handler
 * blocks it (vcpu.nmi_blocked, until the handler's iret)? */
bool intr_nmi_deliverable(const struct vm *vm);
