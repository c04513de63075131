/*
 * pic.c: the two cascaded 8259A interrupt controllers of a PC and the PIIX
 * edge/level control registers.
 *
 * Every rule here follows the Intel 8259A datasheet (order no. 231468-003,
 * "[8259A]" below) except where a comment says why not.  Each chip has the
 * datasheet's three registers: IRR (requests), ISR (in service) and IMR
 * (masked).  A request is worth an INTR when it is unmasked and its priority
 * is above every level in service; by default IR0 has the highest priority
 * and IR7 the lowest, and OCW2 can rotate that order.  The slave's INT
 * output is the master's IR2 input, so a slave request reaches the CPU as a
 * master IR2 request and its acknowledge puts both IR2 (master) and the
 * slave's level in service: a handler of IRQ 8-15 sends an EOI to both.
 *
 * Programming (port 0x20/0xa0 = "A0=0", 0x21/0xa1 = "A0=1"):
 *   ICW1 (A0=0, bit 4 set) starts initialization; ICW2 (vector base),
 *   ICW3 (cascade, only if ICW1.SNGL=0) and ICW4 (only if ICW1.IC4=1) follow
 *   on A0=1.  Afterwards A0=1 writes are OCW1 (the IMR), A0=0 writes are OCW2
 *   (EOI and rotation, bit 3 clear) or OCW3 (read register select, poll,
 *   special mask mode; bit 3 set).  A0=1 reads return the IMR; A0=0 reads
 *   return IRR or ISR as OCW3 selected, or, after a poll command, the poll
 *   word (an acknowledge done by a read).
 *
 * Triggering.  The PIIX south bridge replaces ICW1's LTIM bit with its ELCR
 * registers (82371AB PIIX4 datasheet, ELCR1/ELCR2 at 0x4d0/0x4d1; ICW1 bit 3
 * "LTIM ... disabled"): one bit per IRQ, 1 = level.  IRQ 0, 1, 2, 8 and 13
 * are always edge-triggered there, and so here.  A level-triggered request
 * is the line itself: it is in IRR while the line is high.  An
 * edge-triggered input latches a request when the line rises; the line must
 * fall and rise again to latch another.  [8259A] says the line must also
 * stay high until the first INTA, or the acknowledge is spurious; btvisor
 * keeps an edge request latched when the line falls (as QEMU and KVM do),
 * because the run loop cannot promise to acknowledge within a device's pulse
 * (e.g. the PIT's square wave may be low again by the time the vCPU takes
 * IRQ 0).
 *
 * Spurious interrupts.  If nothing is left to acknowledge at INTA time (a
 * level request dropped, or the guest masked it after INTR was seen), the
 * chip answers as if IR7 had asked and puts nothing in service: "If no
 * interrupt request is present at step 4 of either sequence (i.e., the
 * request was too short in duration) the 8259A will issue an interrupt level
 * 7" [8259A, Interrupt Sequence].  For the slave this is vector slave base +
 * 7 (IRQ 15), but the master has already put IR2 in service: in the 8086
 * sequence the master resolves priority and sets ISR on the first INTA
 * pulse and the slave only drives its vector on the second [8259A,
 * Interrupt Sequence, steps 4-5, and Cascade Mode], so a spurious IRQ 15
 * still needs an EOI to the master (the OSDev wiki's "8259 PIC: Spurious
 * IRQs" gives kernel writers the same rule).
 *
 * State at creation is what firmware leaves behind before it boots a
 * kernel: both chips initialized for 8086 mode in cascade, vectors 0x08 and
 * 0x70, everything masked except the cascade input and IRQ 0, the BIOS's
 * 18.2 Hz tick (SeaBIOS under QEMU leaves IRQ 0, 1, 2 and 6 unmasked on the
 * master; real-mode code such as kvm-unit-tests' realmode waits in hlt for
 * that tick, which the IVT's handler at vector 08h acknowledges,
 * devices/bios_ivt.c).  A kernel that enables interrupts before programming
 * the PICs receives IRQ 0 at vector 8, as on a PC.
 *
 *   pic_init(vm, err, sizeof err);       // board.c does this
 *   pic_set_irq(vm, 12, 1);              // the mouse raises IRQ 12
 *   pic_acknowledge(vm);                 // -> slave base + 4; ISR: master 2, slave 4
 */
#include "devices/pic.h"

#include <stdio.h>
#include <stdlib.h>

#include "monitor/vm.h"

#define PIC_ICW1 0x10       /* A0=0 with bit 4: ICW1 */
#define PIC_ICW1_IC4 0x01   /* ICW4 follows */
#define PIC_ICW1_SNGL 0x02  /* single chip, no ICW3 */
#define PIC_ICW4_UPM 0x01   /* 8086/8088 mode */
#define PIC_ICW4_AEOI 0x02  /* automatic EOI */
#define PIC_ICW4_SFNM 0x10  /* special fully nested mode */
#define PIC_OCW3 0x08       /* A0=0 with bit 3 (and bit 4 clear): OCW3 */
#define PIC_OCW3_RIS 0x01   /* read ISR (with RR) */
#define PIC_OCW3_RR 0x02    /* act on RIS */
#define PIC_OCW3_POLL 0x04  /* poll command */
#define PIC_OCW3_SMM 0x20   /* special mask mode (with ESMM) */
#define PIC_OCW3_ESMM 0x40  /* act on SMM */
#define PIC_SPURIOUS_LEVEL 7

/* ---- one chip ---------------------------------------------------------- */

/* Priority rank of level n: 0 is the highest.  The level after `lowest` is
 * the highest ([8259A], Automatic Rotation: "the device just serviced
 * receives the lowest priority"). */
static unsigned pic_rank(const struct pic_chip *c, unsigned n)
{
    return (n - c->lowest - 1) & 7;
}

/* The highest-priority level set in bits, or -1. */
static int pic_highest(const struct pic_chip *c, uint8_t bits)
{
    for (unsigned i = 1; i <= 8; i++) {
        unsigned n = (c->lowest + i) & 7;
        if (bits & (1u << n))
            return (int)n;
    }
    return -1;
}

/* The ISR bits that block requests of lower priority. */
static uint8_t pic_blocking_isr(const struct pic_chip *c)
{
    uint8_t isr = c->isr;
    /* Special mask mode: a masked level in service does not block others, so a
     * handler can mask its own level and let lower ones in ([8259A], Special
     * Mask Mode). */
    if (c->special_mask)
        isr &= (uint8_t)~c->imr;
    /* Special fully nested mode: a slave in service may still pass its higher
     * priority requests through the master ([8259A], Special Fully Nest Mode). */
    if (c->sfnm && c->master && !c->single)
        isr &= (uint8_t)~c->icw3;
    return isr;
}

/* The level this chip would acknowledge now, or -1: its INT output. */
static int pic_chip_pending(const struct pic_chip *c)
{
    int req = pic_highest(c, c->irr & (uint8_t)~c->imr);
    if (req < 0)
        return -1;
    int busy = pic_highest(c, pic_blocking_isr(c));
    if (busy >= 0 && pic_rank(c, (unsigned)busy) <= pic_rank(c, (unsigned)req))
        return -1;
    return req;
}

static void pic_chip_set_line(struct pic_chip *c, unsigned n, int level)
{
    uint8_t bit = (uint8_t)(1u << n);
    if (c->elcr & bit) {
        c->irr = level ? c->irr | bit : c->irr & (uint8_t)~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit; /* rising edge */
    }
    c->lines = level ? c->lines | bit : c->lines & (uint8_t)~bit;
}

/* The acknowledge of level n on one chip: IRR -> ISR ([8259A], Interrupt
 * Sequence step 4), or straight through in automatic-EOI mode. */
static void pic_chip_ack(struct pic_chip *c, unsigned n)
{
    uint8_t bit = (uint8_t)(1u << n);
    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit; /* a level request stays while its line is high */
    if (!c->aeoi)
        c->isr |= bit;
    else if (c->auto_rotate)
        c->lowest = (uint8_t)n;
}

/* ICW1: "the edge sense circuit is reset ..., the IMR is cleared, IR7 is
 * assigned priority 7, ... special mask mode is cleared and status read is
 * set to IRR; if IC4 = 0, all functions selected in ICW4 are set to zero"
 * ([8259A], Initialization Command Words).  In-service and latched edge
 * requests are dropped too, as the other PC models do. */
static void pic_chip_icw1(struct pic_chip *c, uint8_t v)
{
    c->init_step = PIC_WANT_ICW2;
    c->icw4_needed = v & PIC_ICW1_IC4;
    c->single = v & PIC_ICW1_SNGL;
    c->irr = c->lines & c->elcr; /* level requests are still on their lines */
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_rotate = false;
    c->aeoi = false;
    c->sfnm = false;
    c->x86_mode = false;
}

static void pic_chip_init_write(struct pic_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case PIC_WANT_ICW2:
        c->vector_base = v & 0xf8; /* 8086 mode: T7-T3; the level fills bits 2-0 */
        c->init_step = !c->single ? PIC_WANT_ICW3 : c->icw4_needed ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW3:
        c->icw3 = v;
        c->init_step = c->icw4_needed ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW4:
        /* uPM = 0 would select MCS-80/85 CALL sequences, which an x86 CPU
         * cannot take; btvisor records the bit and vectors as in 8086 mode. */
        c->x86_mode = v & PIC_ICW4_UPM;
        c->aeoi = v & PIC_ICW4_AEOI;
        c->sfnm = v & PIC_ICW4_SFNM;
        c->init_step = PIC_READY;
        break;
    case PIC_READY:
        break;
    }
}

/* OCW2 ([8259A], Operation Command Words): bits 7-5 are R, SL, EOI. */
static void pic_chip_ocw2(struct pic_chip *c, uint8_t v)
{
    unsigned level = v & 7;
    int top = pic_highest(c, c->isr);
    switch (v >> 5) {
    case 1: /* non-specific EOI: the highest level in service ends */
    case 5: /* rotate on non-specific EOI: ... and becomes the lowest priority */
        if (top >= 0) {
            c->isr &= (uint8_t)~(1u << top);
            if (v >> 5 == 5)
                c->lowest = (uint8_t)top;
        }
        break;
    case 3: /* specific EOI of L2-L0 */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 7: /* rotate on specific EOI: L2-L0 ends and becomes the lowest */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6: /* set priority: L2-L0 becomes the lowest */
        c->lowest = (uint8_t)level;
        break;
    case 4: /* rotate in automatic EOI mode: set */
    case 0: /* ... clear */
        c->auto_rotate = v >> 5 == 4;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void pic_chip_ocw3(struct pic_chip *c, uint8_t v)
{
    if (v & PIC_OCW3_RR)
        c->read_isr = v & PIC_OCW3_RIS;
    if (v & PIC_OCW3_ESMM)
        c->special_mask = v & PIC_OCW3_SMM;
    c->poll = v & PIC_OCW3_POLL;
}

static void pic_chip_cmd_write(struct pic_chip *c, uint8_t v)
{
    if (v & PIC_ICW1)
        pic_chip_icw1(c, v);
    else if (v & PIC_OCW3)
        pic_chip_ocw3(c, v);
    else
        pic_chip_ocw2(c, v);
}

/* Poll command: "the 8259A treats the next RD pulse as an interrupt
 * acknowledge, sets the appropriate IS bit if there is a request, and reads
 * the priority level"; the word is I (bit 7: a request) and W2-W0 ([8259A],
 * The Poll Command).  It is an acknowledge by a read, not an INTA: no
 * automatic EOI. */
static uint8_t pic_chip_poll(struct pic_chip *c)
{
    c->poll = false;
    int n = pic_chip_pending(c);
    if (n < 0)
        return 0;
    uint8_t bit = (uint8_t)(1u << n);
    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit;
    c->isr |= bit;
    return (uint8_t)(0x80 | n);
}

/* ---- the pair ---------------------------------------------------------- */

static bool pic_cascaded(const struct pic *p)
{
    return !p->master.single && (p->master.icw3 & (1u << PIC_CASCADE_IRQ));
}

/* Propagate the slave's INT output to the master's IR2 input. */
static void pic_update(struct pic *p)
{
    pic_chip_set_line(&p->master, PIC_CASCADE_IRQ, pic_chip_pending(&p->slave) >= 0);
}

void pic_set_irq(struct vm *vm, unsigned irq, int level)
{
    struct pic *p = vm->board.pic;
    if (!p || irq >= PIC_NR_IRQS || irq == PIC_CASCADE_IRQ)
        return;
    if (irq < 8)
        pic_chip_set_line(&p->master, irq, level != 0);
    else
        pic_chip_set_line(&p->slave, irq - 8, level != 0);
    pic_update(p);
}

void pic_irq_line(void *ctx, int irq, int level)
{
    if (irq >= 0)
        pic_set_irq(ctx, (unsigned)irq, level);
}

bool pic_irq_unmasked(const struct vm *vm, unsigned irq)
{
    const struct pic *p = vm->board.pic;
    if (!p || irq > 15)
        return false;
    if (irq < 8)
        return !(p->master.imr & (1u << irq));
    return !(p->master.imr & (1u << 2)) && !(p->slave.imr & (1u << (irq - 8)));
}

bool pic_has_interrupt(const struct vm *vm)
{
    const struct pic *p = vm->board.pic;
    return p && pic_chip_pending(&p->master) >= 0;
}

/* The slave's half of a cascaded acknowledge, after the master put IR2 in
 * service: its vector, or its spurious IR7 with no slave ISR bit. */
static int pic_acknowledge_slave(struct pic *p)
{
    int n = pic_chip_pending(&p->slave);
    if (n < 0) {
        p->spurious++;
        n = PIC_SPURIOUS_LEVEL;
    } else {
        pic_chip_ack(&p->slave, (unsigned)n);
    }
    /* The master consumed the edge it latched on IR2; present the slave's
     * output afresh so a request the slave still has (e.g. in automatic-EOI
     * mode) latches IR2 again instead of being stranded behind a line that
     * never fell. */
    pic_chip_set_line(&p->master, PIC_CASCADE_IRQ, 0);
    return p->slave.vector_base | n;
}

int pic_acknowledge(struct vm *vm)
{
    struct pic *p = vm->board.pic;
    if (!p)
        return -1;
    int n = pic_chip_pending(&p->master);
    int vector;
    if (n < 0) {
        p->spurious++;
        vector = p->master.vector_base | PIC_SPURIOUS_LEVEL;
    } else {
        pic_chip_ack(&p->master, (unsigned)n);
        if (n == PIC_CASCADE_IRQ && pic_cascaded(p))
            vector = pic_acknowledge_slave(p);
        else
            vector = p->master.vector_base | n;
    }
    pic_update(p);
    return vector;
}

/* ---- ports ------------------------------------------------------------- */

static void pic_elcr_write(struct pic_chip *c, uint8_t v)
{
    c->elcr = (c->elcr & (uint8_t)~c->elcr_writable) | (v & c->elcr_writable);
    /* Inputs now level-triggered request exactly while their line is high. */
    c->irr = (c->irr & (uint8_t)~c->elcr) | (c->lines & c->elcr);
}

static uint8_t pic_read_byte(struct pic *p, uint16_t port)
{
    struct pic_chip *c = (port & 0x80) ? &p->slave : &p->master;
    switch (port) {
    case PIC_MASTER_CMD:
    case PIC_SLAVE_CMD:
        if (c->poll)
            return pic_chip_poll(c);
        return c->read_isr ? c->isr : c->irr;
    case PIC_MASTER_DATA:
    case PIC_SLAVE_DATA:
        return c->imr;
    case PIC_ELCR_MASTER:
        return p->master.elcr;
    case PIC_ELCR_SLAVE:
        return p->slave.elcr;
    default:
        return 0xff;
    }
}

static void pic_write_byte(struct pic *p, uint16_t port, uint8_t v)
{
    struct pic_chip *c = (port & 0x80) ? &p->slave : &p->master;
    switch (port) {
    case PIC_MASTER_CMD:
    case PIC_SLAVE_CMD:
        pic_chip_cmd_write(c, v);
        break;
    case PIC_MASTER_DATA:
    case PIC_SLAVE_DATA:
        if (c->init_step != PIC_READY)
            pic_chip_init_write(c, v);
        else
            c->imr = v;
        break;
    case PIC_ELCR_MASTER:
        pic_elcr_write(&p->master, v);
        break;
    case PIC_ELCR_SLAVE:
        pic_elcr_write(&p->slave, v);
        break;
    default:
        break;
    }
}

/* These are 8-bit registers: a wider access is that many byte accesses to
 * consecutive ports, as the ISA bus splits it. */
uint32_t pic_port_read(void *dev, uint16_t port, unsigned size)
{
    struct pic *p = dev;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)pic_read_byte(p, (uint16_t)(port + i)) << (8 * i);
    pic_update(p); /* a poll may have acknowledged */
    return v;
}

void pic_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct pic *p = dev;
    for (unsigned i = 0; i < size && i < 4; i++)
        pic_write_byte(p, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
    pic_update(p);
}

/* ---- creation ---------------------------------------------------------- */

/* As firmware leaves a chip before booting a kernel (see the top of file). */
static void pic_chip_firmware_init(struct pic_chip *c, bool master, uint8_t base, uint8_t icw3,
                                   uint8_t imr, uint8_t elcr_writable)
{
    pic_chip_icw1(c, PIC_ICW1 | PIC_ICW1_IC4);
    c->master = master;
    c->vector_base = base;
    c->icw3 = icw3;
    c->x86_mode = true;
    c->imr = imr;
    c->elcr_writable = elcr_writable;
    c->init_step = PIC_READY;
}

static const struct {
    uint16_t base;
    const char *name;
} pic_port_ranges[] = {
    { PIC_MASTER_CMD, "pic-master" },
    { PIC_SLAVE_CMD, "pic-slave" },
    { PIC_ELCR_MASTER, "elcr" },
};

int pic_init(struct vm *vm, char *err, size_t errlen)
{
    struct pic *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "board: out of memory for the PICs");
        return -1;
    }
    vm->board.pic = p;
    /* PIIX: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge.  Masks:
     * IRQ 0 and the cascade open on the master, the slave closed. */
    pic_chip_firmware_init(&p->master, true, 0x08, 1u << PIC_CASCADE_IRQ, 0xfa, 0xf8);
    pic_chip_firmware_init(&p->slave, false, 0x70, PIC_CASCADE_IRQ, 0xff, 0xde);
    for (size_t i = 0; i < sizeof pic_port_ranges / sizeof pic_port_ranges[0]; i++) {
        if (portio_register(&vm->board.bus, pic_port_ranges[i].base, 2, pic_port_read,
                            pic_port_write, p, pic_port_ranges[i].name) < 0) {
            snprintf(err, errlen, "board: cannot register the PIC at port 0x%x",
                     pic_port_ranges[i].base);
            return -1;
        }
    }
    return 0;
}
