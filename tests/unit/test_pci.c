/*
 * test_pci.c: PCI configuration mechanism #1 and the host bridge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "devices/pci.h"
#include "devices/portio.h"
#include "monitor/vm.h"

static int setup(void **state)
{
    struct vm *vm = calloc(1, sizeof *vm);
    char err[128];
    assert_int_equal(pci_init(vm, err, sizeof err), 0);
    *state = vm;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_host_bridge_identity(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80000000u);
    assert_int_equal(portio_read(vm, PCI_CONFIG_ADDRESS, 4), 0x80000000u);
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 4), 0x12378086u);
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA + 2, 2), 0x1237);
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80000008u);
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA + 3, 1), 0x06); /* class: bridge */
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA + 2, 1), 0x00); /* subclass: host */
}

static void test_absent_functions_read_all_ones(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80000800u); /* device 1 */
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 4), 0xffffffffu);
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x00000000u); /* enable bit clear */
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 2), 0xffff);
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80010000u); /* bus 1 */
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 1), 0xff);
}

static void test_identity_is_read_only_command_is_not(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80000000u);
    portio_write(vm, PCI_CONFIG_DATA, 4, 0);
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 4), 0x12378086u);
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0x80000004u);
    portio_write(vm, PCI_CONFIG_DATA, 2, 0x0007);
    assert_int_equal(portio_read(vm, PCI_CONFIG_DATA, 2), 0x0007);
}

static void test_latch_ignores_byte_writes_and_reserved_bits(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, PCI_CONFIG_ADDRESS, 4, 0xffffffffu);
    assert_int_equal(portio_read(vm, PCI_CONFIG_ADDRESS, 4), 0x80fffffcu);
    portio_write(vm, PCI_CONFIG_ADDRESS, 1, 0x00);
    assert_int_equal(portio_read(vm, PCI_CONFIG_ADDRESS, 4), 0x80fffffcu);
}

static void test_reset_control_requests_reset(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, PCI_RESET_CONTROL, 1, 0x02);
    assert_int_equal(vm->exit_reason, VMEXIT_NONE);
    portio_write(vm, PCI_RESET_CONTROL, 1, 0x06);
    assert_int_equal(vm->exit_reason, VMEXIT_RESET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_host_bridge_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_functions_read_all_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_is_read_only_command_is_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latch_ignores_byte_writes_and_reserved_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_control_requests_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
