/*
 * test_rtc.c: the MC146818 RTC and CMOS RAM against fake clocks.
 *
 * The fixture owns both of the RTC's times: vm->board.clock_ns (the run
 * loop's monotonic time, which paces the periodic interrupt) reads
 * fixture.now, and the RTC's real-time clock reads fixture.wall (ns since
 * the epoch, UTC).  Dates are checked against the C library's gmtime_r, an
 * implementation independent of rtc_calendar.c, and against dates worked
 * out by hand.  IRQ 8 is observed on a real PIC pair programmed as Linux
 * does (slave vectors 0x28-0x2f).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "devices/pic.h"
#include "devices/portio.h"
#include "devices/rtc.h"
#include "monitor/vm.h"

#define NS 1000000000ull
#define T_2024_03_09_160705 1710000425ll /* a Saturday */
#define T_1999_12_31_235958 946684798ll  /* a Friday */

struct fixture {
    struct vm vm;  /* vm->board.clock_ns = fake_clock */
    uint64_t now;  /* fake monotonic time, ns */
    uint64_t wall; /* fake real time, ns since the epoch */
};

static struct fixture *fixture_of(const struct vm *vm)
{
    return (struct fixture *)((char *)vm - offsetof(struct fixture, vm));
}

static uint64_t fake_clock(struct vm *vm)
{
    return fixture_of(vm)->now;
}

static uint64_t fake_wall(const struct vm *vm)
{
    return fixture_of(vm)->wall;
}

static void out(struct fixture *f, uint16_t port, uint8_t v)
{
    portio_write(&f->vm, port, 1, v);
}

static uint8_t in(struct fixture *f, uint16_t port)
{
    return (uint8_t)portio_read(&f->vm, port, 1);
}

static uint8_t cmos_read(struct fixture *f, uint8_t index)
{
    out(f, RTC_PORT_INDEX, index);
    return in(f, RTC_PORT_DATA);
}

static void cmos_write(struct fixture *f, uint8_t index, uint8_t v)
{
    out(f, RTC_PORT_INDEX, index);
    out(f, RTC_PORT_DATA, v);
}

static int setup_with_ram(void **state, uint64_t ram_size)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[128];
    if (!f)
        return -1;
    f->now = 7000000000ull;
    f->wall = (uint64_t)T_2024_03_09_160705 * NS + 500000000u; /* mid-second */
    f->vm.board.clock_ns = fake_clock;
    f->vm.mem.ram_size = ram_size;
    if (pic_init(&f->vm, err, sizeof err) < 0 || rtc_init(&f->vm, err, sizeof err) < 0)
        return -1;
    rtc_set_wall_clock(f->vm.board.rtc, fake_wall);
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 }, { 0x21, 0x00 },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 }, { 0xa1, 0x00 },
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        out(f, init[i][0], init[i][1]);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with_ram(state, 256u << 20);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    board_destroy(&f->vm);
    free(f);
    return 0;
}

/* rtc_advance, then take IRQ 8 if the PIC has it: acknowledge, read
 * register C as a handler must (returned through *c), EOI slave and master. */
static bool irq8_taken(struct fixture *f, uint8_t *c)
{
    rtc_advance(&f->vm, f->now);
    if (!pic_has_interrupt(&f->vm))
        return false;
    assert_int_equal(pic_acknowledge(&f->vm), 0x28);
    uint8_t flags = cmos_read(f, RTC_REG_C);
    if (c)
        *c = flags;
    out(f, PIC_SLAVE_CMD, 0x20);
    out(f, PIC_MASTER_CMD, 0x20);
    return true;
}

/* ---- calendar --------------------------------------------------------- */

static void test_calendar_matches_gmtime(void **state)
{
    (void)state;
    /* 1901 to 2199 in steps that visit every time of day and leap years. */
    for (int64_t t = -2177452800ll; t < 7258118400ll; t += 86400 * 13 + 3607) {
        struct rtc_time r;
        struct tm g;
        time_t tt = (time_t)t;
        assert_non_null(gmtime_r(&tt, &g));
        rtc_time_from_epoch(t, &r);
        assert_int_equal(r.year, g.tm_year + 1900);
        assert_int_equal(r.month, g.tm_mon + 1);
        assert_int_equal(r.day, g.tm_mday);
        assert_int_equal(r.hour, g.tm_hour);
        assert_int_equal(r.minute, g.tm_min);
        assert_int_equal(r.second, g.tm_sec);
        assert_int_equal(r.wday, g.tm_wday + 1);
        assert_int_equal(rtc_time_to_epoch(&r), t);
    }
}

static void test_calendar_known_dates(void **state)
{
    (void)state;
    struct rtc_time r;
    rtc_time_from_epoch(951782400, &r); /* leap day 2000 (divisible by 400), a Tuesday */
    assert_int_equal(r.year, 2000);
    assert_int_equal(r.month, 2);
    assert_int_equal(r.day, 29);
    assert_int_equal(r.wday, 3);
    rtc_time_from_epoch(4107542400ll, &r); /* 2100 is not a leap year: Feb 28 -> Mar 1 */
    assert_int_equal(r.month, 3);
    assert_int_equal(r.day, 1);
    struct rtc_time jan32 = { .year = 2023, .month = 1, .day = 32 }; /* carried into February */
    rtc_time_from_epoch(rtc_time_to_epoch(&jan32), &r);
    assert_int_equal(r.month, 2);
    assert_int_equal(r.day, 1);
}

/* ---- time registers --------------------------------------------------- */

static void test_bcd_24h_time(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05);
    assert_int_equal(cmos_read(f, RTC_MINUTES), 0x07);
    assert_int_equal(cmos_read(f, RTC_HOURS), 0x16);
    assert_int_equal(cmos_read(f, RTC_DAY_OF_WEEK), 7); /* Saturday; Sunday = 1 */
    assert_int_equal(cmos_read(f, RTC_DAY_OF_MONTH), 0x09);
    assert_int_equal(cmos_read(f, RTC_MONTH), 0x03);
    assert_int_equal(cmos_read(f, RTC_YEAR), 0x24);
    assert_int_equal(cmos_read(f, CMOS_CENTURY), 0x20);
    f->wall += 55 * NS; /* 16:08:00 */
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x00);
    assert_int_equal(cmos_read(f, RTC_MINUTES), 0x08);
}

static void test_binary_mode(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 5);
    assert_int_equal(cmos_read(f, RTC_MINUTES), 7);
    assert_int_equal(cmos_read(f, RTC_HOURS), 16);
    assert_int_equal(cmos_read(f, RTC_DAY_OF_MONTH), 9);
    assert_int_equal(cmos_read(f, RTC_YEAR), 24);
    assert_int_equal(cmos_read(f, CMOS_CENTURY), 20);
}

static void test_12h_mode(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int hour;
        uint8_t bcd, bin;
    } cases[] = {
        { 0, 0x12, 12 },          /* midnight is 12 AM */
        { 1, 0x01, 1 },
        { 11, 0x11, 11 },
        { 12, 0x92, 0x80 | 12 },  /* noon is 12 PM */
        { 16, 0x84, 0x80 | 4 },
        { 23, 0x91, 0x80 | 11 },
    };
    uint64_t midnight = (uint64_t)(T_2024_03_09_160705 - (16 * 3600 + 7 * 60 + 5)) * NS;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f->wall = midnight + (uint64_t)cases[i].hour * 3600 * NS;
        cmos_write(f, RTC_REG_B, 0); /* BCD, 12-hour */
        assert_int_equal(cmos_read(f, RTC_HOURS), cases[i].bcd);
        cmos_write(f, RTC_REG_B, RTC_B_DM_BINARY);
        assert_int_equal(cmos_read(f, RTC_HOURS), cases[i].bin);
    }
}

/* ---- UIP -------------------------------------------------------------- */

static void test_uip_window(void **state)
{
    struct fixture *f = *state;
    uint64_t boundary = (uint64_t)(T_2024_03_09_160705 + 1) * NS;
    f->wall = boundary - RTC_UIP_NS - 1;
    assert_false(cmos_read(f, RTC_REG_A) & RTC_A_UIP);
    f->wall = boundary - RTC_UIP_NS;
    assert_true(cmos_read(f, RTC_REG_A) & RTC_A_UIP);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05); /* the update has not happened */
    f->wall = boundary - 1;
    assert_true(cmos_read(f, RTC_REG_A) & RTC_A_UIP);
    f->wall = boundary;
    assert_false(cmos_read(f, RTC_REG_A) & RTC_A_UIP);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x06);
    assert_int_equal(cmos_read(f, RTC_REG_A) & 0x7f, 0x26); /* DV and RS as a BIOS left them */
}

/* Linux's mc146818_get_time waits for UIP to drop before it reads; with
 * 10 us per poll that takes at most 25 polls, and then the new second. */
static void test_uip_wait_loop_terminates(void **state)
{
    struct fixture *f = *state;
    f->wall = (uint64_t)(T_2024_03_09_160705 + 1) * NS - 200000;
    int polls = 0;
    while (cmos_read(f, RTC_REG_A) & RTC_A_UIP) {
        f->wall += 10000;
        assert_true(++polls <= 25);
    }
    assert_int_equal(polls, 20);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x06);
}

/* ---- setting the clock ------------------------------------------------ */

static void set_time_bcd(struct fixture *f, const uint8_t t[8])
{
    static const uint8_t regs[] = { RTC_SECONDS, RTC_MINUTES,   RTC_HOURS, RTC_DAY_OF_WEEK,
                                    RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, CMOS_CENTURY };
    for (size_t i = 0; i < sizeof regs; i++)
        cmos_write(f, regs[i], t[i]);
}

static void test_set_freezes_and_guest_time_runs_on(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    f->wall += 10 * NS;
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05); /* frozen */
    f->wall = (uint64_t)(T_2024_03_09_160705 + 1) * NS - 1000;
    assert_false(cmos_read(f, RTC_REG_A) & RTC_A_UIP); /* no update while SET */
    /* Friday 1999-12-31 23:59:58, as Linux's mc146818_set_time writes it. */
    static const uint8_t t[8] = { 0x58, 0x59, 0x23, 6, 0x31, 0x12, 0x99, 0x19 };
    set_time_bcd(f, t);
    assert_int_equal(cmos_read(f, RTC_YEAR), 0x99);
    f->wall += 5 * NS; /* still frozen: nothing moves */
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x58);
    cmos_write(f, RTC_REG_B, RTC_B_24H);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x58);
    assert_int_equal(cmos_read(f, RTC_HOURS), 0x23);
    f->wall += 3 * NS; /* across the century */
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x01);
    assert_int_equal(cmos_read(f, RTC_MINUTES), 0x00);
    assert_int_equal(cmos_read(f, RTC_HOURS), 0x00);
    assert_int_equal(cmos_read(f, RTC_DAY_OF_MONTH), 0x01);
    assert_int_equal(cmos_read(f, RTC_MONTH), 0x01);
    assert_int_equal(cmos_read(f, RTC_YEAR), 0x00);
    assert_int_equal(cmos_read(f, CMOS_CENTURY), 0x20);
    assert_int_equal(cmos_read(f, RTC_DAY_OF_WEEK), 7); /* 2000-01-01: Saturday */
    f->wall += 86400 * NS;
    assert_int_equal(cmos_read(f, RTC_DAY_OF_MONTH), 0x02);
}

static void test_write_while_running(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_MINUTES, 0x30);
    assert_int_equal(cmos_read(f, RTC_MINUTES), 0x30);
    assert_int_equal(cmos_read(f, RTC_HOURS), 0x16);
    f->wall += 60 * NS;
    assert_int_equal(cmos_read(f, RTC_MINUTES), 0x31);
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05);
}

static void test_set_clears_uie_and_divider_reset_freezes(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    cmos_write(f, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
    assert_int_equal(cmos_read(f, RTC_REG_B), RTC_B_SET | RTC_B_24H);
    cmos_write(f, RTC_REG_B, RTC_B_24H);
    cmos_write(f, RTC_REG_A, 0x70 | 0x06); /* divider held in reset */
    f->wall += 30 * NS;
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05);
    cmos_write(f, RTC_REG_A, RTC_A_DV_NORMAL | 0x06);
    f->wall += 2 * NS;
    assert_int_equal(cmos_read(f, RTC_SECONDS), 0x07);
}

/* ---- interrupts ------------------------------------------------------- */

/* Follow rtc_next_event_ns for one second of monotonic time: how many
 * periodic interrupts arrive, each read and acknowledged. */
static unsigned periodic_irqs_in_one_second(struct fixture *f)
{
    uint64_t end = f->now + NS;
    unsigned n = 0;
    for (;;) {
        uint64_t at = rtc_next_event_ns(&f->vm, f->now);
        assert_true(at != UINT64_MAX);
        assert_true(at > f->now);
        if (at > end)
            break;
        f->now = at - 1;
        assert_false(irq8_taken(f, NULL)); /* not a nanosecond early */
        f->now = at;
        uint8_t c;
        assert_true(irq8_taken(f, &c));
        assert_int_equal(c, RTC_C_IRQF | RTC_C_PF);
        n++;
    }
    return n;
}

static void test_periodic_rates(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint8_t rs;
        unsigned hz;
    } rates[] = { { 6, 1024 }, { 15, 2 }, { 3, 8192 }, { 1, 256 }, { 2, 128 }, { 10, 64 } };
    cmos_write(f, RTC_REG_B, RTC_B_PIE | RTC_B_24H);
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        cmos_write(f, RTC_REG_A, (uint8_t)(RTC_A_DV_NORMAL | rates[i].rs));
        (void)cmos_read(f, RTC_REG_C);
        /* hz periods are exactly one second, so any one-second window holds hz edges. */
        assert_int_equal(periodic_irqs_in_one_second(f), rates[i].hz);
        f->now += 2 * NS / 3 + 12345; /* another phase; the edges in the gap merge into one */
        assert_true(irq8_taken(f, NULL));
        assert_int_equal(periodic_irqs_in_one_second(f), rates[i].hz);
    }
}

static void test_periodic_flag_without_pie_and_reg_c_clears(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_A, RTC_A_DV_NORMAL | 6);
    (void)cmos_read(f, RTC_REG_C);
    assert_int_equal(rtc_next_event_ns(&f->vm, f->now), UINT64_MAX); /* nothing enabled */
    f->now += 2 * NS / 1024;
    assert_false(irq8_taken(f, NULL));
    assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_PF); /* PF is set regardless of PIE */
    assert_int_equal(cmos_read(f, RTC_REG_C), 0);        /* and reading cleared it */
    /* Enabling PIE with PF pending asserts IRQ 8 at once. */
    f->now += 2 * NS / 1024;
    rtc_advance(&f->vm, f->now);
    cmos_write(f, RTC_REG_B, RTC_B_PIE | RTC_B_24H);
    assert_int_equal(rtc_next_event_ns(&f->vm, f->now), UINT64_MAX); /* IRQF: no new edge */
    uint8_t c;
    assert_true(irq8_taken(f, &c));
    assert_int_equal(c, RTC_C_IRQF | RTC_C_PF);
    assert_int_equal(cmos_read(f, RTC_REG_C), 0);
    assert_false(irq8_taken(f, NULL)); /* the line went down with the read */
    /* Clearing PIE drops IRQF while PF stays latched. */
    f->now += 2 * NS / 1024;
    rtc_advance(&f->vm, f->now);
    cmos_write(f, RTC_REG_B, RTC_B_24H);
    assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_PF);
}

static void test_update_interrupt(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_A, RTC_A_DV_NORMAL); /* no periodic rate */
    cmos_write(f, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    (void)cmos_read(f, RTC_REG_C);
    uint64_t at = rtc_next_event_ns(&f->vm, f->now);
    assert_int_equal(at, f->now + NS / 2); /* the wall clock is mid-second */
    f->now += NS / 2 - 1;
    f->wall += NS / 2 - 1;
    assert_false(irq8_taken(f, NULL));
    f->now++;
    f->wall++;
    uint8_t c;
    assert_true(irq8_taken(f, &c));
    assert_int_equal(c, RTC_C_IRQF | RTC_C_UF);
    assert_int_equal(rtc_next_event_ns(&f->vm, f->now), f->now + NS);
}

static void test_alarm(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, RTC_REG_A, RTC_A_DV_NORMAL);
    cmos_write(f, RTC_SECONDS_ALARM, 0x10); /* 16:07:10 */
    cmos_write(f, RTC_MINUTES_ALARM, 0x07);
    cmos_write(f, RTC_HOURS_ALARM, 0x16);
    cmos_write(f, RTC_REG_B, RTC_B_AIE | RTC_B_24H);
    (void)cmos_read(f, RTC_REG_C);
    f->wall += 4 * NS; /* 16:07:09 */
    assert_false(irq8_taken(f, NULL));
    assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF); /* updates, no alarm */
    f->wall += NS;
    uint8_t c;
    assert_true(irq8_taken(f, &c));
    assert_int_equal(c, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    /* Don't-care hours and minutes: every minute at :30, even past a gap. */
    cmos_write(f, RTC_SECONDS_ALARM, 0x30);
    cmos_write(f, RTC_MINUTES_ALARM, 0xc0);
    cmos_write(f, RTC_HOURS_ALARM, 0xff);
    f->wall += 15 * NS; /* 16:07:25 */
    assert_false(irq8_taken(f, NULL));
    (void)cmos_read(f, RTC_REG_C);
    f->wall += 120 * NS; /* 16:09:25, two :30s passed */
    assert_true(irq8_taken(f, &c));
    assert_int_equal(c & RTC_C_AF, RTC_C_AF);
}

/* ---- CMOS RAM --------------------------------------------------------- */

static unsigned cmos_checksum_read(struct fixture *f)
{
    return (unsigned)cmos_read(f, CMOS_CHECKSUM_HI) << 8 | cmos_read(f, CMOS_CHECKSUM_LO);
}

static unsigned cmos_sum(struct fixture *f)
{
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2d; i++)
        sum += cmos_read(f, i);
    return sum;
}

static unsigned cmos_word(struct fixture *f, uint8_t lo)
{
    return cmos_read(f, lo) | (unsigned)cmos_read(f, (uint8_t)(lo + 1)) << 8;
}

static void test_memory_bytes_256m(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(cmos_word(f, CMOS_BASE_MEM_LO), 640);
    assert_int_equal(cmos_word(f, CMOS_EXT_MEM_LO), 0xffff); /* 255 MiB does not fit */
    assert_int_equal(cmos_word(f, CMOS_EXT_MEM2_LO), 0xffff);
    assert_int_equal(cmos_word(f, CMOS_HIGH_MEM_LO), (256 - 16) * 16);
    assert_int_equal(cmos_checksum_read(f), cmos_sum(f));
    assert_int_equal(cmos_read(f, CMOS_EQUIPMENT) & 0x02, 0x02); /* FPU present */
}

static int setup_8m(void **state)
{
    return setup_with_ram(state, 8u << 20);
}

static void test_memory_bytes_8m(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(cmos_word(f, CMOS_BASE_MEM_LO), 640);
    assert_int_equal(cmos_word(f, CMOS_EXT_MEM_LO), 7 * 1024);
    assert_int_equal(cmos_word(f, CMOS_EXT_MEM2_LO), 7 * 1024);
    assert_int_equal(cmos_word(f, CMOS_HIGH_MEM_LO), 0);
    assert_int_equal(cmos_checksum_read(f), cmos_sum(f));
    assert_true(cmos_sum(f) != 0);
}

static void test_ram_registers_and_ports(void **state)
{
    struct fixture *f = *state;
    cmos_write(f, 0x40, 0x5a);
    cmos_write(f, 0x7f, 0xa5);
    assert_int_equal(cmos_read(f, 0x40), 0x5a);
    assert_int_equal(cmos_read(f, 0x7f), 0xa5);
    out(f, RTC_PORT_INDEX, 0x80 | 0x40); /* NMI mask bit: same byte */
    assert_int_equal(in(f, RTC_PORT_DATA), 0x5a);
    assert_int_equal(cmos_read(f, RTC_REG_D), RTC_D_VRT);
    cmos_write(f, RTC_REG_D, 0x00); /* read only */
    assert_int_equal(cmos_read(f, RTC_REG_D), RTC_D_VRT);
    cmos_write(f, RTC_REG_A, RTC_A_UIP | RTC_A_DV_NORMAL | 0x0f); /* UIP is read only */
    assert_int_equal(cmos_read(f, RTC_REG_A), RTC_A_DV_NORMAL | 0x0f);
    assert_int_equal(in(f, RTC_PORT_INDEX), 0xff); /* the index register is write-only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar_matches_gmtime),
        cmocka_unit_test(test_calendar_known_dates),
        cmocka_unit_test_setup_teardown(test_bcd_24h_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_12h_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uip_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uip_wait_loop_terminates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_freezes_and_guest_time_runs_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_clears_uie_and_divider_reset_freezes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_periodic_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_flag_without_pie_and_reg_c_clears, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_update_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bytes_256m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bytes_8m, setup_8m, teardown),
        cmocka_unit_test_setup_teardown(test_ram_registers_and_ports, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
