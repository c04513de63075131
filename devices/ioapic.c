/*
 * ioapic.c: the I/O APIC — pins, redirection entries and messages to the
 * local APIC (82093AA datasheet; SDM Vol. 3A §10.11 for the message).
 *
 * A pin is asserted when its line level, after the entry's polarity bit,
 * is high.  Edge-triggered pins send one message per rising edge of the
 * asserted state.  Level-triggered pins send while asserted, but only when
 * remote IRR is clear; sending sets remote IRR, and the local APIC's EOI of
 * that vector (ioapic_eoi) clears it and sends again if the pin is still
 * asserted — the level handshake that makes a shared line work.  A masked
 * pin sends nothing; unmasking an asserted level pin sends at once.
 *
 * Messages go to the local APIC if the destination (physical ID, or
 * logical set under the APIC's DFR/LDR) names it: fixed and lowest-priority
 * messages as a vector, NMI as an NMI, ExtINT as "ask the 8259" (Linux's
 * virtual-wire fallback through pin 0).  Delivery is immediate, so the
 * delivery-status bit always reads idle.
 *
 *   mmio_write(vm, 0xfec00000, 4, 0x10 + 2 * 4);   // IOREGSEL: pin 4, low half
 *   mmio_write(vm, 0xfec00010, 4, 0x24);           // unmasked, edge, vector 0x24
 */
#include "devices/ioapic.h"

#include <stdio.h>
#include <stdlib.h>

#include "devices/intr.h"
#include "devices/lapic.h"
#include "monitor/vm.h"

#define IOAPIC_REG_ID 0x00u
#define IOAPIC_REG_VERSION 0x01u
#define IOAPIC_REG_ARB 0x02u
#define IOAPIC_REG_TABLE 0x10u
/* Bits of an entry software may write: everything but delivery status and remote IRR. */
#define IOAPIC_RTE_WRITABLE (~(IOAPIC_RTE_PENDING | IOAPIC_RTE_REMOTE_IRR))

static bool ioapic_asserted(const struct ioapic *io, unsigned pin)
{
    bool high = (io->pin_level >> pin) & 1;
    return (io->rte[pin] & IOAPIC_RTE_LOW_ACTIVE) ? !high : high;
}

/* Send pin's message to the local APIC. */
static void ioapic_send(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->rte[pin];
    struct vm *vm = io->vm;
    if (!lapic_matches_destination(vm, IOAPIC_RTE_DEST(e), (e & IOAPIC_RTE_LOGICAL) != 0))
        return;
    bool level = (e & IOAPIC_RTE_LEVEL) != 0;
    io->messages++;
    switch (IOAPIC_RTE_DELIVERY(e)) {
    case LAPIC_DM_FIXED:
    case LAPIC_DM_LOWEST:
        if (level)
            io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
        lapic_accept(vm, (uint8_t)(e & IOAPIC_RTE_VECTOR), level);
        break;
    case LAPIC_DM_NMI: intr_raise_nmi(vm); break;
    case LAPIC_DM_EXTINT:
        if (vm->board.lapic)
            vm->board.lapic->pic_extint = true;
        intr_update_pending(vm);
        break;
    default: break; /* SMI, INIT: nothing to do on this machine */
    }
}

/* Send if a level-triggered pin is asserted, unmasked and not waiting for EOI. */
static void ioapic_service_level(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->rte[pin];
    if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
        ioapic_asserted(io, pin))
        ioapic_send(io, pin);
}

void ioapic_set_irq(struct vm *vm, unsigned pin, int level)
{
    struct ioapic *io = vm->board.ioapic;
    if (!io || pin >= IOAPIC_PINS)
        return;
    bool was = ioapic_asserted(io, pin);
    if (level)
        io->pin_level |= 1u << pin;
    else
        io->pin_level &= ~(1u << pin);
    bool now = ioapic_asserted(io, pin);
    uint64_t e = io->rte[pin];
    if (e & IOAPIC_RTE_LEVEL)
        ioapic_service_level(io, pin);
    else if (now && !was && !(e & IOAPIC_RTE_MASKED))
        ioapic_send(io, pin);
}

void ioapic_eoi(struct vm *vm, uint8_t vector)
{
    struct ioapic *io = vm->board.ioapic;
    if (!io)
        return;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        if ((io->rte[pin] & IOAPIC_RTE_VECTOR) != vector || !(io->rte[pin] & IOAPIC_RTE_REMOTE_IRR))
            continue;
        io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
        ioapic_service_level(io, pin);
    }
}

bool ioapic_pin_unmasked(const struct vm *vm, unsigned pin)
{
    const struct ioapic *io = vm->board.ioapic;
    return io && pin < IOAPIC_PINS && !(io->rte[pin] & IOAPIC_RTE_MASKED) && lapic_hw_enabled(vm);
}

static uint32_t ioapic_read_reg(const struct ioapic *io, uint32_t index)
{
    switch (index) {
    case IOAPIC_REG_ID: return io->id;
    case IOAPIC_REG_VERSION: return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    case IOAPIC_REG_ARB: return io->id; /* arbitration ID = APIC ID after reset */
    default: break;
    }
    if (index >= IOAPIC_REG_TABLE && index < IOAPIC_REG_TABLE + 2 * IOAPIC_PINS) {
        uint64_t e = io->rte[(index - IOAPIC_REG_TABLE) >> 1];
        return (index & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;
}

static void ioapic_write_rte(struct ioapic *io, unsigned pin, bool high, uint32_t value)
{
    uint64_t e = io->rte[pin], ro = e & ~IOAPIC_RTE_WRITABLE;
    if (high)
        e = (e & 0xffffffffull) | ((uint64_t)value << 32);
    else
        e = (e & ~0xffffffffull) | value;
    e = (e & IOAPIC_RTE_WRITABLE) | ro;
    if (!(e & IOAPIC_RTE_LEVEL))
        e &= ~IOAPIC_RTE_REMOTE_IRR; /* remote IRR is undefined for edge pins: keep it clear */
    io->rte[pin] = e;
    ioapic_service_level(io, pin); /* an asserted level pin just unmasked sends now */
}

static void ioapic_write_reg(struct ioapic *io, uint32_t index, uint32_t value)
{
    if (index == IOAPIC_REG_ID) {
        io->id = value & 0x0f000000u;
        return;
    }
    if (index >= IOAPIC_REG_TABLE && index < IOAPIC_REG_TABLE + 2 * IOAPIC_PINS)
        ioapic_write_rte(io, (index - IOAPIC_REG_TABLE) >> 1, index & 1, value);
}

uint64_t ioapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
    struct ioapic *io = dev;
    (void)size;
    if (offset == 0x00)
        return io->ioregsel;
    if (offset >= 0x10 && offset < 0x14)
        return ioapic_read_reg(io, io->ioregsel) >> (8 * (offset - 0x10));
    return 0;
}

void ioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct ioapic *io = dev;
    (void)size;
    if (offset == 0x00)
        io->ioregsel = (uint32_t)value & 0xff;
    else if (offset == 0x10)
        ioapic_write_reg(io, io->ioregsel, (uint32_t)value);
    intr_update_pending(io->vm);
}

int ioapic_init(struct vm *vm, char *err, size_t errlen)
{
    struct ioapic *io = calloc(1, sizeof *io);
    if (!io) {
        snprintf(err, errlen, "board: out of memory for the I/O APIC");
        return -1;
    }
    vm->board.ioapic = io;
    io->vm = vm;
    io->id = IOAPIC_ID << 24;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        io->rte[pin] = IOAPIC_RTE_MASKED; /* all masked after reset */
    if (mmio_register(vm, IOAPIC_BASE, IOAPIC_SIZE, ioapic_mmio_read, ioapic_mmio_write, io, "ioapic") < 0) {
        snprintf(err, errlen, "board: cannot map the I/O APIC at %#x", IOAPIC_BASE);
        return -1;
    }
    return 0;
}
