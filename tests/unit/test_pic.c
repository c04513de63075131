/*
 * test_pic.c: the 8259A pair, driven through its ports as a guest drives it
 * and through pic_set_irq/pic_has_interrupt/pic_acknowledge as devices and
 * the CPU do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "devices/pic.h"
#include "devices/portio.h"
#include "devices/uart.h"
#include "monitor/vm.h"

static void out(struct vm *vm, uint16_t port, uint8_t v)
{
    portio_write(vm, port, 1, v);
}

static uint8_t in(struct vm *vm, uint16_t port)
{
    return (uint8_t)portio_read(vm, port, 1);
}

static int setup(void **state)
{
    struct vm *vm = calloc(1, sizeof *vm);
    char err[128];
    if (!vm || pic_init(vm, err, sizeof err) < 0)
        return -1;
    *state = vm;
    return 0;
}

static int teardown(void **state)
{
    struct vm *vm = *state;
    board_destroy(vm);
    free(vm);
    return 0;
}

/* What a simple kernel does: remap to 0x20/0x28, cascade on IR2, 8086 mode. */
static void init_simple(struct vm *vm, uint8_t icw4)
{
    out(vm, PIC_MASTER_CMD, 0x11);
    out(vm, PIC_MASTER_DATA, 0x20);
    out(vm, PIC_MASTER_DATA, 0x04);
    out(vm, PIC_MASTER_DATA, icw4);
    out(vm, PIC_SLAVE_CMD, 0x11);
    out(vm, PIC_SLAVE_DATA, 0x28);
    out(vm, PIC_SLAVE_DATA, 0x02);
    out(vm, PIC_SLAVE_DATA, icw4);
    out(vm, PIC_MASTER_DATA, 0x00);
    out(vm, PIC_SLAVE_DATA, 0x00);
}

static uint8_t read_isr(struct vm *vm, uint16_t cmd)
{
    out(vm, cmd, 0x0b);
    uint8_t v = in(vm, cmd);
    out(vm, cmd, 0x0a);
    return v;
}

static uint8_t read_irr(struct vm *vm, uint16_t cmd)
{
    out(vm, cmd, 0x0a);
    return in(vm, cmd);
}

/* Raise and lower an edge-triggered line: one request. */
static void pulse(struct vm *vm, unsigned irq)
{
    pic_set_irq(vm, irq, 1);
    pic_set_irq(vm, irq, 0);
}

static void test_firmware_state_unmasks_only_the_timer(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0xfa); /* IRQ 0 (the BIOS's tick) and the cascade */
    assert_int_equal(in(vm, PIC_SLAVE_DATA), 0xff);
    pic_set_irq(vm, 1, 1);
    pic_set_irq(vm, 12, 1);
    assert_false(pic_has_interrupt(vm));
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x02);
    assert_int_equal(read_irr(vm, PIC_SLAVE_CMD), 0x10);
    out(vm, PIC_MASTER_DATA, 0xf8); /* unmask IRQ 1 too: firmware vectors start at 8 */
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x09);
    pic_set_irq(vm, 0, 1); /* the timer's edge: IRQ 0 outranks IRQ 1 in service */
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x08);
}

/* Linux's init_8259A(): mask, probe, ICW1-4 on both, restore the masks; then
 * mask_and_ack_8259A()'s specific EOIs. */
static void test_linux_init_sequence(void **state)
{
    struct vm *vm = *state;
    out(vm, PIC_MASTER_DATA, 0xff);
    out(vm, PIC_SLAVE_DATA, 0xff);
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0xff); /* probe_8259A() */
    out(vm, PIC_MASTER_CMD, 0x11);
    out(vm, PIC_MASTER_DATA, 0x30);
    out(vm, PIC_MASTER_DATA, 1u << 2);
    out(vm, PIC_MASTER_DATA, 0x01);
    out(vm, PIC_SLAVE_CMD, 0x11);
    out(vm, PIC_SLAVE_DATA, 0x38);
    out(vm, PIC_SLAVE_DATA, 2);
    out(vm, PIC_SLAVE_DATA, 0x01);
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0x00); /* ICW1 cleared the IMR */
    out(vm, PIC_MASTER_DATA, 0xfa);                   /* IRQ 0 and the cascade */
    out(vm, PIC_SLAVE_DATA, 0xbf);                    /* IRQ 14 */
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0xfa);
    assert_int_equal(in(vm, PIC_SLAVE_DATA), 0xbf);

    pic_set_irq(vm, 0, 1);
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x30);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x01);
    out(vm, PIC_MASTER_CMD, 0x60 + 0); /* specific EOI */
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x00);

    pic_set_irq(vm, 14, 1);
    assert_int_equal(pic_acknowledge(vm), 0x3e);
    out(vm, PIC_SLAVE_CMD, 0x60 + (14 & 7));
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x04); /* master still has IR2 */
    out(vm, PIC_MASTER_CMD, 0x60 + 2);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x00);
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0x00);
    assert_false(pic_has_interrupt(vm));
}

static void test_simple_kernel_init_and_nonspecific_eoi(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 1);
    assert_int_equal(pic_acknowledge(vm), 0x21);
    assert_false(pic_has_interrupt(vm));
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0);
    pulse(vm, 7);
    assert_int_equal(pic_acknowledge(vm), 0x27);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x80); /* a real IRQ 7 is in service */
}

/* ICW2's low three bits are ignored; SNGL skips ICW3; no IC4 skips ICW4. */
static void test_icw_sequence_variants(void **state)
{
    struct vm *vm = *state;
    out(vm, PIC_MASTER_CMD, 0x13);  /* single, ICW4 needed */
    out(vm, PIC_MASTER_DATA, 0x47); /* ICW2: base 0x40 */
    out(vm, PIC_MASTER_DATA, 0x01); /* ICW4 (no ICW3) */
    out(vm, PIC_MASTER_DATA, 0xf0); /* OCW1 */
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0xf0);
    pulse(vm, 3);
    assert_int_equal(pic_acknowledge(vm), 0x43);
    /* In single mode IR2 is an ordinary input of the master: no slave cycle. */
    out(vm, PIC_MASTER_CMD, 0x20);
    out(vm, PIC_SLAVE_DATA, 0x00);
    pulse(vm, 9);
    assert_int_equal(pic_acknowledge(vm), 0x42);
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0);

    out(vm, PIC_MASTER_CMD, 0x12);  /* single, no ICW4 */
    out(vm, PIC_MASTER_DATA, 0x50);
    out(vm, PIC_MASTER_DATA, 0xaa); /* already OCW1 */
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0xaa);
}

static void test_fixed_priority_and_isr_blocking(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 5);
    pulse(vm, 3);
    assert_int_equal(pic_acknowledge(vm), 0x23); /* lower number wins */
    assert_false(pic_has_interrupt(vm));           /* 5 waits behind 3 in service */
    pulse(vm, 1);
    assert_true(pic_has_interrupt(vm));            /* 1 nests above 3 */
    assert_int_equal(pic_acknowledge(vm), 0x21);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x0a);
    out(vm, PIC_MASTER_CMD, 0x20);                 /* ends 1, the highest in service */
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x08);
    assert_false(pic_has_interrupt(vm));
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x25);
}

static void test_specific_eoi_leaves_other_levels(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 4);
    assert_int_equal(pic_acknowledge(vm), 0x24);
    pulse(vm, 0);
    assert_int_equal(pic_acknowledge(vm), 0x20);
    out(vm, PIC_MASTER_CMD, 0x64); /* specific EOI of 4, not the highest (0) */
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x01);
    out(vm, PIC_MASTER_CMD, 0x40); /* OCW2 no-op */
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x01);
}

static void test_auto_eoi(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x03); /* 8086 + AEOI */
    pulse(vm, 3);
    pulse(vm, 6);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0);
    assert_true(pic_has_interrupt(vm)); /* nothing in service blocks 6 */
    assert_int_equal(pic_acknowledge(vm), 0x26);
    assert_false(pic_has_interrupt(vm));
}

/* Linux's auto_eoi mode: AEOI on both chips, two slave requests back to back.
 * The second must not be stranded behind the master's consumed IR2 edge. */
static void test_auto_eoi_cascade_delivers_every_slave_request(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x03);
    pic_set_irq(vm, 9, 1);
    pic_set_irq(vm, 10, 1);
    assert_int_equal(pic_acknowledge(vm), 0x29);
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x2a);
    assert_false(pic_has_interrupt(vm));
}

static void test_imr_masks_but_irr_keeps_the_request(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_MASTER_DATA, 0x10);
    pulse(vm, 4);
    assert_false(pic_has_interrupt(vm));
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x10);
    out(vm, PIC_MASTER_DATA, 0x00);
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x24);
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x00);
}

static void test_edge_needs_a_new_rising_edge(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pic_set_irq(vm, 3, 1);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    out(vm, PIC_MASTER_CMD, 0x20);
    pic_set_irq(vm, 3, 1); /* still high: no edge */
    assert_false(pic_has_interrupt(vm));
    pic_set_irq(vm, 3, 0);
    assert_false(pic_has_interrupt(vm));
    pic_set_irq(vm, 3, 1);
    assert_true(pic_has_interrupt(vm));
    /* Two pulses before the acknowledge are one request. */
    pic_set_irq(vm, 3, 0);
    pulse(vm, 3);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_false(pic_has_interrupt(vm));
}

static void test_level_triggered_per_elcr(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_ELCR_MASTER, 0xff);
    out(vm, PIC_ELCR_SLAVE, 0xff);
    assert_int_equal(in(vm, PIC_ELCR_MASTER), 0xf8); /* IRQ 0, 1, 2 forced edge */
    assert_int_equal(in(vm, PIC_ELCR_SLAVE), 0xde);  /* IRQ 8, 13 forced edge */
    out(vm, PIC_ELCR_MASTER, 0x08);                  /* IRQ 3 level */
    out(vm, PIC_ELCR_SLAVE, 0x00);

    pic_set_irq(vm, 3, 1);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_true(pic_has_interrupt(vm)); /* the line is still high */
    assert_int_equal(pic_acknowledge(vm), 0x23);
    pic_set_irq(vm, 3, 0);
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_false(pic_has_interrupt(vm));
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x00);

    /* The same line edge-triggered: one request per rising edge. */
    out(vm, PIC_ELCR_MASTER, 0x00);
    pic_set_irq(vm, 3, 1);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_false(pic_has_interrupt(vm));
}

static void test_cascade_sets_both_isrs(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 12);
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x04);
    assert_int_equal(pic_acknowledge(vm), 0x2c);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x04);
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0x10);

    /* The slave's levels rank at the master's IR2: IRQ 1 nests, IRQ 3 waits. */
    pulse(vm, 3);
    assert_false(pic_has_interrupt(vm));
    pulse(vm, 1);
    assert_int_equal(pic_acknowledge(vm), 0x21);
    out(vm, PIC_MASTER_CMD, 0x20); /* ends 1 */
    assert_false(pic_has_interrupt(vm));
    out(vm, PIC_SLAVE_CMD, 0x20);
    out(vm, PIC_MASTER_CMD, 0x20); /* ends IR2 */
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0);
    assert_int_equal(pic_acknowledge(vm), 0x23);
}

/* A slave request of higher priority waits for the master's EOI of IR2
 * (fully nested), and then arrives through a new IR2 request. */
static void test_cascade_nested_slave_requests(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 11);
    assert_int_equal(pic_acknowledge(vm), 0x2b);
    pulse(vm, 8); /* higher than 11 on the slave */
    assert_false(pic_has_interrupt(vm)); /* master IR2 is in service */
    out(vm, PIC_MASTER_CMD, 0x20);       /* a handler that EOIs the master first */
    assert_true(pic_has_interrupt(vm));
    assert_int_equal(pic_acknowledge(vm), 0x28);
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0x09);
}

static void test_spurious_irq7(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_ELCR_MASTER, 0x20); /* IRQ 5 level */
    pic_set_irq(vm, 5, 1);
    assert_true(pic_has_interrupt(vm));
    pic_set_irq(vm, 5, 0); /* withdrawn between INTR and INTA */
    assert_int_equal(pic_acknowledge(vm), 0x27);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0); /* no IS bit for IR7 */

    /* Masked after INTR: the same. */
    pulse(vm, 6);
    assert_true(pic_has_interrupt(vm));
    out(vm, PIC_MASTER_DATA, 0x40);
    assert_int_equal(pic_acknowledge(vm), 0x27);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0);
    struct pic *p = vm->board.pic;
    assert_int_equal(p->spurious, 2);
}

static void test_spurious_irq15_puts_master_ir2_in_service(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_ELCR_SLAVE, 0x04); /* IRQ 10 level */
    pic_set_irq(vm, 10, 1);
    assert_true(pic_has_interrupt(vm));
    pic_set_irq(vm, 10, 0);
    assert_int_equal(pic_acknowledge(vm), 0x2f);
    assert_int_equal(read_isr(vm, PIC_SLAVE_CMD), 0x00);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x04); /* the master needs its EOI */
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x00);
}

static void test_ocw3_register_select_persists(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_MASTER_DATA, 0xff); /* masked requests still show in IRR */
    pulse(vm, 2 + 1);
    pulse(vm, 6);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x48); /* IRR after ICW1 */
    out(vm, PIC_MASTER_DATA, 0x00);
    pic_acknowledge(vm);
    out(vm, PIC_MASTER_CMD, 0x0b);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x08);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x08); /* stays on ISR */
    out(vm, PIC_MASTER_CMD, 0x08);                  /* RR clear: no change */
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x08);
    out(vm, PIC_MASTER_CMD, 0x0a);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x40);
    /* A 16-bit read is the command port then the data port. */
    assert_int_equal(portio_read(vm, PIC_MASTER_CMD, 2), 0x0040);
}

static void test_poll_mode(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    out(vm, PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x00); /* no request */
    pulse(vm, 4);
    pulse(vm, 6);
    out(vm, PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x84);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x10);
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x40);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x40); /* the poll was one read only */
    out(vm, PIC_MASTER_CMD, 0x20);
    out(vm, PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(vm, PIC_MASTER_CMD), 0x86);
}

static void test_rotation(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 0);
    assert_int_equal(pic_acknowledge(vm), 0x20);
    out(vm, PIC_MASTER_CMD, 0xa0); /* rotate on non-specific EOI: 0 becomes lowest */
    pulse(vm, 0);
    pulse(vm, 7);
    assert_int_equal(pic_acknowledge(vm), 0x27);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0x80);
    assert_false(pic_has_interrupt(vm)); /* 0 ranks below 7 now */
    out(vm, PIC_MASTER_CMD, 0xe7);       /* rotate on specific EOI of 7 */
    assert_int_equal(pic_acknowledge(vm), 0x20);
    out(vm, PIC_MASTER_CMD, 0x60);
    out(vm, PIC_MASTER_CMD, 0xc7); /* set priority: 7 lowest again */
    pulse(vm, 7);
    pulse(vm, 0);
    assert_int_equal(pic_acknowledge(vm), 0x20);
}

static void test_special_mask_mode(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pulse(vm, 3);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    pulse(vm, 5);
    assert_false(pic_has_interrupt(vm));
    out(vm, PIC_MASTER_DATA, 0x08); /* the handler masks its own level */
    out(vm, PIC_MASTER_CMD, 0x68);  /* and sets special mask mode */
    assert_true(pic_has_interrupt(vm));
    out(vm, PIC_MASTER_CMD, 0x48);  /* reset special mask mode */
    assert_false(pic_has_interrupt(vm));
}

static void test_icw1_resets_the_chip(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pic_set_irq(vm, 3, 1);
    assert_int_equal(pic_acknowledge(vm), 0x23);
    pulse(vm, 4);
    out(vm, PIC_MASTER_DATA, 0x80);
    init_simple(vm, 0x01);
    assert_int_equal(in(vm, PIC_MASTER_DATA), 0x00);
    assert_int_equal(read_isr(vm, PIC_MASTER_CMD), 0);
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0);
    assert_false(pic_has_interrupt(vm));
    pic_set_irq(vm, 3, 1); /* still high since before ICW1: no edge */
    assert_false(pic_has_interrupt(vm));
}

static void test_cascade_line_is_not_a_device_line(void **state)
{
    struct vm *vm = *state;
    init_simple(vm, 0x01);
    pic_set_irq(vm, 2, 1);
    pic_set_irq(vm, 16, 1);
    assert_false(pic_has_interrupt(vm));
}

/* The board: COM1's interrupt output reaches IRQ 4. */
static void test_board_wires_com1_to_irq4(void **state)
{
    (void)state;
    struct vm *vm = calloc(1, sizeof *vm);
    struct serial_config cfg = { .kind = SERIAL_NULL };
    char err[128];
    assert_non_null(vm);
    assert_int_equal(board_init(vm, &cfg, err, sizeof err), 0);
    init_simple(vm, 0x01);
    out(vm, UART_COM1_BASE + UART_MCR, UART_MCR_OUT2);
    out(vm, UART_COM1_BASE + UART_IER, UART_IER_ETBEI); /* THR empty: pending at once */
    assert_int_equal(read_irr(vm, PIC_MASTER_CMD), 0x10);
    assert_int_equal(pic_acknowledge(vm), 0x24);
    out(vm, PIC_MASTER_CMD, 0x20);
    assert_false(pic_has_interrupt(vm));
    out(vm, UART_COM1_BASE + UART_IER, 0);              /* the line falls ... */
    out(vm, UART_COM1_BASE + UART_IER, UART_IER_ETBEI); /* ... and rises again */
    assert_int_equal(pic_acknowledge(vm), 0x24);
    board_destroy(vm);
    free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_firmware_state_unmasks_only_the_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_init_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simple_kernel_init_and_nonspecific_eoi, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_icw_sequence_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_priority_and_isr_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_specific_eoi_leaves_other_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_eoi_cascade_delivers_every_slave_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_imr_masks_but_irr_keeps_the_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_edge_needs_a_new_rising_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_triggered_per_elcr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade_sets_both_isrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade_nested_slave_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_irq7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_irq15_puts_master_ir2_in_service, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ocw3_register_select_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_mask_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icw1_resets_the_chip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade_line_is_not_a_device_line, setup, teardown),
        cmocka_unit_test(test_board_wires_com1_to_irq4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
