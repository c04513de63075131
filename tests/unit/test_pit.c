/*
 * test_pit.c: the 8254 and port 0x61 against a fake clock.
 *
 * The fixture owns the time: vm->board.clock_ns reads fixture.now, so every
 * counter value and OUT level below is a function of a time the test chose.
 * Expected values are computed from tick numbers with pit_ticks_to_ns(),
 * whose own exactness is checked first.  IRQ 0 is observed on a real PIC
 * (pic_has_interrupt/pic_acknowledge), programmed as a kernel would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/portio.h"
#include "monitor/vm.h"

struct fixture {
    struct vm vm; /* vm->board.clock_ns = fake_clock */
    uint64_t now; /* the fake host time, ns */
};

static uint64_t fake_clock(struct vm *vm)
{
    const struct fixture *f = (const struct fixture *)((char *)vm - offsetof(struct fixture, vm));
    return f->now;
}

static void out(struct fixture *f, uint16_t port, uint8_t v)
{
    portio_write(&f->vm, port, 1, v);
}

static uint8_t in(struct fixture *f, uint16_t port)
{
    return (uint8_t)portio_read(&f->vm, port, 1);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[128];
    if (!f)
        return -1;
    f->now = 5000000000ull; /* 5 s: nothing special about 0 */
    f->vm.board.clock_ns = fake_clock;
    if (pic_init(&f->vm, err, sizeof err) < 0 || pit_init(&f->vm, err, sizeof err) < 0 ||
        port61_init(&f->vm, err, sizeof err) < 0)
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

/* Set the clock to `ticks` PIT ticks after t0. */
static void at_tick(struct fixture *f, uint64_t t0, uint64_t ticks)
{
    f->now = t0 + pit_ticks_to_ns(ticks);
}

static void program(struct fixture *f, unsigned ch, uint8_t control, uint16_t count)
{
    out(f, PIT_PORT_CONTROL, control);
    out(f, (uint16_t)(PIT_PORT_COUNTER0 + ch), (uint8_t)count);
    out(f, (uint16_t)(PIT_PORT_COUNTER0 + ch), (uint8_t)(count >> 8));
}

/* Counter latch command, then LSB and MSB (channel in LSB-then-MSB mode). */
static uint16_t read_count(struct fixture *f, unsigned ch)
{
    out(f, PIT_PORT_CONTROL, (uint8_t)(ch << 6));
    uint16_t lo = in(f, (uint16_t)(PIT_PORT_COUNTER0 + ch));
    return (uint16_t)(lo | in(f, (uint16_t)(PIT_PORT_COUNTER0 + ch)) << 8);
}

/* Read-back status of one channel. */
static uint8_t read_status(struct fixture *f, unsigned ch)
{
    out(f, PIT_PORT_CONTROL, (uint8_t)(0xe0 | 2u << ch));
    return in(f, (uint16_t)(PIT_PORT_COUNTER0 + ch));
}

/* pit_advance, then take IRQ 0 if the PIC has it: acknowledge + EOI. */
static bool irq0_taken(struct fixture *f)
{
    pit_advance(&f->vm, f->now);
    if (!pic_has_interrupt(&f->vm))
        return false;
    assert_int_equal(pic_acknowledge(&f->vm), 0x20);
    out(f, PIC_MASTER_CMD, 0x20);
    return true;
}

static void test_tick_conversions_are_exact(void **state)
{
    (void)state;
    assert_int_equal(pit_ns_to_ticks(1000000000ull), PIT_HZ);
    assert_int_equal(pit_ticks_to_ns(PIT_HZ), 1000000000ull);
    static const uint64_t samples[] = { 1, 2, 17, 1000, 65536, 1193181, 1193183,
                                        123456789, 98765432101ull, 4000000000000ull };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        uint64_t t = samples[i], ns = pit_ticks_to_ns(t);
        assert_int_equal(pit_ns_to_ticks(ns), t);         /* reached at ns ... */
        assert_int_equal(pit_ns_to_ticks(ns - 1), t - 1); /* ... and not before */
    }
}

static void test_mode0_terminal_count_raises_irq0(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x30, 1000);
    assert_int_equal(read_status(f, 0) & 0x80, 0); /* OUT low while counting */
    at_tick(f, t0, 400);
    assert_int_equal(read_count(f, 0), 600);
    assert_false(irq0_taken(f));
    f->now = t0 + pit_ticks_to_ns(1000) - 1;
    assert_false(irq0_taken(f));
    assert_int_equal(read_count(f, 0), 1);
    f->now++;
    assert_true(irq0_taken(f));
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    at_tick(f, t0, 1003);
    assert_int_equal(read_count(f, 0), 0xfffd); /* keeps counting through 0 */
    at_tick(f, t0, 1000 + 65536 * 3);
    assert_false(irq0_taken(f)); /* one shot: OUT stays high */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), UINT64_MAX);
}

static void test_mode2_period_and_one_tick_pulse(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x34, 100);
    at_tick(f, t0, 30);
    assert_int_equal(read_count(f, 0), 70);
    at_tick(f, t0, 98);
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    at_tick(f, t0, 99); /* count 1: OUT low for one clock */
    assert_int_equal(read_count(f, 0), 1);
    assert_int_equal(read_status(f, 0) & 0x80, 0);
    assert_false(irq0_taken(f));
    at_tick(f, t0, 100); /* reload: OUT rises */
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    assert_true(irq0_taken(f));
    assert_int_equal(read_count(f, 0), 100 & 0xffff);
    for (unsigned k = 2; k <= 5; k++) {
        at_tick(f, t0, 100 * k - 1);
        assert_false(irq0_taken(f));
        at_tick(f, t0, 100 * k);
        assert_true(irq0_taken(f));
    }
}

static void test_mode3_square_wave_halves(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x36, 10); /* even: 5 ticks high, 5 low */
    for (unsigned t = 0; t < 30; t++) {
        at_tick(f, t0, t);
        bool high = t % 10 < 5;
        assert_int_equal(read_status(f, 0) & 0x80, high ? 0x80 : 0);
    }
    at_tick(f, t0, 32);
    assert_int_equal(read_count(f, 0), 6); /* two per tick: 10 8 [6] 4 2 */

    assert_true(irq0_taken(f)); /* the edges at 10 and 20 latched one request */
    t0 = f->now;
    program(f, 0, 0x36, 11); /* odd: 6 high, 5 low */
    assert_false(irq0_taken(f));
    unsigned high_ticks = 0;
    for (unsigned t = 0; t < 11; t++) {
        at_tick(f, t0, t);
        high_ticks += (read_status(f, 0) & 0x80) != 0;
    }
    assert_int_equal(high_ticks, 6);
    at_tick(f, t0, 11);
    assert_true(irq0_taken(f)); /* one IRQ per period, on the rising edge */
    at_tick(f, t0, 16);
    assert_false(irq0_taken(f)); /* the falling edge raises nothing */
    at_tick(f, t0, 22);
    assert_true(irq0_taken(f));
}

static void test_counter_latch_while_counting(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x34, 1000);
    at_tick(f, t0, 100);
    out(f, PIT_PORT_CONTROL, 0x00); /* latch channel 0 */
    at_tick(f, t0, 200);
    out(f, PIT_PORT_CONTROL, 0x00); /* ignored: the first latch is unread */
    at_tick(f, t0, 300);
    uint16_t lo = in(f, 0x40);
    assert_int_equal(lo | in(f, 0x40) << 8, 900);
    /* Unlatched reads follow the clock, LSB then MSB. */
    lo = in(f, 0x40);
    assert_int_equal(lo | in(f, 0x40) << 8, 700);
    at_tick(f, t0, 456);
    assert_int_equal(read_count(f, 0), 544);
}

static void test_read_back_status_and_count(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    out(f, PIT_PORT_CONTROL, 0x34);
    assert_int_equal(read_status(f, 0), 0x80 | 0x40 | 0x34); /* OUT high, null count */
    out(f, 0x40, 0x00);
    out(f, 0x40, 0x01); /* 256 */
    assert_int_equal(read_status(f, 0), 0x80 | 0x34);
    out(f, PIT_PORT_CONTROL, 0xb0); /* channel 2, mode 0 */
    assert_int_equal(read_status(f, 2), 0x40 | 0x30);
    out(f, PIT_PORT_CONTROL, 0x3b); /* mode 5 reads back as written; BCD */
    assert_int_equal(read_status(f, 0), 0x80 | 0x40 | 0x3b);

    /* Count and status together: status first, whatever the order latched. */
    program(f, 1, 0x74, 5000);
    at_tick(f, t0, 0);
    uint64_t t1 = f->now;
    at_tick(f, t1, 1234);
    out(f, PIT_PORT_CONTROL, 0xc4); /* count + status of channel 1 */
    at_tick(f, t1, 2000);
    assert_int_equal(in(f, 0x41), 0x80 | 0x34);
    uint16_t lo = in(f, 0x41);
    assert_int_equal(lo | in(f, 0x41) << 8, 5000 - 1234);
    /* Counts of several channels at once. */
    out(f, PORT61, PORT61_GATE2);
    program(f, 2, 0xb4, 3001);
    at_tick(f, t1, 2010);
    out(f, PIT_PORT_CONTROL, 0xdc); /* counts of channels 1 and 2 */
    at_tick(f, t1, 2500);
    lo = in(f, 0x42);
    assert_int_equal(lo | in(f, 0x42) << 8, 2991);
    lo = in(f, 0x41);
    assert_int_equal(lo | in(f, 0x41) << 8, 5000 - 2010);
    assert_int_equal(in(f, PIT_PORT_CONTROL), 0xff); /* the control port is write-only */
}

static void test_access_modes(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    out(f, PIT_PORT_CONTROL, 0x10); /* LSB only, mode 0 */
    out(f, 0x40, 0x50);
    at_tick(f, t0, 0x10);
    assert_int_equal(in(f, 0x40), 0x40);
    assert_int_equal(in(f, 0x40), 0x40); /* every read is the LSB */

    t0 = f->now;
    out(f, PIT_PORT_CONTROL, 0x20); /* MSB only, mode 0 */
    out(f, 0x40, 0x02);             /* count 0x200 */
    at_tick(f, t0, 0x100);
    out(f, PIT_PORT_CONTROL, 0x00);
    at_tick(f, t0, 0x101);
    assert_int_equal(in(f, 0x40), 0x01); /* latched MSB of 0x100, one read */
    assert_int_equal(in(f, 0x40), 0x00); /* live: 0x0ff */
    at_tick(f, t0, 0x1ff);
    assert_int_equal(in(f, 0x40), 0x00);
    at_tick(f, t0, 0x200);
    assert_true(irq0_taken(f));

    /* Linux's quick_pit_calibrate: channel 2, mode 0, 0xffff, reading the
     * LSB/MSB pair unlatched and watching the MSB count down. */
    out(f, PORT61, PORT61_GATE2);
    t0 = f->now;
    program(f, 2, 0xb0, 0xffff);
    for (unsigned k = 1; k <= 4; k++) {
        at_tick(f, t0, 256 * k + 5);
        (void)in(f, 0x42);
        assert_int_equal(in(f, 0x42), 0xff - k);
    }
}

/* Mode 0: the first byte of a two-byte count stops counting and drops OUT. */
static void test_mode0_rewrite_stops_and_restarts(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x30, 100);
    at_tick(f, t0, 150);
    assert_true(irq0_taken(f));
    out(f, 0x40, 0x00); /* LSB */
    assert_int_equal(read_status(f, 0) & 0xc0, 0x40); /* OUT low, null count */
    uint16_t held = read_count(f, 0);
    at_tick(f, t0, 400);
    assert_int_equal(read_count(f, 0), held); /* not counting */
    uint64_t t1 = f->now;
    out(f, 0x40, 0x01); /* MSB: count 256 starts */
    at_tick(f, t1, 255);
    assert_false(irq0_taken(f));
    at_tick(f, t1, 256);
    assert_true(irq0_taken(f));
}

/* Linux's pit_calibrate_tsc(): gate channel 2 on, mode 0 with a 50 ms count,
 * poll port 0x61 bit 5.  The fake clock moves 200 ns per poll. */
static void test_linux_calibration_loop(void **state)
{
    struct fixture *f = *state;
    const uint16_t latch = PIT_HZ / (1000 / 50);
    out(f, PORT61, (in(f, PORT61) & ~0x02) | 0x01);
    out(f, PIT_PORT_CONTROL, 0xb0);
    out(f, 0x42, latch & 0xff);
    out(f, 0x42, latch >> 8);
    uint64_t start = f->now;
    unsigned polls = 0;
    while (!(in(f, PORT61) & PORT61_OUT2)) {
        f->now += 200;
        assert_true(++polls < 1000000);
    }
    uint64_t expect = (uint64_t)latch * 1000000000ull / PIT_HZ;
    uint64_t elapsed = f->now - start, tick = 1000000000ull / PIT_HZ + 1;
    assert_true(elapsed + tick >= expect && elapsed <= expect + tick);
    assert_int_equal(in(f, PORT61) & 0x0f, 0x01); /* gate on, speaker off */
}

static void test_channel2_gate(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    out(f, PORT61, 0x00);
    program(f, 2, 0xb0, 500); /* mode 0, gate low: loaded, not counting */
    at_tick(f, t0, 1000);
    assert_int_equal(read_count(f, 2), 500);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
    uint64_t t1 = f->now;
    out(f, PORT61, PORT61_GATE2);
    at_tick(f, t1, 200);
    assert_int_equal(read_count(f, 2), 300);
    out(f, PORT61, 0x00); /* suspend at 300 */
    at_tick(f, t1, 5000);
    assert_int_equal(read_count(f, 2), 300);
    uint64_t t2 = f->now;
    out(f, PORT61, PORT61_GATE2);
    at_tick(f, t2, 299);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
    at_tick(f, t2, 300);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2);

    /* Mode 3 with GATE low: OUT forced high, count held; rising GATE reloads. */
    out(f, PORT61, 0x00);
    program(f, 2, 0xb6, 100);
    uint64_t t3 = f->now;
    out(f, PORT61, PORT61_GATE2);
    at_tick(f, t3, 60);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
    out(f, PORT61, 0x00);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2);
    uint64_t t4 = f->now;
    out(f, PORT61, PORT61_GATE2);
    at_tick(f, t4, 49);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2); /* a fresh high half */
    at_tick(f, t4, 50);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
}

/* Modes 1 and 5 wait for a GATE rising edge; mode 4 strobes at n + 1. */
static void test_triggered_and_strobe_modes(void **state)
{
    struct fixture *f = *state;
    out(f, PORT61, 0x00);
    program(f, 2, 0xb2, 40); /* mode 1 */
    at_tick(f, f->now, 500);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2); /* not triggered */
    assert_int_equal(read_status(f, 2) & 0x40, 0x40);           /* count not loaded */
    uint64_t t0 = f->now;
    out(f, PORT61, PORT61_GATE2);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
    at_tick(f, t0, 39);
    assert_int_equal(read_count(f, 2), 1);
    at_tick(f, t0, 40);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2);
    out(f, PORT61, 0x00);
    uint64_t t1 = f->now;
    out(f, PORT61, PORT61_GATE2); /* retrigger */
    at_tick(f, t1, 20);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);

    program(f, 2, 0xba, 30); /* mode 5 */
    out(f, PORT61, 0x00);
    uint64_t t2 = f->now;
    out(f, PORT61, PORT61_GATE2);
    at_tick(f, t2, 29);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2);
    at_tick(f, t2, 30);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, 0);
    at_tick(f, t2, 31);
    assert_int_equal(in(f, PORT61) & PORT61_OUT2, PORT61_OUT2);

    uint64_t t3 = f->now;
    program(f, 0, 0x38, 70); /* mode 4 on channel 0 */
    at_tick(f, t3, 70);
    assert_false(irq0_taken(f)); /* OUT just went low */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t3 + pit_ticks_to_ns(71));
    at_tick(f, t3, 71);
    assert_true(irq0_taken(f));
}

static void test_mode2_new_count_waits_for_period_end(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x34, 1000);
    at_tick(f, t0, 300);
    out(f, 0x40, 500 & 0xff);
    out(f, 0x40, 500 >> 8);
    assert_int_equal(read_status(f, 0) & 0x40, 0x40); /* null count until the reload */
    at_tick(f, t0, 600);
    assert_int_equal(read_count(f, 0), 400);           /* old count still running */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t0 + pit_ticks_to_ns(1000));
    at_tick(f, t0, 1000);
    assert_true(irq0_taken(f));
    assert_int_equal(read_status(f, 0) & 0x40, 0);
    uint64_t t1 = t0 + pit_ticks_to_ns(1000); /* the new count started there */
    at_tick(f, t1, 200);
    assert_int_equal(read_count(f, 0), 300);
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t1 + pit_ticks_to_ns(500));
    at_tick(f, t1, 499);
    assert_false(irq0_taken(f));
    at_tick(f, t1, 500);
    assert_true(irq0_taken(f));
}

static void test_next_event(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    /* Firmware state: mode 3 with the largest count (18.2 Hz). */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t0 + pit_ticks_to_ns(65536));
    out(f, PIT_PORT_CONTROL, 0x34);
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), UINT64_MAX); /* no count yet */
    out(f, 0x40, 0xe8);
    out(f, 0x40, 0x03); /* 1000 */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t0 + pit_ticks_to_ns(1000));
    at_tick(f, t0, 1500);
    /* An edge is due that pit_advance has not delivered: now. */
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), f->now);
    assert_true(irq0_taken(f));
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t0 + pit_ticks_to_ns(2000));
    /* The event time is exactly when the edge appears. */
    f->now = t0 + pit_ticks_to_ns(2000) - 1;
    assert_false(irq0_taken(f));
    f->now++;
    assert_true(irq0_taken(f));
}

/* A host delay of a second at 11932 ticks per period: one IRQ, the rest
 * merged and counted; the timer carries on in phase. */
static void test_long_gap_gives_one_interrupt(void **state)
{
    struct fixture *f = *state;
    struct pit *pit = f->vm.board.pit;
    uint64_t t0 = f->now;
    program(f, 0, 0x34, 11932);
    uint64_t edges0 = pit->irq0_edges;
    at_tick(f, t0, PIT_HZ); /* 1 s */
    assert_true(irq0_taken(f));
    assert_false(irq0_taken(f));
    assert_int_equal(pit->irq0_edges - edges0, PIT_HZ / 11932);
    assert_int_equal(pit->irq0_merged, PIT_HZ / 11932 - 1);
    uint64_t next = (PIT_HZ / 11932 + 1) * 11932;
    assert_int_equal(pit_next_event_ns(&f->vm, f->now), t0 + pit_ticks_to_ns(next));
    at_tick(f, t0, next);
    assert_true(irq0_taken(f));
}

static void test_bcd_counting(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x31, 0x1000); /* mode 0, BCD 1000 */
    at_tick(f, t0, 1);
    assert_int_equal(read_count(f, 0), 0x0999);
    at_tick(f, t0, 258);
    assert_int_equal(read_count(f, 0), 0x0742);
    at_tick(f, t0, 1000);
    assert_true(irq0_taken(f));
    at_tick(f, t0, 1001);
    assert_int_equal(read_count(f, 0), 0x9999); /* wraps at 10^4 */
    program(f, 0, 0x35, 0x0000);                /* mode 2, BCD 0 = 10000 */
    uint64_t t1 = f->now;
    at_tick(f, t1, 10000);
    assert_true(irq0_taken(f));
}

static void test_refresh_bit_toggles_with_time(void **state)
{
    struct fixture *f = *state;
    uint8_t last = in(f, PORT61) & PORT61_REFRESH;
    assert_int_equal(in(f, PORT61) & PORT61_REFRESH, last); /* no time, no change */
    unsigned changes = 0;
    for (unsigned us = 0; us < 1000; us++) {
        f->now += 1000;
        uint8_t b = in(f, PORT61) & PORT61_REFRESH;
        changes += b != last;
        last = b;
    }
    /* 1 ms at one change per 18 ticks (15.1 us): 66 or 67 changes. */
    assert_in_range(changes, PIT_HZ / 1000 / 18, PIT_HZ / 1000 / 18 + 1);
}

static void test_clock_stepping_back_changes_nothing(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = f->now;
    program(f, 0, 0x34, 100);
    at_tick(f, t0, 150);
    assert_true(irq0_taken(f));
    f->now = t0; /* a broken clock */
    assert_false(irq0_taken(f));
    assert_int_equal(read_count(f, 0), 50);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tick_conversions_are_exact),
        T(test_mode0_terminal_count_raises_irq0),
        T(test_mode2_period_and_one_tick_pulse),
        T(test_mode3_square_wave_halves),
        T(test_counter_latch_while_counting),
        T(test_read_back_status_and_count),
        T(test_access_modes),
        T(test_mode0_rewrite_stops_and_restarts),
        T(test_linux_calibration_loop),
        T(test_channel2_gate),
        T(test_triggered_and_strobe_modes),
        T(test_mode2_new_count_waits_for_period_end),
        T(test_next_event),
        T(test_long_gap_gives_one_interrupt),
        T(test_bcd_counting),
        T(test_refresh_bit_toggles_with_time),
        T(test_clock_stepping_back_changes_nothing),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
