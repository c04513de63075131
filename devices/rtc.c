/*
 * rtc.c: the MC146818 real-time clock and CMOS RAM of a PC, computed from
 * host time.
 *
 * Time.  The chip counts seconds in its registers 0x00-0x09 (plus the PC's
 * century byte 0x32).  btvisor does not count: while the clock runs, a read
 * takes the host's real time (UTC), adds offset_s and encodes the field in
 * the data mode register B asks for (BCD or binary, 24-hour or 12-hour with
 * bit 7 = PM).  When the guest sets register B's SET bit (or holds the
 * divider in reset through register A) the clock freezes: the current time
 * is written into the RAM bytes, reads return them and writes change them.
 * When it clears SET the bytes are decoded and offset_s becomes "the time
 * the guest wrote minus the host time", so the set time then runs on.  A
 * write to a time register while the clock runs is a freeze, a write and a
 * thaw.  The day of the week is always derived from the date.
 *
 * UIP.  Register A bit 7 is set for the 244 us before each host second
 * boundary (MC146818A datasheet, "Update Cycle": UIP rises tBUC = 244 us
 * before the update).  The chip then spends 1984 us updating; btvisor
 * updates atomically at the boundary, so the registers are never in flux
 * and a "wait for UIP to drop, then read" loop always ends within 244 us.
 *
 * Interrupts.  Register C latches three flags: PF at every period of the
 * rate register A selects (RS: 3-15 give 32768 >> (RS - 1) Hz, 1 and 2 give
 * 256 and 128 Hz), set whether PIE is on or not; UF at each update; AF at an
 * update whose time matches the alarm bytes (a byte with both top bits set
 * matches anything).  IRQF = PF&PIE | AF&AIE | UF&UIE drives IRQ 8; reading
 * register C returns the flags, clears them and drops the line.  The flags
 * are brought up to date at every port access and by rtc_advance(); the
 * periodic phase follows vm->board.clock_ns (the run loop's time), updates
 * follow the host's real time.
 *
 * CMOS RAM.  The bytes from 0x0e hold what a PC BIOS leaves there: the
 * equipment byte, the memory sizes from vm->mem.ram_size and the checksum
 * of 0x10-0x2d (rtc_calendar.c).  Everything else reads as written.
 *
 *   outb(0x70, 0x0a); while (inb(0x71) & 0x80) ;    // wait for UIP to drop
 *   outb(0x70, 0x00); sec = inb(0x71);               // 0x00-0x59 in BCD mode
 */
#include "devices/rtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "devices/intr.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"

#define NS_PER_S 1000000000ull
#define RTC_NEVER UINT64_MAX
#define RTC_DAY_S 86400

/* The time registers, in the order they are frozen and thawed. */
static const uint8_t rtc_time_regs[] = { RTC_SECONDS, RTC_MINUTES,     RTC_HOURS, RTC_DAY_OF_WEEK,
                                         RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR,  CMOS_CENTURY };

uint64_t rtc_host_wall_ns(const struct vm *vm)
{
    /* Counted in the VM's statistics, which the const does not cover. */
    return host_clock_ns(vm ? (struct stats *)&vm->stats : NULL, CLOCK_REALTIME);
}

static uint64_t rtc_host_s(const struct rtc *rtc)
{
    return rtc->wall_ns(rtc->vm) / NS_PER_S;
}

/* ---- data modes ------------------------------------------------------- */

static bool rtc_binary(const struct rtc *rtc)
{
    return rtc->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_encode(const struct rtc *rtc, int v)
{
    return rtc_binary(rtc) ? (uint8_t)v : (uint8_t)(v / 10 << 4 | v % 10);
}

static int rtc_decode(const struct rtc *rtc, uint8_t b)
{
    return rtc_binary(rtc) ? b : (b >> 4) * 10 + (b & 0x0f);
}

/* 12-hour mode: 12, 1, ..., 11 with bit 7 set from noon (datasheet Table 3). */
static uint8_t rtc_encode_hour(const struct rtc *rtc, int hour)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_encode(rtc, hour);
    int h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(rtc_encode(rtc, h12) | (hour >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const struct rtc *rtc, uint8_t b)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_decode(rtc, b);
    return rtc_decode(rtc, b & 0x7f) % 12 + (b & 0x80 ? 12 : 0);
}

/* ---- the running clock ------------------------------------------------ */

static uint8_t rtc_field(const struct rtc *rtc, const struct rtc_time *t, uint8_t reg)
{
    switch (reg) {
    case RTC_SECONDS: return rtc_encode(rtc, t->second);
    case RTC_MINUTES: return rtc_encode(rtc, t->minute);
    case RTC_HOURS: return rtc_encode_hour(rtc, t->hour);
    case RTC_DAY_OF_WEEK: return rtc_encode(rtc, t->wday);
    case RTC_DAY_OF_MONTH: return rtc_encode(rtc, t->day);
    case RTC_MONTH: return rtc_encode(rtc, t->month);
    case RTC_YEAR: return rtc_encode(rtc, t->year % 100);
    default: return rtc_encode(rtc, t->year / 100 % 100); /* CMOS_CENTURY */
    }
}

static void rtc_now(const struct rtc *rtc, struct rtc_time *t)
{
    rtc_time_from_epoch((int64_t)rtc_host_s(rtc) + rtc->offset_s, t);
}

/* Stop updates: the current time goes into the RAM bytes. */
static void rtc_freeze(struct rtc *rtc)
{
    struct rtc_time t;
    rtc_now(rtc, &t);
    for (size_t i = 0; i < sizeof rtc_time_regs; i++)
        rtc->cmos[rtc_time_regs[i]] = rtc_field(rtc, &t, rtc_time_regs[i]);
    rtc->frozen = true;
}

/* Restart updates from the time in the RAM bytes. */
static void rtc_thaw(struct rtc *rtc)
{
    const uint8_t *c = rtc->cmos;
    int century = rtc_decode(rtc, c[CMOS_CENTURY]);
    int yy = rtc_decode(rtc, c[RTC_YEAR]) % 100;
    if (century < 19 || century > 99) /* no sensible century byte: the usual pivot */
        century = yy < 70 ? 20 : 19;
    struct rtc_time t = {
        .year = century * 100 + yy,
        .month = rtc_decode(rtc, c[RTC_MONTH]),
        .day = rtc_decode(rtc, c[RTC_DAY_OF_MONTH]),
        .hour = rtc_decode_hour(rtc, c[RTC_HOURS]),
        .minute = rtc_decode(rtc, c[RTC_MINUTES]),
        .second = rtc_decode(rtc, c[RTC_SECONDS]),
    };
    rtc->offset_s = rtc_time_to_epoch(&t) - (int64_t)rtc_host_s(rtc);
    rtc->frozen = false;
    rtc->synced_host_s = rtc_host_s(rtc); /* setting the clock is not an update */
}

static bool rtc_is_time_reg(uint8_t reg)
{
    for (size_t i = 0; i < sizeof rtc_time_regs; i++)
        if (rtc_time_regs[i] == reg)
            return true;
    return false;
}

/* ---- flags and IRQ 8 -------------------------------------------------- */

static bool rtc_divider_running(const struct rtc *rtc)
{
    return (rtc->cmos[RTC_REG_A] & RTC_A_DV) == RTC_A_DV_NORMAL;
}

/* Periods of the selected rate elapsed at clock_ns time now (0: no rate). */
static uint64_t rtc_periodic_ticks(const struct rtc *rtc, uint64_t now)
{
    unsigned rs = rtc->cmos[RTC_REG_A] & RTC_A_RS;
    if (!rs || !rtc_divider_running(rtc))
        return 0;
    uint64_t period = rs == 1 ? 128 : rs == 2 ? 256 : 1u << (rs - 1); /* 32 kHz cycles */
    uint64_t cycles = now / NS_PER_S * RTC_HZ + now % NS_PER_S * RTC_HZ / NS_PER_S;
    return cycles / period;
}

/* The first clock_ns time at which `ticks` periods have elapsed. */
static uint64_t rtc_periodic_tick_ns(const struct rtc *rtc, uint64_t ticks)
{
    unsigned rs = rtc->cmos[RTC_REG_A] & RTC_A_RS;
    uint64_t period = rs == 1 ? 128 : rs == 2 ? 256 : 1u << (rs - 1);
    uint64_t cycles = ticks * period;
    return cycles / RTC_HZ * NS_PER_S + (cycles % RTC_HZ * NS_PER_S + RTC_HZ - 1) / RTC_HZ;
}

/* Does the alarm match guest time `g` (seconds since the epoch)? */
static bool rtc_alarm_matches(const struct rtc *rtc, int64_t g)
{
    int64_t sod = g % RTC_DAY_S < 0 ? g % RTC_DAY_S + RTC_DAY_S : g % RTC_DAY_S;
    const uint8_t *c = rtc->cmos;
    uint8_t s = c[RTC_SECONDS_ALARM], m = c[RTC_MINUTES_ALARM], h = c[RTC_HOURS_ALARM];
    return ((s & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || rtc_decode(rtc, s) == sod % 60) &&
           ((m & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || rtc_decode(rtc, m) == sod / 60 % 60) &&
           ((h & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || rtc_decode_hour(rtc, h) == sod / 3600);
}

/* Updates since the last sync: UF, and AF if any updated second matched.
 * After a long gap only the last day is searched: it holds every match. */
static void rtc_sync_updates(struct rtc *rtc)
{
    uint64_t host_s = rtc_host_s(rtc);
    if (host_s <= rtc->synced_host_s || rtc->frozen) {
        rtc->synced_host_s = host_s; /* no update happened (or the host clock stepped back) */
        return;
    }
    rtc->cmos[RTC_REG_C] |= RTC_C_UF;
    uint64_t first = rtc->synced_host_s + 1;
    if (host_s - first >= RTC_DAY_S)
        first = host_s - RTC_DAY_S + 1;
    for (uint64_t s = first; s <= host_s; s++) {
        if (rtc_alarm_matches(rtc, (int64_t)s + rtc->offset_s)) {
            rtc->cmos[RTC_REG_C] |= RTC_C_AF;
            break;
        }
    }
    rtc->synced_host_s = host_s;
}

/* IRQF and the IRQ 8 line follow the flags and the enables (datasheet,
 * register C: IRQF = PF·PIE + AF·AIE + UF·UIE). */
static void rtc_update_irq(struct rtc *rtc)
{
    uint8_t *c = rtc->cmos;
    bool irqf = c[RTC_REG_C] & c[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
    c[RTC_REG_C] = (uint8_t)((c[RTC_REG_C] & ~RTC_C_IRQF) | (irqf ? RTC_C_IRQF : 0));
    if (irqf != rtc->irq_level) {
        rtc->irq_level = irqf;
        isa_irq_set(rtc->vm, RTC_IRQ, irqf);
    }
}

static void rtc_sync(struct rtc *rtc, uint64_t now)
{
    rtc_sync_updates(rtc);
    uint64_t ticks = rtc_periodic_ticks(rtc, now);
    if (ticks > rtc->periodic_ticks) {
        rtc->cmos[RTC_REG_C] |= RTC_C_PF;
        rtc->pf_count += ticks - rtc->periodic_ticks;
    }
    rtc->periodic_ticks = ticks;
    rtc_update_irq(rtc);
}

void rtc_advance(struct vm *vm, uint64_t now_ns)
{
    if (vm->board.rtc)
        rtc_sync(vm->board.rtc, now_ns);
}

uint64_t rtc_next_event_ns(const struct vm *vm, uint64_t now_ns)
{
    const struct rtc *rtc = vm->board.rtc;
    if (!rtc || rtc->irq_level)
        return RTC_NEVER;
    uint8_t b = rtc->cmos[RTC_REG_B];
    uint64_t next = RTC_NEVER;
    if (b & RTC_B_PIE && rtc->cmos[RTC_REG_A] & RTC_A_RS && rtc_divider_running(rtc)) {
        if (rtc_periodic_ticks(rtc, now_ns) > rtc->periodic_ticks)
            return now_ns;
        next = rtc_periodic_tick_ns(rtc, rtc->periodic_ticks + 1);
    }
    if (b & (RTC_B_UIE | RTC_B_AIE) && !rtc->frozen) {
        uint64_t wall = rtc->wall_ns(vm);
        if (wall / NS_PER_S > rtc->synced_host_s)
            return now_ns;
        uint64_t update = now_ns + (NS_PER_S - wall % NS_PER_S);
        next = update < next ? update : next;
    }
    return next;
}

/* ---- registers -------------------------------------------------------- */

static uint8_t rtc_read_reg_a(const struct rtc *rtc)
{
    uint8_t a = rtc->cmos[RTC_REG_A] & (uint8_t)~RTC_A_UIP;
    if (!rtc->frozen && rtc->wall_ns(rtc->vm) % NS_PER_S >= NS_PER_S - RTC_UIP_NS)
        a |= RTC_A_UIP;
    return a;
}

static uint8_t rtc_read(struct rtc *rtc, uint8_t reg)
{
    uint8_t v;
    switch (reg) {
    case RTC_REG_A: return rtc_read_reg_a(rtc);
    case RTC_REG_C:
        rtc_sync(rtc, rtc->vm->board.clock_ns(rtc->vm));
        v = rtc->cmos[RTC_REG_C];
        rtc->cmos[RTC_REG_C] = 0;
        rtc_update_irq(rtc);
        return v;
    case RTC_REG_D: return RTC_D_VRT;
    default: break;
    }
    if (rtc_is_time_reg(reg) && !rtc->frozen) {
        struct rtc_time t;
        rtc_now(rtc, &t);
        return rtc_field(rtc, &t, reg);
    }
    return rtc->cmos[reg];
}

/* SET or a divider reset stop updates; clearing both restarts them. */
static void rtc_set_frozen(struct rtc *rtc, bool frozen)
{
    if (frozen && !rtc->frozen)
        rtc_freeze(rtc);
    else if (!frozen && rtc->frozen)
        rtc_thaw(rtc);
}

static bool rtc_wants_frozen(const struct rtc *rtc)
{
    return rtc->cmos[RTC_REG_B] & RTC_B_SET || !rtc_divider_running(rtc);
}

static void rtc_write(struct rtc *rtc, uint8_t reg, uint8_t v)
{
    uint64_t now = rtc->vm->board.clock_ns(rtc->vm);
    rtc_sync(rtc, now); /* flags up to the old settings */
    switch (reg) {
    case RTC_REG_A: /* UIP is read only */
        rtc->cmos[RTC_REG_A] = (uint8_t)(v & ~RTC_A_UIP);
        rtc->periodic_ticks = rtc_periodic_ticks(rtc, now); /* a new rate starts now */
        break;
    case RTC_REG_B:
        /* MC146818A datasheet, register B: setting SET clears UIE. */
        rtc->cmos[RTC_REG_B] = v & RTC_B_SET ? (uint8_t)(v & ~RTC_B_UIE) : v;
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        return; /* read only */
    default:
        if (rtc_is_time_reg(reg) && !rtc->frozen) {
            rtc_freeze(rtc);
            rtc->cmos[reg] = v;
            rtc_thaw(rtc);
        } else {
            rtc->cmos[reg] = v;
        }
        return;
    }
    rtc_set_frozen(rtc, rtc_wants_frozen(rtc));
    rtc_update_irq(rtc); /* enables may have changed */
}

uint32_t rtc_port_read(void *dev, uint16_t port, unsigned size)
{
    struct rtc *rtc = dev;
    (void)size;
    if (port == RTC_PORT_INDEX)
        return 0xffffffffu; /* the index register is write-only */
    return 0xffffff00u | rtc_read(rtc, rtc->index);
}

void rtc_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct rtc *rtc = dev;
    (void)size;
    if (port == RTC_PORT_INDEX) {
        rtc->index = value & 0x7f;
        rtc->nmi_masked = value & 0x80;
        return;
    }
    rtc_write(rtc, rtc->index, (uint8_t)value);
}

/* ---- creation --------------------------------------------------------- */

static void rtc_reset(struct rtc *rtc)
{
    uint8_t *c = rtc->cmos;
    c[RTC_REG_A] = RTC_A_DV_NORMAL | 0x06; /* 32.768 kHz, 1024 Hz rate: as a BIOS leaves it */
    c[RTC_REG_B] = RTC_B_24H;              /* BCD, 24-hour, no interrupts */
    c[RTC_REG_C] = 0;
    c[RTC_REG_D] = RTC_D_VRT;
    c[CMOS_EQUIPMENT] = 0x02;              /* math coprocessor; no diskette; EGA/VGA class display */
    rtc_cmos_set_memory(rtc, rtc->vm->mem.ram_size);
    rtc->synced_host_s = rtc_host_s(rtc);
    rtc->periodic_ticks = rtc_periodic_ticks(rtc, rtc->vm->board.clock_ns(rtc->vm));
}

void rtc_set_wall_clock(struct rtc *rtc, uint64_t (*wall_ns)(const struct vm *vm))
{
    rtc->wall_ns = wall_ns;
    rtc->synced_host_s = rtc_host_s(rtc);
}

int rtc_init(struct vm *vm, char *err, size_t errlen)
{
    struct rtc *rtc = calloc(1, sizeof *rtc);
    if (!rtc) {
        snprintf(err, errlen, "board: out of memory for the RTC");
        return -1;
    }
    rtc->vm = vm;
    rtc->wall_ns = rtc_host_wall_ns;
    vm->board.rtc = rtc;
    rtc_reset(rtc);
    if (portio_register(&vm->board.bus, RTC_PORT_INDEX, RTC_NR_PORTS, rtc_port_read,
                        rtc_port_write, rtc, "rtc") < 0) {
        snprintf(err, errlen, "board: cannot register the RTC at port 0x%x", RTC_PORT_INDEX);
        return -1;
    }
    return 0;
}
