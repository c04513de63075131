/*
 * test_lapic.c: the local APIC and the I/O APIC, driven through their
 * registers as a guest drives them (MMIO) and through the ISA lines and
 * the CPU's interrupt input (devices/intr.h), with a fake clock for the
 * APIC timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "devices/intr.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "devices/portio.h"
#include "monitor/emulate.h"
#include "monitor/vm.h"

struct fixture {
    struct vm vm; /* vm.board.clock_ns = fake_clock */
    uint64_t now; /* the fake host time, ns */
};

static uint64_t fake_clock(struct vm *vm)
{
    return ((const struct fixture *)((char *)vm - offsetof(struct fixture, vm)))->now;
}

#define fake_now (((struct fixture *)vm)->now)

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[128];
    if (!f)
        return -1;
    struct vm *vm = &f->vm;
    vm->cpu.vm = vm;
    vm->cpu.apic_base = 0xfee00900u;
    vm->board.clock_ns = fake_clock;
    fake_now = 1000;
    if (pic_init(vm, err, sizeof err) < 0 || lapic_init(vm, err, sizeof err) < 0 ||
        ioapic_init(vm, err, sizeof err) < 0)
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

static uint32_t apic_rd(struct vm *vm, uint32_t reg)
{
    return (uint32_t)mmio_read(vm, LAPIC_DEFAULT_BASE + reg, 4);
}

static void apic_wr(struct vm *vm, uint32_t reg, uint32_t v)
{
    mmio_write(vm, LAPIC_DEFAULT_BASE + reg, 4, v);
}

static void ioapic_wr(struct vm *vm, uint32_t index, uint32_t v)
{
    mmio_write(vm, IOAPIC_BASE, 4, index);
    mmio_write(vm, IOAPIC_BASE + 0x10, 4, v);
}

static uint32_t ioapic_rd(struct vm *vm, uint32_t index)
{
    mmio_write(vm, IOAPIC_BASE, 4, index);
    return (uint32_t)mmio_read(vm, IOAPIC_BASE + 0x10, 4);
}

static void apic_enable(struct vm *vm)
{
    apic_wr(vm, LAPIC_REG_SVR, 0x1ff);
}

static void test_reset_state(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(apic_rd(vm, LAPIC_REG_VERSION), 0x00050014);
    assert_int_equal(apic_rd(vm, LAPIC_REG_SVR), 0xff);
    assert_int_equal(apic_rd(vm, LAPIC_REG_DFR), 0xffffffffu);
    assert_int_equal(apic_rd(vm, LAPIC_REG_LVT_TIMER), 0x10000);
    assert_int_equal(apic_rd(vm, LAPIC_REG_LVT_LINT0), 0x700); /* virtual wire */
    assert_int_equal(ioapic_rd(vm, 0), IOAPIC_ID << 24);
    assert_int_equal(ioapic_rd(vm, 1), 0x00170011);
    assert_int_equal(ioapic_rd(vm, 0x10), 0x10000); /* masked */
}

/* Software-disabled: LVT masks stick (SDM Vol. 3A §10.4.7.2). */
static void test_sw_disable_masks(void **state)
{
    struct vm *vm = *state;
    apic_wr(vm, LAPIC_REG_LVT_ERROR, 0xfe);
    assert_int_equal(apic_rd(vm, LAPIC_REG_LVT_ERROR), 0x100fe);
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_LVT_ERROR, 0xfe);
    assert_int_equal(apic_rd(vm, LAPIC_REG_LVT_ERROR), 0xfe);
    apic_wr(vm, LAPIC_REG_SVR, 0xff);
    assert_int_equal(apic_rd(vm, LAPIC_REG_LVT_ERROR), 0x100fe);
}

/* TPR blocks classes at or below its own; ISR raises PPR (§10.8.3.1). */
static void test_priority_classes(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_LVT_LINT0, 0x10000); /* keep the 8259 out of it */
    apic_wr(vm, LAPIC_REG_TPR, 0x45);
    lapic_accept(vm, 0x48, false);
    assert_false(intr_has_interrupt(vm));
    assert_int_equal(apic_rd(vm, LAPIC_REG_IRR + 0x20), 1u << 8);
    lapic_accept(vm, 0x51, false);
    assert_int_equal(intr_acknowledge(vm), 0x51);
    assert_int_equal(apic_rd(vm, LAPIC_REG_PPR), 0x50);
    lapic_accept(vm, 0x5f, false);
    assert_false(intr_has_interrupt(vm)); /* same class as the one in service */
    lapic_accept(vm, 0x61, false);
    assert_int_equal(intr_acknowledge(vm), 0x61); /* nests */
    apic_wr(vm, LAPIC_REG_EOI, 0);                 /* retires 0x61 */
    apic_wr(vm, LAPIC_REG_EOI, 0);                 /* retires 0x51 */
    assert_int_equal(apic_rd(vm, LAPIC_REG_ISR + 0x20), 0);
    assert_int_equal(intr_acknowledge(vm), 0x5f);
    apic_wr(vm, LAPIC_REG_EOI, 0);
    assert_false(intr_has_interrupt(vm));
    apic_wr(vm, LAPIC_REG_TPR, 0);
    assert_int_equal(intr_acknowledge(vm), 0x48);
}

/* A self-IPI; an illegal vector sets the send error, latched by an ESR write. */
static void test_self_ipi_and_esr(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_ICR_LO, (1u << 18) | 0x77); /* shorthand self, fixed */
    assert_int_equal(intr_acknowledge(vm), 0x77);
    apic_wr(vm, LAPIC_REG_ICR_LO, (1u << 18) | 0x05);
    assert_int_equal(apic_rd(vm, LAPIC_REG_ESR), 0);
    apic_wr(vm, LAPIC_REG_ESR, 0);
    assert_int_equal(apic_rd(vm, LAPIC_REG_ESR), LAPIC_ESR_SEND_ILLEGAL);
    apic_wr(vm, LAPIC_REG_ESR, 0);
    assert_int_equal(apic_rd(vm, LAPIC_REG_ESR), 0);
    apic_wr(vm, LAPIC_REG_ICR_LO, (4u << 8) | (1u << 18)); /* NMI to self */
    assert_true(vm->board.nmi_pending);
}

/* The 8259 reaches the CPU through LINT0 (ExtINT) and not when it is masked. */
static void test_pic_through_lint0(void **state)
{
    struct vm *vm = *state;
    portio_write(vm, 0x20, 1, 0x11);
    portio_write(vm, 0x21, 1, 0x20);
    portio_write(vm, 0x21, 1, 0x04);
    portio_write(vm, 0x21, 1, 0x01);
    portio_write(vm, 0x21, 1, 0x00);
    isa_irq_set(vm, 1, 1);
    assert_true(intr_has_interrupt(vm)); /* reset state: virtual wire */
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_LVT_LINT0, 0x10700);
    assert_false(intr_has_interrupt(vm));
    apic_wr(vm, LAPIC_REG_LVT_LINT0, 0x700);
    assert_int_equal(intr_acknowledge(vm), 0x21);
}

/* Global disable: the page reads all-ones, the APIC resets, CPUID's bit goes. */
static void test_global_disable(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_TPR, 0x20);
    assert_true(msr_write(&vm->cpu, 0x1b, 0xfee00100u));
    assert_int_equal(apic_rd(vm, LAPIC_REG_VERSION), 0xffffffffu);
    uint32_t r[4];
    cpuid_query(&vm->cpu, 1, 0, r);
    assert_int_equal(r[3] & (1u << 9), 0);
    assert_true(msr_write(&vm->cpu, 0x1b, 0xfee00900u));
    assert_int_equal(apic_rd(vm, LAPIC_REG_TPR), 0);
    assert_int_equal(apic_rd(vm, LAPIC_REG_SVR), 0xff);
    cpuid_query(&vm->cpu, 1, 0, r);
    assert_int_equal(r[3] & (1u << 9), 1u << 9);
    assert_int_equal(r[2] & (1u << 24), 1u << 24); /* TSC-deadline timer */
}

/* Edge pin: one message per rising edge; IRQ 0 arrives on pin 2. */
static void test_ioapic_edge(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_LVT_LINT0, 0x10000);
    ioapic_wr(vm, 0x10 + 2 * 2, 0x30);
    ioapic_wr(vm, 0x11 + 2 * 2, 0);
    isa_irq_set(vm, 0, 1);
    isa_irq_set(vm, 0, 1);
    assert_int_equal(intr_acknowledge(vm), 0x30);
    apic_wr(vm, LAPIC_REG_EOI, 0);
    assert_false(intr_has_interrupt(vm));
    isa_irq_set(vm, 0, 0);
    isa_irq_set(vm, 0, 1);
    assert_int_equal(intr_acknowledge(vm), 0x30);
    /* a destination that is not this APIC: nothing */
    apic_wr(vm, LAPIC_REG_EOI, 0);
    ioapic_wr(vm, 0x11 + 2 * 4, 5u << 24);
    ioapic_wr(vm, 0x10 + 2 * 4, 0x34);
    isa_irq_set(vm, 4, 1);
    assert_false(intr_has_interrupt(vm));
    /* logical flat: LDR bit 0 */
    apic_wr(vm, LAPIC_REG_LDR, 1u << 24);
    ioapic_wr(vm, 0x11 + 2 * 4, 1u << 24);
    ioapic_wr(vm, 0x10 + 2 * 4, 0x34 | (1u << 11));
    isa_irq_set(vm, 4, 0);
    isa_irq_set(vm, 4, 1);
    assert_int_equal(intr_acknowledge(vm), 0x34);
}

/* Level pin: remote IRR holds it until EOI, which resends if still high. */
static void test_ioapic_level(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_LVT_LINT0, 0x10000);
    ioapic_wr(vm, 0x10 + 2 * 9, 0x49 | (1u << 15) | (1u << 16)); /* level, masked */
    ioapic_set_irq(vm, 9, 1);
    assert_false(intr_has_interrupt(vm));
    ioapic_wr(vm, 0x10 + 2 * 9, 0x49 | (1u << 15)); /* unmasking sends */
    assert_int_equal(ioapic_rd(vm, 0x10 + 2 * 9) & (1u << 14), 1u << 14);
    assert_int_equal(intr_acknowledge(vm), 0x49);
    assert_int_equal(apic_rd(vm, LAPIC_REG_TMR + 0x20), 1u << 9);
    apic_wr(vm, LAPIC_REG_EOI, 0); /* still high: sent again */
    assert_int_equal(intr_acknowledge(vm), 0x49);
    ioapic_set_irq(vm, 9, 0);
    apic_wr(vm, LAPIC_REG_EOI, 0);
    assert_int_equal(ioapic_rd(vm, 0x10 + 2 * 9) & (1u << 14), 0);
    assert_false(intr_has_interrupt(vm));
}

/* One-shot: the count falls at bus rate / divide and fires once. */
static void test_timer_oneshot(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_TIMER_DCR, 0x1); /* divide by 4 */
    apic_wr(vm, LAPIC_REG_LVT_TIMER, 0x40);
    apic_wr(vm, LAPIC_REG_TIMER_ICR, 1000);
    fake_now += 400; /* 100 counts */
    assert_int_equal(apic_rd(vm, LAPIC_REG_TIMER_CCR), 900);
    assert_int_equal(lapic_timer_next_event_ns(vm, fake_now), fake_now + 3600);
    fake_now += 3600;
    lapic_timer_advance(vm, fake_now);
    assert_int_equal(apic_rd(vm, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(intr_acknowledge(vm), 0x40);
    fake_now += 100000;
    lapic_timer_advance(vm, fake_now);
    assert_false(intr_has_interrupt(vm));
    assert_int_equal(lapic_timer_next_event_ns(vm, fake_now), UINT64_MAX);
}

/* Periodic: reloads, and expiries the host slept through coalesce. */
static void test_timer_periodic(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    apic_wr(vm, LAPIC_REG_TIMER_DCR, 0xb); /* divide by 1 */
    apic_wr(vm, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x41);
    apic_wr(vm, LAPIC_REG_TIMER_ICR, 500);
    fake_now += 700;
    assert_int_equal(apic_rd(vm, LAPIC_REG_TIMER_CCR), 300);
    assert_int_equal(intr_acknowledge(vm), 0x41);
    apic_wr(vm, LAPIC_REG_EOI, 0);
    fake_now += 2000; /* four more periods */
    lapic_timer_advance(vm, fake_now);
    assert_int_equal(intr_acknowledge(vm), 0x41);
    assert_int_equal(vm->board.lapic->timer_fires, 2);
    apic_wr(vm, LAPIC_REG_TIMER_ICR, 0); /* stops it */
    assert_int_equal(lapic_timer_next_event_ns(vm, fake_now), UINT64_MAX);
}

/* TSC-deadline: only in its mode, cleared by a mode change. */
static void test_timer_tsc_deadline_mode(void **state)
{
    struct vm *vm = *state;
    apic_enable(vm);
    uint64_t v;
    assert_true(msr_write(&vm->cpu, 0x6e0, 1ull << 62)); /* ignored in one-shot mode */
    assert_true(msr_read(&vm->cpu, 0x6e0, &v));
    assert_int_equal(v, 0);
    apic_wr(vm, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    assert_true(msr_write(&vm->cpu, 0x6e0, 1ull << 62)); /* far future */
    assert_true(msr_read(&vm->cpu, 0x6e0, &v));
    assert_int_equal(v, 1ull << 62);
    assert_false(intr_has_interrupt(vm));
    assert_true(msr_write(&vm->cpu, 0x6e0, 1)); /* long past */
    assert_int_equal(intr_acknowledge(vm), 0x42);
    assert_true(msr_read(&vm->cpu, 0x6e0, &v));
    assert_int_equal(v, 0);
    assert_true(msr_write(&vm->cpu, 0x6e0, 1ull << 62));
    apic_wr(vm, LAPIC_REG_LVT_TIMER, 0x42); /* back to one-shot: disarmed */
    apic_wr(vm, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    assert_true(msr_read(&vm->cpu, 0x6e0, &v));
    assert_int_equal(v, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sw_disable_masks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_ipi_and_esr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pic_through_lint0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ioapic_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ioapic_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_oneshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tsc_deadline_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
