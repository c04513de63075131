/*
 * rtc.h: the PC's Motorola MC146818 real-time clock and its CMOS RAM, at
 * ports 0x70 (index) and 0x71 (data), interrupting on IRQ 8.
 *
 * Like the PIT, the clock is not ticked: the time registers are computed
 * from the host's real time (UTC) at every read, plus an offset the guest
 * creates by setting the clock.  The periodic, alarm and update-ended
 * interrupts are computed from host time too: the run loop asks
 * rtc_next_event_ns() when IRQ 8 could next rise, and calls rtc_advance(),
 * which sets the flags of register C and drives IRQ 8 on the PIC.
 *
 *   outb(0x70, 0x00); sec = inb(0x71);              // guest: seconds, in BCD
 *   rtc_advance(vm, now);                           // run loop: IRQ 8 up to now
 *   uint64_t at = rtc_next_event_ns(vm, now);       // arm a host timer for `at`
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define RTC_PORT_INDEX 0x70 /* write: bit 7 = NMI mask, bits 0-6 = CMOS index */
#define RTC_PORT_DATA 0x71
#define RTC_NR_PORTS 2
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128
#define RTC_HZ 32768u       /* the time base the divider chain counts (DV = 010) */

/* CMOS indices: the clock's own registers (MC146818 datasheet, Figure 3)... */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06 /* 1 = Sunday */
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09        /* 0-99 */
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
/* ... and the PC's use of the RAM behind them (IBM AT Technical Reference). */
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEM_LO 0x15    /* base memory in KiB (640), low byte */
#define CMOS_BASE_MEM_HI 0x16
#define CMOS_EXT_MEM_LO 0x17     /* memory above 1 MiB in KiB, at most 65535 */
#define CMOS_EXT_MEM_HI 0x18
#define CMOS_CHECKSUM_HI 0x2e    /* sum of bytes 0x10-0x2d, big-endian */
#define CMOS_CHECKSUM_LO 0x2f
#define CMOS_EXT_MEM2_LO 0x30    /* copy of 0x17/0x18 (POST's count) */
#define CMOS_EXT_MEM2_HI 0x31
#define CMOS_CENTURY 0x32        /* 19, 20, ... in the clock's data mode */
#define CMOS_HIGH_MEM_LO 0x34    /* memory above 16 MiB in 64 KiB units */
#define CMOS_HIGH_MEM_HI 0x35
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST 0x2d

/* Register A. */
#define RTC_A_UIP 0x80     /* update in progress (read only) */
#define RTC_A_DV 0x70      /* divider control: 010 = 32.768 kHz running, 11x = reset */
#define RTC_A_RS 0x0f      /* periodic rate select */
#define RTC_A_DV_NORMAL 0x20
/* Register B. */
#define RTC_B_SET 0x80     /* stop updates; the guest writes the time */
#define RTC_B_PIE 0x40     /* periodic interrupt enable */
#define RTC_B_AIE 0x20     /* alarm interrupt enable */
#define RTC_B_UIE 0x10     /* update-ended interrupt enable */
#define RTC_B_SQWE 0x08    /* square-wave output (kept, no pin here) */
#define RTC_B_DM_BINARY 0x04 /* data mode: 1 = binary, 0 = BCD */
#define RTC_B_24H 0x02     /* 1 = 24-hour mode, 0 = 12-hour with bit 7 = PM */
#define RTC_B_DSE 0x01     /* daylight saving enable (kept, not applied) */
/* Register C (read only; reading clears it). */
#define RTC_C_IRQF 0x80    /* PF&PIE | AF&AIE | UF&UIE: the IRQ pin is asserted */
#define RTC_C_PF 0x40      /* periodic flag */
#define RTC_C_AF 0x20      /* alarm flag */
#define RTC_C_UF 0x10      /* update-ended flag */
/* Register D. */
#define RTC_D_VRT 0x80     /* valid RAM and time: the battery is good */

#define RTC_UIP_NS 244000u /* UIP rises this long before each update (datasheet tBUC) */
#define RTC_ALARM_DONT_CARE 0xc0 /* an alarm byte with both top bits set matches anything */

/* A broken-down time of day as the clock counts it (no time zone: UTC). */
struct rtc_time {
    int year;   /* e.g. 2024 */
    int month;  /* 1-12 */
    int day;    /* 1-31 */
    int hour;   /* 0-23 */
    int minute; /* 0-59 */
    int second; /* 0-59 */
    int wday;   /* 1-7, 1 = Sunday (the RTC's numbering) */
};

struct rtc {
    struct vm *vm;                    /* for the clocks and pic_set_irq() */
    uint8_t cmos[RTC_CMOS_SIZE];      /* the RAM; time bytes hold the frozen time while SET */
    uint8_t index;                    /* last index written to port 0x70 (bit 7 dropped) */
    bool nmi_masked;                  /* bit 7 of the last index write (kept; no NMI source) */
    bool frozen;                      /* updates stopped: SET, or the divider held in reset */
    int64_t offset_s;                 /* guest time minus host time, whole seconds */
    uint64_t synced_host_s;           /* host second up to which UF/AF are accounted */
    uint64_t periodic_ticks;          /* periodic-rate edges accounted so far (clock_ns domain) */
    bool irq_level;                   /* IRQ 8 as driven (= IRQF) */
    uint64_t pf_count;                /* periodic edges seen since creation (statistics, tests) */
    /* The host's real time in ns since the epoch (UTC): CLOCK_REALTIME unless a
     * test installs a fake.  The periodic interrupt uses vm->board.clock_ns. */
    uint64_t (*wall_ns)(const struct vm *vm);
};

/* Bring the clock to now_ns (vm->board.clock_ns time): set PF, UF and AF for
 * what happened since the last call, and raise IRQ 8 if an enabled flag is
 * newly set.  Several periods since the last call set PF once, as on the
 * chip, whose flag stays set until register C is read. */
void rtc_advance(struct vm *vm, uint64_t now_ns);
/* When an enabled interrupt could next raise IRQ 8, in clock_ns time:
 * now_ns if one is due that rtc_advance() has not seen, UINT64_MAX if none
 * can (nothing enabled, or IRQF already set: the pin stays asserted until
 * register C is read, so no new edge can reach the PIC before that). */
uint64_t rtc_next_event_ns(const struct vm *vm, uint64_t now_ns);

/* Port handlers; dev is the struct rtc. */
uint32_t rtc_port_read(void *dev, uint16_t port, unsigned size);
void rtc_port_write(void *dev, uint16_t port, unsigned size, uint32_t value);

/* CLOCK_REALTIME in ns: the default wall_ns. */
uint64_t rtc_host_wall_ns(const struct vm *vm);
/* Install another real-time clock (tests): updates are accounted from its
 * present second on, so the change itself is not an update. */
void rtc_set_wall_clock(struct rtc *rtc, uint64_t (*wall_ns)(const struct vm *vm));
/* Calendar conversions (proleptic Gregorian, UTC), exposed for tests. */
void rtc_time_from_epoch(int64_t epoch_s, struct rtc_time *t);
int64_t rtc_time_to_epoch(const struct rtc_time *t);
/* Fill the memory-size bytes and the checksum from ram_size bytes of RAM. */
void rtc_cmos_set_memory(struct rtc *rtc, uint64_t ram_size);
