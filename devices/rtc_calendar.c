/*
 * rtc_calendar.c: the arithmetic behind the MC146818's time registers —
 * seconds since the epoch to a date and back, BCD and 12-hour encodings,
 * and the PC's memory-size bytes in CMOS.
 *
 * The clock counts UTC, so there is no time zone and no daylight saving
 * here: a date is days since 1970-01-01 in the proleptic Gregorian calendar,
 * converted with the era/day-of-era method (400-year eras of 146097 days,
 * months counted from March so that the leap day ends the year).  This
 * keeps rtc.c free of the C library's time-zone state (gmtime/timegm).
 *
 *   struct rtc_time t;
 *   rtc_time_from_epoch(951782400, &t);   // 2000-02-29 00:00:00, wday 3 (Tuesday)
 *   rtc_time_to_epoch(&t) == 951782400
 */
#include <string.h>

#include "devices/rtc.h"

#define SECONDS_PER_DAY 86400
#define DAYS_PER_ERA 146097       /* 400 Gregorian years */
#define EPOCH_SHIFT 719468        /* days from 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                /* 0-399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0-365, from March */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* 0-146096 */
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

static void civil_from_days(int64_t z, struct rtc_time *t)
{
    z += EPOCH_SHIFT;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;                          /* 0 = March */
    t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (int)(yoe + era * 400 + (t->month <= 2));
}

void rtc_time_from_epoch(int64_t epoch_s, struct rtc_time *t)
{
    int64_t days = floor_div(epoch_s, SECONDS_PER_DAY);
    int64_t sod = epoch_s - days * SECONDS_PER_DAY;
    memset(t, 0, sizeof *t);
    civil_from_days(days, t);
    t->hour = (int)(sod / 3600);
    t->minute = (int)(sod / 60 % 60);
    t->second = (int)(sod % 60);
    t->wday = (int)floor_mod(days + 4, 7) + 1; /* 1970-01-01 was a Thursday (5) */
}

/* A guest may write nonsense (month 13, day 0x3f): the month is clamped to
 * 1-12 and the other fields are carried by the arithmetic (day 32 of
 * January is February 1), so the result is always defined. */
int64_t rtc_time_to_epoch(const struct rtc_time *t)
{
    int month = t->month < 1 ? 1 : t->month > 12 ? 12 : t->month;
    return days_from_civil(t->year, month, t->day) * SECONDS_PER_DAY + t->hour * 3600 +
           t->minute * 60 + t->second;
}

/* Memory sizes as a PC BIOS leaves them for the operating system (IBM AT
 * Technical Reference, CMOS RAM address map; 0x34/0x35 as SeaBIOS and QEMU
 * use them for RAM above 16 MiB). */
void rtc_cmos_set_memory(struct rtc *rtc, uint64_t ram_size)
{
    uint64_t kib = ram_size / 1024;
    uint64_t base = kib < 640 ? kib : 640;
    uint64_t ext = kib > 1024 ? kib - 1024 : 0;
    uint64_t high = ram_size > (16u << 20) ? (ram_size - (16u << 20)) / 65536 : 0;
    ext = ext > 0xffff ? 0xffff : ext;
    high = high > 0xffff ? 0xffff : high;
    uint8_t *c = rtc->cmos;
    c[CMOS_BASE_MEM_LO] = (uint8_t)base;
    c[CMOS_BASE_MEM_HI] = (uint8_t)(base >> 8);
    c[CMOS_EXT_MEM_LO] = c[CMOS_EXT_MEM2_LO] = (uint8_t)ext;
    c[CMOS_EXT_MEM_HI] = c[CMOS_EXT_MEM2_HI] = (uint8_t)(ext >> 8);
    c[CMOS_HIGH_MEM_LO] = (uint8_t)high;
    c[CMOS_HIGH_MEM_HI] = (uint8_t)(high >> 8);
    unsigned sum = 0;
    for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++)
        sum += c[i];
    c[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    c[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}
