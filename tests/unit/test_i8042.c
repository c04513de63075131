/*
 * test_i8042.c: the 8042 keyboard controller and its keyboard, through the
 * port bus, with IRQ 1 observed on a real PIC pair programmed as Linux does
 * (master vectors 0x20-0x27).
 *
 * The aux-port test replays the decisions of Linux's i8042_check_aux()
 * (drivers/input/serio/i8042.c): the loopback command must fail because the
 * answer lacks the AUXDATA status bit, and the interface test must answer
 * something other than 0x00, 0xfa or 0xff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/i8042.h"
#include "devices/pic.h"
#include "devices/portio.h"
#include "monitor/vm.h"

struct fixture {
    struct vm vm;
};

static void out(struct fixture *f, uint16_t port, uint8_t v)
{
    portio_write(&f->vm, port, 1, v);
}

static uint8_t in(struct fixture *f, uint16_t port)
{
    return (uint8_t)portio_read(&f->vm, port, 1);
}

static uint8_t status(struct fixture *f)
{
    return in(f, I8042_PORT_STATUS);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[128];
    if (!f)
        return -1;
    f->vm.board.clock_ns = board_clock_monotonic;
    if (pic_init(&f->vm, err, sizeof err) < 0 || i8042_init(&f->vm, err, sizeof err) < 0)
        return -1;
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 }, { 0x21, 0x00 },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 }, { 0xa1, 0x00 },
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        out(f, init[i][0], init[i][1]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    board_destroy(&f->vm);
    free(f);
    return 0;
}

/* A controller command with an answer: the byte, which must be there. */
static uint8_t command_read(struct fixture *f, uint8_t cmd)
{
    out(f, I8042_PORT_STATUS, cmd);
    assert_true(status(f) & I8042_STR_OBF);
    return in(f, I8042_PORT_DATA);
}

static void command_write(struct fixture *f, uint8_t cmd, uint8_t data)
{
    out(f, I8042_PORT_STATUS, cmd);
    out(f, I8042_PORT_DATA, data);
}

/* Take IRQ 1 if the PIC has it (acknowledge, read port 0x60, EOI): the byte
 * through *b.  false if there was no interrupt. */
static bool irq1_byte(struct fixture *f, uint8_t *b)
{
    if (!pic_has_interrupt(&f->vm))
        return false;
    assert_int_equal(pic_acknowledge(&f->vm), 0x21);
    assert_true(status(f) & I8042_STR_OBF);
    *b = in(f, I8042_PORT_DATA);
    out(f, PIC_MASTER_CMD, 0x20);
    return true;
}

/* Send a byte to the keyboard and collect what it answers by interrupt. */
static size_t kbd_exchange(struct fixture *f, uint8_t v, uint8_t *answer, size_t max)
{
    out(f, I8042_PORT_DATA, v);
    size_t n = 0;
    uint8_t b;
    while (irq1_byte(f, &b)) {
        assert_true(n < max);
        answer[n++] = b;
    }
    assert_false(status(f) & I8042_STR_OBF);
    return n;
}

static void test_self_tests(void **state)
{
    struct fixture *f = *state;
    out(f, I8042_PORT_STATUS, 0xaa);
    assert_int_equal(status(f) & (I8042_STR_OBF | I8042_STR_IBF | I8042_STR_AUXDATA),
                     I8042_STR_OBF);
    assert_int_equal(in(f, I8042_PORT_DATA), 0x55);
    assert_false(status(f) & I8042_STR_OBF);
    assert_true(status(f) & I8042_STR_SYS);
    assert_int_equal(command_read(f, 0xab), 0x00); /* keyboard interface test */
    assert_true(status(f) & I8042_STR_UNLOCKED);   /* no "Keylock active" */
}

static void test_command_byte(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(command_read(f, 0x20), I8042_CTR_KBDINT | I8042_CTR_SYS |
                                                 I8042_CTR_AUXDIS | I8042_CTR_XLATE);
    assert_true(status(f) & I8042_STR_CMD); /* last write went to 0x64 */
    command_write(f, 0x60, 0x56);
    assert_false(status(f) & I8042_STR_CMD);
    assert_int_equal(command_read(f, 0x20), 0x56);
    command_write(f, 0x60, 0x40); /* system flag follows bit 2 */
    assert_false(status(f) & I8042_STR_SYS);
    out(f, I8042_PORT_STATUS, 0xae);
    assert_int_equal(command_read(f, 0x20), 0x40);
    out(f, I8042_PORT_STATUS, 0xad);
    assert_int_equal(command_read(f, 0x20), 0x40 | I8042_CTR_KBDDIS);
    out(f, I8042_PORT_STATUS, 0xa8);
    out(f, I8042_PORT_STATUS, 0xae);
    assert_int_equal(command_read(f, 0x20), 0x40);
    out(f, I8042_PORT_STATUS, 0xa7);
    assert_int_equal(command_read(f, 0x20), 0x40 | I8042_CTR_AUXDIS);
    command_write(f, 0x65, 0x99); /* controller RAM beyond the command byte */
    assert_int_equal(command_read(f, 0x25), 0x99);
}

static void test_controller_answers_raise_irq1_when_enabled(void **state)
{
    struct fixture *f = *state;
    out(f, I8042_PORT_STATUS, 0xaa);
    uint8_t b;
    assert_true(irq1_byte(f, &b));
    assert_int_equal(b, 0x55);
    command_write(f, 0x60, I8042_CTR_SYS | I8042_CTR_XLATE); /* no IRQ 1 */
    out(f, I8042_PORT_STATUS, 0xaa);
    assert_false(pic_has_interrupt(&f->vm));
    assert_true(status(f) & I8042_STR_OBF); /* polled instead */
    assert_int_equal(in(f, I8042_PORT_DATA), 0x55);
    assert_int_equal(in(f, I8042_PORT_DATA), 0x55); /* an empty buffer repeats its last byte */
    assert_false(status(f) & I8042_STR_OBF);
}

static void test_output_port_a20(void **state)
{
    struct fixture *f = *state;
    struct i8042 *k = f->vm.board.i8042;
    uint8_t p = command_read(f, 0xd0);
    assert_int_equal(p & (I8042_OUT_RESET | I8042_OUT_A20), I8042_OUT_RESET | I8042_OUT_A20);
    assert_true(i8042_a20_enabled(k));
    command_write(f, 0xd1, I8042_OUT_RESET); /* A20 off, reset line high */
    assert_false(i8042_a20_enabled(k));
    assert_int_equal(command_read(f, 0xd0) & I8042_OUT_A20, 0);
    command_write(f, 0xd1, I8042_OUT_RESET | I8042_OUT_A20);
    assert_true(i8042_a20_enabled(k));
    out(f, I8042_PORT_STATUS, 0xdd);
    assert_false(i8042_a20_enabled(k));
    out(f, I8042_PORT_STATUS, 0xdf);
    assert_true(i8042_a20_enabled(k));
    /* Bit 4 shows a keyboard byte waiting in the output buffer. */
    assert_false(command_read(f, 0xd0) & I8042_OUT_KBD_OBF);
    command_write(f, 0xd2, 0x1c);
    out(f, I8042_PORT_STATUS, 0xd0);
    assert_int_equal(in(f, I8042_PORT_DATA), 0x1c);
    assert_true(in(f, I8042_PORT_DATA) & I8042_OUT_KBD_OBF);
    assert_int_equal(f->vm.exit_reason, VMEXIT_NONE);
    assert_int_equal(k->resets, 0);
}

static void test_reset_pulse(void **state)
{
    struct fixture *f = *state;
    out(f, I8042_PORT_STATUS, 0xff); /* pulses no line */
    out(f, I8042_PORT_STATUS, 0xf1); /* pulses lines 1-3, not reset */
    assert_int_equal(f->vm.exit_reason, VMEXIT_NONE);
    out(f, I8042_PORT_STATUS, 0xfe);
    assert_int_equal(f->vm.exit_reason, VMEXIT_RESET);
    assert_int_equal(f->vm.exit_status, EXIT_STATUS_OK);
    assert_string_equal(f->vm.exit_message, "guest requested a reset (i8042)");
}

static void test_reset_no_reboot_and_output_port(void **state)
{
    struct fixture *f = *state;
    f->vm.cfg.no_reboot = true;
    command_write(f, 0xd1, I8042_OUT_A20); /* bit 0 clear: the reset line goes low */
    assert_int_equal(f->vm.exit_reason, VMEXIT_RESET);
    assert_int_equal(f->vm.exit_status, EXIT_STATUS_OK);
    assert_string_equal(f->vm.exit_message, "");
    assert_int_equal(f->vm.board.i8042->resets, 1);
}

static void test_keyboard_reset_and_identify(void **state)
{
    struct fixture *f = *state;
    uint8_t a[8];
    assert_int_equal(kbd_exchange(f, 0xff, a, sizeof a), 2);
    assert_int_equal(a[0], 0xfa);
    assert_int_equal(a[1], 0xaa);
    assert_int_equal(kbd_exchange(f, 0xf2, a, sizeof a), 3); /* translated: 0x83 -> 0x41 */
    assert_memory_equal(a, ((uint8_t[]){ 0xfa, 0xab, 0x41 }), 3);
    command_write(f, 0x60, I8042_CTR_KBDINT | I8042_CTR_SYS); /* no translation */
    assert_int_equal(kbd_exchange(f, 0xf2, a, sizeof a), 3);
    assert_memory_equal(a, ((uint8_t[]){ 0xfa, 0xab, 0x83 }), 3);
    assert_int_equal(kbd_exchange(f, 0xfe, a, sizeof a), 1); /* resend: the last byte */
    assert_int_equal(a[0], 0x83);
}

static void test_keyboard_commands(void **state)
{
    struct fixture *f = *state;
    struct i8042 *k = f->vm.board.i8042;
    uint8_t a[8];
    assert_int_equal(kbd_exchange(f, 0xed, a, sizeof a), 1); /* set LEDs */
    assert_int_equal(a[0], 0xfa);
    assert_int_equal(kbd_exchange(f, 0x05, a, sizeof a), 1);
    assert_int_equal(a[0], 0xfa);
    assert_int_equal(k->kbd_leds, 0x05);
    assert_int_equal(kbd_exchange(f, 0xf3, a, sizeof a), 1); /* typematic */
    assert_int_equal(kbd_exchange(f, 0x20, a, sizeof a), 1);
    assert_int_equal(k->kbd_typematic, 0x20);
    assert_int_equal(kbd_exchange(f, 0xf5, a, sizeof a), 1); /* disable scanning */
    assert_false(k->kbd_scanning);
    assert_int_equal(kbd_exchange(f, 0xf4, a, sizeof a), 1);
    assert_true(k->kbd_scanning);
    assert_int_equal(kbd_exchange(f, 0xee, a, sizeof a), 1); /* echo: no ACK */
    assert_int_equal(a[0], 0xee);
    assert_int_equal(kbd_exchange(f, 0x12, a, sizeof a), 1); /* not a command */
    assert_int_equal(a[0], 0xfe);
    /* Scan code set query, untranslated: ACK, ACK, 2. */
    command_write(f, 0x60, I8042_CTR_KBDINT | I8042_CTR_SYS);
    assert_int_equal(kbd_exchange(f, 0xf0, a, sizeof a), 1);
    assert_int_equal(kbd_exchange(f, 0x00, a, sizeof a), 2);
    assert_memory_equal(a, ((uint8_t[]){ 0xfa, 0x02 }), 2);
    /* A command where a parameter was expected starts that command. */
    assert_int_equal(kbd_exchange(f, 0xed, a, sizeof a), 1);
    assert_int_equal(kbd_exchange(f, 0xff, a, sizeof a), 2);
    assert_memory_equal(a, ((uint8_t[]){ 0xfa, 0xaa }), 2);
    assert_int_equal(k->kbd_leds, 0);
}

static void test_keyboard_write_enables_interface(void **state)
{
    struct fixture *f = *state;
    out(f, I8042_PORT_STATUS, 0xad);
    uint8_t a[4];
    assert_int_equal(kbd_exchange(f, 0xf4, a, sizeof a), 1);
    assert_int_equal(command_read(f, 0x20) & I8042_CTR_KBDDIS, 0);
}

/* What Linux's i8042_check_aux() sees: loopback fails without waiting
 * (answer without AUXDATA), then the interface test reports an error. */
static void test_aux_port_absent(void **state)
{
    struct fixture *f = *state;
    command_write(f, 0x60, I8042_CTR_SYS | I8042_CTR_XLATE); /* interrupts off, as Linux probes */
    command_write(f, 0xd3, 0x5a);
    uint8_t s = status(f);
    assert_true(s & I8042_STR_OBF);      /* an answer at once: no timeout */
    assert_false(s & I8042_STR_AUXDATA); /* but not from the aux port: "auxerr" */
    (void)in(f, I8042_PORT_DATA);
    uint8_t t = command_read(f, 0xa9);
    assert_true(t != 0x00 && t != 0xfa && t != 0xff);
    assert_false(status(f) & I8042_STR_OBF);
    assert_false(pic_has_interrupt(&f->vm));
    /* 0xd4 (send to the mouse) is not decoded either: nothing aux-side. */
    command_write(f, 0xd4, 0xf2);
    while (status(f) & I8042_STR_OBF) {
        assert_false(status(f) & I8042_STR_AUXDATA);
        (void)in(f, I8042_PORT_DATA);
    }
}

static void test_write_keyboard_output_buffer(void **state)
{
    struct fixture *f = *state;
    command_write(f, 0xd2, 0x1c); /* as if the keyboard sent 0x1c */
    uint8_t b;
    assert_true(irq1_byte(f, &b));
    assert_int_equal(b, 0x1c);
    assert_false(irq1_byte(f, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_self_tests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_controller_answers_raise_irq1_when_enabled, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_port_a20, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_pulse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_no_reboot_and_output_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_reset_and_identify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_write_enables_interface, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aux_port_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_keyboard_output_buffer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
