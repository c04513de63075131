/*
 * pic.h: the PC's pair of Intel 8259A programmable interrupt controllers.
 *
 * The master answers at ports 0x20/0x21 and serves IRQ 0-7; the slave at
 * 0xa0/0xa1 serves IRQ 8-15 and drives the master's IR2 input (cascade).
 * The edge/level control registers (ELCR) of the PIIX south bridge sit at
 * 0x4d0/0x4d1.  Devices drive their request lines with pic_set_irq(); the CPU
 * side asks pic_has_interrupt() (the INTR pin) at instruction boundaries when
 * EFLAGS.IF is set and calls pic_acknowledge() (the INTA cycles) to get the
 * vector to deliver.
 *
 *   pic_set_irq(vm, 4, 1);                         // COM1 raises its line
 *   if (v->eflags & EFLAGS_IF && pic_has_interrupt(vm))
 *       deliver(v, pic_acknowledge(vm));           // e.g. vector 0x24
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xa0
#define PIC_SLAVE_DATA 0xa1
#define PIC_ELCR_MASTER 0x4d0
#define PIC_ELCR_SLAVE 0x4d1
#define PIC_CASCADE_IRQ 2 /* the master input the slave's INT drives */
#define PIC_NR_IRQS 16

/* Where the initialization sequence stands (8259A datasheet, Figure 6). */
enum pic_init_step {
    PIC_READY = 0, /* initialized: data-port writes are OCW1 */
    PIC_WANT_ICW2, /* ICW1 seen: next data write is the vector base */
    PIC_WANT_ICW3, /* cascade mode: next data write is ICW3 */
    PIC_WANT_ICW4, /* ICW1 asked for ICW4 */
};

/* One 8259A. */
struct pic_chip {
    uint8_t irr;         /* interrupt request register: latched requests */
    uint8_t isr;         /* in-service register */
    uint8_t imr;         /* interrupt mask register (OCW1); 1 = masked */
    uint8_t lines;       /* IR input pins as last driven (edge detection, level requests) */
    uint8_t elcr;        /* ELCR: 1 = level-triggered input, 0 = edge */
    uint8_t elcr_writable; /* ELCR bits software may change (PIIX forces the rest to edge) */
    uint8_t vector_base; /* ICW2 with the low three bits cleared */
    uint8_t icw3;        /* master: a bit per input with a slave; slave: its ID */
    uint8_t lowest;      /* IR level with the lowest priority (7 unless rotated) */
    enum pic_init_step init_step; /* ICW sequence position */
    bool master;         /* the master (its inputs in icw3 have slaves behind them) */
    bool icw4_needed;    /* ICW1 bit 0 */
    bool single;         /* ICW1 bit 1: no cascade */
    bool x86_mode;       /* ICW4 bit 0 (uPM): 8086 vectoring; see pic.c */
    bool aeoi;           /* ICW4 bit 1: automatic EOI at acknowledge */
    bool sfnm;           /* ICW4 bit 4: special fully nested mode */
    bool auto_rotate;    /* OCW2 "rotate in automatic EOI mode" */
    bool special_mask;   /* OCW3 special mask mode */
    bool read_isr;       /* OCW3 RR/RIS: command-port reads return ISR (else IRR) */
    bool poll;           /* OCW3 poll command: the next command-port read is a poll */
};

/* The pair. */
struct pic {
    struct pic_chip master; /* IRQ 0-7, ports 0x20/0x21, ELCR 0x4d0 */
    struct pic_chip slave;  /* IRQ 8-15, ports 0xa0/0xa1, ELCR 0x4d1 */
    uint64_t spurious;      /* acknowledges that found no request (vector base + 7) */
};

/* Drive request line irq (0..15) to level (0/1).  Edge-triggered inputs latch
 * a request on a rising edge, level-triggered ones request while high.  IRQ 2
 * is the cascade input and cannot be driven from outside (on AT boards the ISA
 * "IRQ 2" pin is wired to IRQ 9).  A VM without a PIC ignores the call. */
void pic_set_irq(struct vm *vm, unsigned irq, int level);
/* The INTR line: an unmasked request with a priority above every level in
 * service. */
bool pic_has_interrupt(const struct vm *vm);
/* The INTA cycles: returns the vector and moves the request from IRR to ISR.
 * A request that vanished since INTR gives the spurious vector base + 7.
 * Returns -1 if the VM has no PIC. */
int pic_acknowledge(struct vm *vm);
/* Could a request on line irq reach the CPU (not masked, nor its cascade
 * input on the master)?  A halted vCPU waits only for lines that can. */
bool pic_irq_unmasked(const struct vm *vm, unsigned irq);

/* Port handlers (port_read_fn / port_write_fn); dev is the struct pic. */
uint32_t pic_port_read(void *dev, uint16_t port, unsigned size);
void pic_port_write(void *dev, uint16_t port, unsigned size, uint32_t value);

/* A device's interrupt-line callback (e.g. for uart_connect_irq()); ctx is
 * the struct vm. */
void pic_irq_line(void *ctx, int irq, int level);
