/*
 * test_portio.c: the port bus (registration, dispatch, unassigned ports,
 * counters) and the small board devices on it (port 0x80, debug-exit).
 *
 * vm_request_exit() is replaced here by a recorder so that the test links
 * only the bus and the devices, not the whole monitor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/board.h"
#include "devices/portio.h"
#include "devices/uart.h"
#include "monitor/vm.h"

/* Records the request like the real one: the first reason wins. */
void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int status, const char *fmt, ...)
{
    (void)fmt;
    if (vm->exit_reason != VMEXIT_NONE)
        return;
    vm->exit_reason = why;
    vm->exit_status = status;
}

/* A test device that remembers its last access. */
struct probe {
    uint16_t port;    /* last port accessed */
    unsigned size;    /* last access size */
    uint32_t value;   /* last value written */
    uint32_t reply;   /* what reads return */
    int reads, writes;
};

static uint32_t probe_read(void *dev, uint16_t port, unsigned size)
{
    struct probe *p = dev;
    p->port = port;
    p->size = size;
    p->reads++;
    return p->reply;
}

static void probe_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct probe *p = dev;
    p->port = port;
    p->size = size;
    p->value = value;
    p->writes++;
}

static int vm_setup(void **state)
{
    *state = calloc(1, sizeof(struct vm));
    return *state ? 0 : -1;
}

static int vm_teardown(void **state)
{
    struct vm *vm = *state;
    board_destroy(vm);
    free(vm);
    return 0;
}

static void test_register_rejects_overlap(void **state)
{
    struct vm *vm = *state;
    struct port_bus *bus = &vm->board.bus;
    struct probe p = { 0 };
    assert_int_equal(portio_register(bus, 0x100, 8, probe_read, probe_write, &p, "a"), 0);
    assert_int_equal(portio_register(bus, 0x100, 8, probe_read, probe_write, &p, "same"), -1);
    assert_int_equal(portio_register(bus, 0x107, 2, probe_read, probe_write, &p, "tail"), -1);
    assert_int_equal(portio_register(bus, 0x0fc, 5, probe_read, probe_write, &p, "head"), -1);
    assert_int_equal(portio_register(bus, 0x102, 1, probe_read, probe_write, &p, "inside"), -1);
    assert_int_equal(portio_register(bus, 0x0f0, 0x40, probe_read, probe_write, &p, "around"), -1);
    assert_int_equal(portio_register(bus, 0x0fc, 4, probe_read, probe_write, &p, "below"), 0);
    assert_int_equal(portio_register(bus, 0x108, 1, probe_read, probe_write, &p, "above"), 0);
    assert_int_equal(bus->count, 3);
}

static void test_register_rejects_bad_ranges(void **state)
{
    struct vm *vm = *state;
    struct port_bus *bus = &vm->board.bus;
    assert_int_equal(portio_register(bus, 0x200, 0, NULL, NULL, NULL, "empty"), -1);
    assert_int_equal(portio_register(bus, 0xfffe, 4, NULL, NULL, NULL, "wraps"), -1);
    assert_int_equal(portio_register(bus, 0xfffc, 4, NULL, NULL, NULL, "top"), 0);
    for (int i = 1; i < PORTIO_MAX_RANGES; i++)
        assert_int_equal(portio_register(bus, (uint16_t)(i * 4), 4, NULL, NULL, NULL, "f"), 0);
    assert_int_equal(portio_register(bus, 0x8000, 1, NULL, NULL, NULL, "full"), -1);
}

static void test_unassigned_reads_all_ones(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(portio_read(vm, 0x1234, 1), 0xff);
    assert_int_equal(portio_read(vm, 0x1234, 2), 0xffff);
    assert_int_equal(portio_read(vm, 0x1234, 4), 0xffffffffu);
    portio_write(vm, 0x1234, 4, 0);
    assert_int_equal(vm->stats.io_port_reads, 3);
    assert_int_equal(vm->stats.io_port_writes, 1);
    assert_int_equal(vm->stats.io_unassigned, 4);
}

static void test_dispatch_passes_port_and_size(void **state)
{
    struct vm *vm = *state;
    struct probe p = { .reply = 0x12345678 };
    assert_int_equal(portio_register(&vm->board.bus, 0x300, 4, probe_read, probe_write, &p, "p"), 0);
    assert_int_equal(portio_read(vm, 0x302, 1), 0x78); /* trimmed to the access size */
    assert_int_equal(p.port, 0x302);
    assert_int_equal(p.size, 1);
    assert_int_equal(portio_read(vm, 0x300, 2), 0x5678);
    assert_int_equal(p.size, 2);
    portio_write(vm, 0x301, 1, 0xabcd);
    assert_int_equal(p.value, 0xcd);
    /* Runs past the end of the range: still the device's access. */
    portio_write(vm, 0x303, 4, 0xdeadbeef);
    assert_int_equal(p.port, 0x303);
    assert_int_equal(p.size, 4);
    assert_int_equal(p.value, 0xdeadbeef);
    assert_int_equal(p.reads, 2);
    assert_int_equal(p.writes, 2);
    assert_int_equal(vm->stats.io_unassigned, 0);
    assert_int_equal(portio_read(vm, 0x304, 1), 0xff); /* just past it */
    assert_int_equal(vm->stats.io_unassigned, 1);
    assert_int_equal(vm->stats.io_port_reads, 3);
    assert_int_equal(vm->stats.io_port_writes, 2);
}

static void test_missing_handlers_act_like_empty_bus(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(portio_register(&vm->board.bus, 0x400, 2, NULL, NULL, NULL, "mute"), 0);
    assert_int_equal(portio_read(vm, 0x400, 2), 0xffff);
    portio_write(vm, 0x401, 1, 5);
    assert_int_equal(vm->stats.io_unassigned, 0);
}

static void board_up(struct vm *vm)
{
    char err[256] = "";
    struct serial_config null = { .kind = SERIAL_NULL };
    assert_int_equal(board_init(vm, &null, err, sizeof err), 0);
    assert_string_equal(err, "");
}

static void test_post_port_remembers_value(void **state)
{
    struct vm *vm = *state;
    board_up(vm);
    portio_write(vm, 0x80, 1, 0x42);
    assert_int_equal(portio_read(vm, 0x80, 1), 0x42);
    portio_write(vm, 0x80, 1, 0x07);
    assert_int_equal(portio_read(vm, 0x80, 1), 0x07);
    assert_int_equal(vm->board.post_code, 0x07);
    assert_int_equal(vm->exit_reason, VMEXIT_NONE);
}

static void test_debug_exit_status(void **state)
{
    static const struct { unsigned size; uint32_t value; int status; } cases[] = {
        { 1, 0x00, 1 }, { 1, 0x10, 0x21 }, { 1, 0x7f, 0xff }, { 1, 0x80, 0x01 },
        { 2, 0x0031, 0x63 }, { 4, 0x00000003, 7 }, { 4, 0x12345601, 3 },
    };
    struct vm *vm = *state;
    board_up(vm);
    assert_int_equal(portio_read(vm, DEBUG_EXIT_PORT, 1), 0xff);
    assert_int_equal(portio_read(vm, DEBUG_EXIT_PORT, 4), 0xffffffffu);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vm->exit_reason = VMEXIT_NONE;
        portio_write(vm, DEBUG_EXIT_PORT, cases[i].size, cases[i].value);
        assert_int_equal(vm->exit_reason, VMEXIT_DEBUG_EXIT);
        assert_int_equal(vm->exit_status, cases[i].status);
    }
}

static void test_board_has_com1(void **state)
{
    struct vm *vm = *state;
    board_up(vm);
    assert_non_null(vm->board.com1);
    assert_int_equal(portio_read(vm, 0x3f8 + UART_LSR, 1), UART_LSR_THRE | UART_LSR_TEMT);
    portio_write(vm, 0x3f8 + UART_SCR, 1, 0x5a);
    assert_int_equal(portio_read(vm, 0x3f8 + UART_SCR, 1), 0x5a);
    board_poll(vm);
    board_destroy(vm);
    assert_null(vm->board.com1);
    board_destroy(vm); /* twice is harmless */
}

static void test_board_init_reports_serial_error(void **state)
{
    struct vm *vm = *state;
    char err[256] = "";
    struct serial_config bad = { .kind = SERIAL_FILE, .path = "/nonexistent-dir/x/serial.txt" };
    assert_int_equal(board_init(vm, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x/serial.txt"));
    assert_null(vm->board.com1); /* board_init cleaned up */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_rejects_overlap, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_register_rejects_bad_ranges, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_unassigned_reads_all_ones, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_passes_port_and_size, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_missing_handlers_act_like_empty_bus, vm_setup,
                                        vm_teardown),
        cmocka_unit_test_setup_teardown(test_post_port_remembers_value, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_debug_exit_status, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_board_has_com1, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_board_init_reports_serial_error, vm_setup,
                                        vm_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
