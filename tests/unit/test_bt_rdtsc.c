/*
 * test_bt_rdtsc.c: rdtsc runs natively at CPL 0 while the guest TSC is the
 * host's, and through the monitor (adding the offset) once the guest has
 * written the TSC.
 */
#include "bt_fixture.h"

#include <x86intrin.h>

static uint64_t guest_tsc(struct vm *vm)
{
    return ((uint64_t)vm->cpu.gpr[GPR_EDX] << 32) | vm->cpu.gpr[GPR_EAX];
}

static void test_rdtsc_native(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x0f, 0x31, 0xf4); /* rdtsc ; hlt */
    vm->cpu.tsc_offset = 0;
    uint64_t callouts = vm->stats.co_total;
    uint64_t before = __rdtsc();
    btfx_run(state);
    uint64_t after = __rdtsc();
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_true(guest_tsc(vm) >= before && guest_tsc(vm) <= after);
    assert_int_equal(vm->stats.co_total, callouts + 1); /* only the hlt */
}

static void test_rdtsc_with_offset(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x0f, 0x31, 0xf4);
    const uint64_t offset = 1ull << 50;
    vm->cpu.tsc_offset = offset;
    uint64_t callouts = vm->stats.co_total;
    uint64_t before = __rdtsc();
    btfx_run(state);
    uint64_t after = __rdtsc();
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_true(guest_tsc(vm) >= before + offset && guest_tsc(vm) <= after + offset);
    assert_int_equal(vm->stats.co_total, callouts + 2); /* rdtsc and hlt */
    vm->cpu.tsc_offset = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rdtsc_native),
        cmocka_unit_test(test_rdtsc_with_offset),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
