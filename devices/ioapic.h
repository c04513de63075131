/*
 * ioapic.h: the I/O APIC (Intel 82093AA) at 0xfec00000: 24 input pins,
 * each with a 64-bit redirection entry that turns the pin into a message
 * to the local APIC.
 *
 * The guest reaches the registers indirectly: it writes a register index to
 * IOREGSEL (offset 0x00) and reads or writes the register through IOWIN
 * (offset 0x10).  Index 0 is the ID, 1 the version (0x11, 24 entries),
 * 2 the arbitration ID, 0x10 + 2n / 0x11 + 2n the low / high half of pin
 * n's entry.  Pins are driven by isa_irq_set() (devices/intr.c).
 *
 *   ioapic_set_irq(vm, 4, 1);     // COM1's pin: a message if unmasked
 *   ioapic_eoi(vm, 0x24);         // the local APIC's EOI broadcast
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_SIZE 0x20u
#define IOAPIC_PINS 24u
#define IOAPIC_ID 1u           /* the local APIC is 0; the MP table and MADT say 1 */
#define IOAPIC_VERSION 0x11u

/* Redirection entry bits (82093AA datasheet §3.2.4). */
#define IOAPIC_RTE_VECTOR 0xffull
#define IOAPIC_RTE_DELIVERY(x) (((x) >> 8) & 7u)
#define IOAPIC_RTE_LOGICAL (1ull << 11)
#define IOAPIC_RTE_PENDING (1ull << 12)   /* delivery status (read-only) */
#define IOAPIC_RTE_LOW_ACTIVE (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASKED (1ull << 16)
#define IOAPIC_RTE_DEST(x) ((uint8_t)((x) >> 56))

struct ioapic {
    struct vm *vm;
    uint32_t ioregsel;            /* register index the next IOWIN access reaches */
    uint32_t id;                  /* ID register, bits 27:24 */
    uint64_t rte[IOAPIC_PINS];    /* redirection table */
    uint32_t pin_level;           /* bit n: pin n's input line is high (before polarity) */
    uint64_t messages;            /* interrupts sent to the local APIC (statistics, tests) */
};

int ioapic_init(struct vm *vm, char *err, size_t errlen);
/* Drive input pin `pin` to level. */
void ioapic_set_irq(struct vm *vm, unsigned pin, int level);
/* The local APIC retired level-triggered `vector`: clear remote IRR of the
 * pins that use it and resend those still asserted. */
void ioapic_eoi(struct vm *vm, uint8_t vector);
/* Is pin unmasked (could an assertion send a message)? */
bool ioapic_pin_unmasked(const struct vm *vm, unsigned pin);

uint64_t ioapic_mmio_read(void *dev, uint64_t offset, unsigned size);
void ioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value);
