/*
 * pic.c: the interrupt controllers and the timer.
 *
 * The two 8259A PICs power up delivering IRQ 0-7 on vectors 8-15, which
 * collide with CPU exceptions (SDM Vol. 3A §6.3.1), so pic_init remaps them
 * with the ICW1-ICW4 sequence (8259A data sheet, "Initialization Command
 * Words"): master IRQ 0-7 -> vectors 32-39, slave IRQ 8-15 -> 40-47, slave
 * cascaded on master IRQ 2.  Only IRQ 0 (the PIT) is unmasked.
 *
 * pit_init programs 8254 channel 0 in mode 2 (rate generator: one pulse
 * every `divisor` input clocks of 1.193182 MHz; 8254 data sheet, "Mode 2").
 *
 *   pic_init(); pit_init(100);   // 100 timer interrupts per second
 *   ... in the IRQ handler: pic_eoi(0);
 */
#include "os.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20        /* OCW2: non-specific end of interrupt */
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182u     /* the PIT's input clock */

void pic_init(void)
{
    outb(PIC1_CMD, 0x11);   /* ICW1: edge triggered, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VEC_IRQ0);      /* ICW2: vector base */
    outb(PIC2_DATA, VEC_IRQ0 + 8);
    outb(PIC1_DATA, 0x04);  /* ICW3: a slave on IRQ 2 */
    outb(PIC2_DATA, 0x02);  /* ICW3: slave identity 2 */
    outb(PIC1_DATA, 0x01);  /* ICW4: 8086 mode, normal EOI */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xfe);  /* OCW1: mask everything but IRQ 0 */
    outb(PIC2_DATA, 0xff);
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

void pit_init(unsigned hz)
{
    uint32_t divisor = (PIT_HZ + hz / 2) / hz;
    outb(PIT_CMD, 0x34);    /* channel 0, low then high byte, mode 2, binary */
    outb(PIT_CH0, divisor & 0xff);
    outb(PIT_CH0, divisor >> 8);
}
