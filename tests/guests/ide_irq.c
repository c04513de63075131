/*
 * ide_irq.c: the ide guest's interrupt checks — the primary channel's
 * INTRQ on ISA IRQ 14, taken once through the 8259 pair (slave input 6,
 * vectors 0x20-0x2f as Linux programs them) and once through the I/O APIC
 * (pin 14, edge, active high, to this CPU's local APIC), as xv6 does:
 *   - a READ SECTORS of two sectors interrupts once per DRQ block, and not
 *     after the last block has been read (PIO data-in, ATA-6 §9.7);
 *   - reading the status register in the handler acknowledges INTRQ;
 *   - nIEN in device control keeps the line quiet.
 */
#include "ide.h"

#define PIC_VECTOR_BASE 0x20
#define IDE_PIC_VECTOR (PIC_VECTOR_BASE + 14)
#define IDE_APIC_VECTOR 0x5e
#define LAPIC_BASE 0xfee00000u
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_MASKED (1u << 16)

static volatile unsigned irqs;
static volatile uint8_t irq_status;
static uint32_t buf[128];

static void mmio_write(uint32_t addr, uint32_t v)
{
    asm("" : "+r"(addr));
    *(volatile uint32_t *)addr = v;
}

static uint32_t mmio_read(uint32_t addr)
{
    asm("" : "+r"(addr));
    return *(volatile uint32_t *)addr;
}

static void ioapic_write(unsigned reg, uint32_t v)
{
    mmio_write(IOAPIC_BASE, reg);
    mmio_write(IOAPIC_BASE + 0x10, v);
}

static void on_pic_irq(struct rt_frame *f)
{
    (void)f;
    irqs++;
    irq_status = inb(ATA_STATUS); /* acknowledges INTRQ */
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

static void on_apic_irq(struct rt_frame *f)
{
    (void)f;
    irqs++;
    irq_status = inb(ATA_STATUS);
    mmio_write(LAPIC_BASE + LAPIC_EOI, 0);
}

/* Let interrupts in until `n` have arrived (or a bounded wait ends). */
static unsigned wait_irqs(unsigned n)
{
    asm volatile("sti");
    for (unsigned i = 0; i < 2000000 && irqs < n; i++)
        asm volatile("pause");
    asm volatile("cli");
    return irqs;
}

/* Two-sector read, with the line enabled: one interrupt per block. */
static void check_read_interrupts(const char *via)
{
    irqs = 0;
    outb(ATA_CONTROL, 0);
    ata_issue(0, 7, 2, CMD_READ);
    rt_eq(wait_irqs(1), 1, "%s: IRQ 14 when the first sector is ready", via);
    rt_eq(irq_status & (ST_DRQ | ST_ERR), ST_DRQ, "%s: the handler sees DRQ", via);
    int ok = ata_read_block(buf, 128) && ide_sector_ok(buf, IDE_MASTER_SEED, 7);
    rt_eq(wait_irqs(2), 2, "%s: IRQ 14 again for the second sector", via);
    ok &= ata_read_block(buf, 128) && ide_sector_ok(buf, IDE_MASTER_SEED, 8);
    rt_ok(ok, "%s: both sectors read", via);
    rt_eq(wait_irqs(3), 2, "%s: no interrupt after the last block", via);
    outb(ATA_CONTROL, CTL_NIEN);
    ata_issue(0, 9, 1, CMD_READ);
    rt_eq(wait_irqs(3), 2, "%s: nIEN keeps IRQ 14 quiet", via);
    rt_ok(ata_read_block(buf, 128) && ide_sector_ok(buf, IDE_MASTER_SEED, 9), "%s: polled read with nIEN", via);
}

static void pic_init(uint8_t master_mask, uint8_t slave_mask)
{
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, PIC_VECTOR_BASE }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, PIC_VECTOR_BASE + 8 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
    };
    for (unsigned i = 0; i < sizeof init / sizeof init[0]; i++)
        outb(init[i][0], init[i][1]);
    outb(0x21, master_mask);
    outb(0xa1, slave_mask);
}

void ide_test_irq_pic(void)
{
    rt_set_handler(IDE_PIC_VECTOR, on_pic_irq);
    pic_init(0xfb, 0xbf); /* cascade (IRQ 2) and IRQ 14 (slave input 6) */
    check_read_interrupts("8259");
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void ide_test_irq_ioapic(void)
{
    rt_set_handler(IDE_APIC_VECTOR, on_apic_irq);
    pic_init(0xff, 0xff);
    mmio_write(LAPIC_BASE + LAPIC_SVR, 0x1ff); /* software enable, spurious vector 0xff */
    uint32_t id = mmio_read(LAPIC_BASE + LAPIC_ID) >> 24;
    ioapic_write(0x10 + 2 * 14 + 1, id << 24);
    ioapic_write(0x10 + 2 * 14, IDE_APIC_VECTOR); /* fixed, physical, edge, active high */
    check_read_interrupts("I/O APIC");
    ioapic_write(0x10 + 2 * 14, IOAPIC_MASKED | IDE_APIC_VECTOR);
}
