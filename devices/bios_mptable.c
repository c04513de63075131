/*
 * bios_mptable.c: the Intel MultiProcessor Specification 1.4 tables — the
 * MP floating pointer structure and the MP configuration table — for this
 * board: one processor (the BSP, local APIC ID 0), one ISA bus, the I/O
 * APIC with its ISA interrupt assignments, and the local interrupts of the
 * virtual-wire mode (8259 ExtINT on LINT0, NMI on LINT1).
 *
 * Assignments follow the board's wiring (devices/intr.c): ISA IRQ n on I/O
 * APIC pin n except IRQ 0, the PIT, on pin 2; pin 0 carries the 8259's
 * ExtINT; IRQ 2 (the cascade) has no entry.  Feature byte 2's IMCR bit is
 * clear: the board starts in virtual-wire mode (MP spec §3.6.2.2), so no
 * kernel needs to touch ports 0x22/0x23.  Without an I/O APIC (a board
 * variant) the table still lists the processor and the bus.
 *
 *   bios_write_mptable(vm);   // "_MP_" at 0xf0040, "PCMP" at 0xf0100
 */
#include <string.h>

#include "devices/bios.h"
#include "devices/intr.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "monitor/emulate.h"
#include "monitor/vm.h"

#define MP_SPEC_REV 4            /* version 1.4 */
#define MP_ENTRY_PROCESSOR 0
#define MP_ENTRY_BUS 1
#define MP_ENTRY_IOAPIC 2
#define MP_ENTRY_IOINT 3
#define MP_ENTRY_LOCALINT 4
#define MP_INT_INT 0             /* vectored interrupt */
#define MP_INT_NMI 1
#define MP_INT_EXTINT 3
#define MP_CONFIG_MAX 512

struct mp_builder {
    uint8_t buf[MP_CONFIG_MAX];
    size_t len;                  /* bytes used, header included */
    uint16_t entries;
};

static uint8_t *mp_entry(struct mp_builder *b, size_t size)
{
    uint8_t *e = b->buf + b->len;
    b->len += size;
    b->entries++;
    return e;
}

static void mp_add_processor(struct mp_builder *b, struct vm *vm)
{
    uint32_t id[4];
    cpuid_query(&vm->cpu, 1, 0, id);
    uint8_t *e = mp_entry(b, 20);
    e[0] = MP_ENTRY_PROCESSOR;
    e[1] = 0;                             /* local APIC ID */
    e[2] = (uint8_t)LAPIC_VERSION;
    e[3] = 0x03;                          /* enabled, bootstrap processor */
    bios_put32(e + 4, id[0] & 0xfff);     /* stepping, model, family */
    bios_put32(e + 8, id[3]);             /* CPUID feature flags */
}

static void mp_add_int(struct mp_builder *b, uint8_t type, uint8_t kind, uint8_t src_bus,
                       uint8_t src_irq, uint8_t dst_id, uint8_t dst_pin)
{
    uint8_t *e = mp_entry(b, 8);
    e[0] = type;
    e[1] = kind;
    bios_put16(e + 2, 0);                 /* polarity and trigger conform to the bus */
    e[4] = src_bus;
    e[5] = src_irq;
    e[6] = dst_id;
    e[7] = dst_pin;
}

static void mp_add_ioapic(struct mp_builder *b)
{
    uint8_t *e = mp_entry(b, 8);
    e[0] = MP_ENTRY_IOAPIC;
    e[1] = IOAPIC_ID;
    e[2] = IOAPIC_VERSION;
    e[3] = 0x01;                          /* usable */
    bios_put32(e + 4, IOAPIC_BASE);
    mp_add_int(b, MP_ENTRY_IOINT, MP_INT_EXTINT, 0, 0, IOAPIC_ID, 0);
    for (unsigned irq = 0; irq < ISA_NR_IRQS; irq++)
        if (irq != 2)
            mp_add_int(b, MP_ENTRY_IOINT, MP_INT_INT, 0, (uint8_t)irq, IOAPIC_ID,
                       (uint8_t)isa_irq_to_gsi(irq));
}

static void mp_write_header(struct mp_builder *b)
{
    uint8_t *h = b->buf;
    memcpy(h, "PCMP", 4);
    bios_put16(h + 4, (uint16_t)b->len);  /* base table length */
    h[6] = MP_SPEC_REV;
    memcpy(h + 8, "BTVISOR ", 8);         /* OEM ID */
    memcpy(h + 16, "PC          ", 12);   /* product ID */
    bios_put16(h + 34, b->entries);
    bios_put32(h + 36, LAPIC_DEFAULT_BASE);
    h[7] = bios_checksum(h, b->len);
}

static void mp_write_floating_pointer(struct vm *vm)
{
    uint8_t fp[16];
    memset(fp, 0, sizeof fp);
    memcpy(fp, "_MP_", 4);
    bios_put32(fp + 4, BIOS_MP_CONFIG);
    fp[8] = 1;                            /* length in 16-byte paragraphs */
    fp[9] = MP_SPEC_REV;
    fp[11] = 0;                           /* a configuration table is present */
    fp[12] = 0;                           /* no IMCR: virtual-wire mode */
    fp[10] = bios_checksum(fp, sizeof fp);
    bios_copy_to_guest(vm, BIOS_MP_FLOAT, fp, sizeof fp);
}

void bios_write_mptable(struct vm *vm)
{
    if (!vm->board.lapic)
        return; /* the MP tables describe APICs: none, no tables */
    struct mp_builder b = { .len = 44 };
    memset(b.buf, 0, sizeof b.buf);
    mp_add_processor(&b, vm);
    uint8_t *bus = mp_entry(&b, 8);
    bus[0] = MP_ENTRY_BUS;
    bus[1] = 0;
    memcpy(bus + 2, "ISA   ", 6);
    if (vm->board.ioapic)
        mp_add_ioapic(&b);
    mp_add_int(&b, MP_ENTRY_LOCALINT, MP_INT_EXTINT, 0, 0, 0xff, 0);
    mp_add_int(&b, MP_ENTRY_LOCALINT, MP_INT_NMI, 0, 0, 0xff, 1);
    mp_write_header(&b);
    bios_copy_to_guest(vm, BIOS_MP_CONFIG, b.buf, b.len);
    mp_write_floating_pointer(vm);
}
