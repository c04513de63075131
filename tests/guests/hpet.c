/*
 * hpet.c: the hpet guest — the HPET at 0xfed00000 (IA-PC HPET 1.0a
 * §2.3), which QEMU's PC and btvisor both have:
 *   - GCAP_ID: revision 1, a 64-bit counter, a period of at most 100 ns
 *     (0x05f5e100 fs, §2.3.4) and at least 3 timers;
 *   - with ENABLE_CNF clear the main counter stands still and takes a
 *     written value; with it set the counter runs from there and never
 *     goes back (low half read again and again);
 *   - the high half of the counter is read as its own 32-bit register;
 *   - clearing ENABLE_CNF freezes the counter again.
 */
#include "rt.h"

RT_GUEST("hpet");

#define HPET(off) (*(volatile uint32_t *)(0xfed00000u + (off)))

static void test_capabilities(void)
{
    uint32_t lo = HPET(0x000), period = HPET(0x004);
    rt_eq(lo & 0xff, 1, "GCAP_ID revision 1");
    rt_ok(lo & (1u << 13), "64-bit main counter (COUNT_SIZE_CAP)");
    rt_ok(((lo >> 8) & 0x1f) >= 2, "at least 3 timers (NUM_TIM_CAP = %u)", (lo >> 8) & 0x1f);
    rt_ok(period != 0 && period <= 0x05f5e100u, "counter period %u fs is at most 100 ns", period);
}

static void test_counter(void)
{
    HPET(0x010) &= ~1u; /* halt */
    HPET(0x0f0) = 0x1000;
    HPET(0x0f4) = 0;
    uint32_t a = HPET(0x0f0);
    for (volatile int i = 0; i < 10000; i++)
        ;
    rt_eq(a, 0x1000, "a halted counter takes the value written");
    rt_eq(HPET(0x0f0), 0x1000, "a halted counter does not move");
    HPET(0x010) |= 1u; /* run */
    uint32_t prev = HPET(0x0f0), moved = 0, back = 0;
    for (int i = 0; i < 1000000 && !moved; i++) {
        uint32_t now = HPET(0x0f0);
        back |= now < prev;
        moved = now != 0x1000 && now > 0x1000;
        prev = now;
    }
    rt_ok(moved && !back, "the enabled counter runs up from the written value (0x%x)", prev);
    rt_eq(HPET(0x0f4), 0, "the high half reads 0 so soon after 0x1000");
    HPET(0x010) &= ~1u;
    uint32_t frozen = HPET(0x0f0);
    for (volatile int i = 0; i < 10000; i++)
        ;
    rt_eq(HPET(0x0f0), frozen, "clearing ENABLE_CNF freezes the counter");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_capabilities();
    test_counter();
}
