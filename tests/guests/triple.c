/*
 * triple.c: a guest that must triple-fault (an expected-failure test).
 *
 * It loads an IDT with limit 0, so no vector is reachable, then executes
 * int3.  Delivering #BP faults with #GP (the gate lies beyond the IDT
 * limit, SDM Vol. 3A §6.10), delivering that #GP escalates to a double
 * fault, and delivering #DF fails the same way, which is a triple fault
 * (§6.15, "Interrupt 8"): the processor shuts down.  btvisor must stop with
 * status 4 and say "triple fault".
 */
#include "rt.h"

RT_GUEST("triple");

void test_main(const struct rt_boot *boot)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) empty = {0, 0};

    (void)boot;
    rt_printf("# loading an empty IDT and raising #BP: the machine must shut down\n");
    asm volatile("lidt %0\n\tint3" ::"m"(empty) : "memory");
    rt_ok(0, "execution continued after a triple fault");
}
