/*
 * intr.c: the board's interrupt wiring — ISA request lines to the 8259 pair
 * and the I/O APIC, and the CPU's interrupt input (see intr.h).
 *
 * The CPU asks, at every instruction boundary where it could take an
 * interrupt, intr_has_interrupt(); the order below is QEMU's
 * (cpu_get_pic_interrupt): a vector the local APIC would deliver wins;
 * otherwise the 8259's INTR output counts if it passes the APIC (LINT0 in
 * ExtINT mode, an ExtINT message from the I/O APIC, or the APIC globally
 * disabled).  ExtINT vectors bypass the APIC's priority logic, as on
 * hardware (SDM Vol. 3A §10.5.1, "ExtINT").
 *
 *   isa_irq_set(vm, 4, 1);      // COM1: to PIC IR4 and I/O APIC pin 4
 */
#include "devices/intr.h"

#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "monitor/cpu.h"
#include "monitor/vm.h"

unsigned isa_irq_to_gsi(unsigned irq)
{
    return irq == 0 ? 2 : irq; /* the PIT's IRQ 0 is wired to pin 2 (MADT override) */
}

void isa_irq_set(struct vm *vm, unsigned irq, int level)
{
    if (irq >= ISA_NR_IRQS)
        return;
    pic_set_irq(vm, irq, level);
    ioapic_set_irq(vm, isa_irq_to_gsi(irq), level);
}

void isa_irq_line(void *ctx, int irq, int level)
{
    isa_irq_set(ctx, (unsigned)irq, level);
}

bool intr_has_interrupt(const struct vm *vm)
{
    if (lapic_pending_vector(vm) >= 0)
        return true;
    return lapic_pic_passes(vm) && pic_has_interrupt(vm);
}

int intr_acknowledge(struct vm *vm)
{
    int v = lapic_acknowledge(vm);
    if (v >= 0)
        return v;
    if (!lapic_pic_passes(vm) || !pic_has_interrupt(vm))
        return -1;
    if (vm->board.lapic)
        vm->board.lapic->pic_extint = false; /* the ExtINT message is answered */
    return pic_acknowledge(vm);
}

bool intr_isa_irq_can_wake(const struct vm *vm, unsigned irq)
{
    if (lapic_pic_passes(vm) && pic_irq_unmasked(vm, irq))
        return true;
    return ioapic_pin_unmasked(vm, isa_irq_to_gsi(irq));
}

void intr_update_pending(struct vm *vm)
{
    vm->cpu.irq_pending = intr_has_interrupt(vm) || intr_nmi_deliverable(vm) ? EFLAGS_IF : 0;
}

bool intr_nmi_deliverable(const struct vm *vm)
{
    return vm->board.nmi_pending && !vm->cpu.nmi_blocked;
}

void intr_raise_nmi(struct vm *vm)
{
    vm->board.nmi_pending = true;
    intr_update_pending(vm);
}
