/*
 * user_idle.c: init's program with the command line "idle" — an idle
 * machine, for measuring what a guest that does nothing costs its host.
 *
 * Init sleeps IDLE_TICKS timer ticks (5 s at 100 Hz) in one sleep() call.
 * Nothing else is runnable, so the kernel spends that time in its idle loop
 * (proc.c, sched: `sti; hlt`), woken by each timer interrupt.  Then init
 * checks that the clock advanced by at least that much and exits; the
 * SUMMARY line says the sleep ended and the clock was right, nothing about
 * host time (bench/run_idle.sh measures that).
 *
 *   qemu-system-i386 -kernel os.elf -append idle ...
 */
#include "user.h"

enum { IDLE_TICKS = 500 };

void idle_main(void)
{
    u_printf("[pid %d idle] sleeping %u ticks\n", u_getpid(), (uint32_t)IDLE_TICKS);
    uint32_t t0 = u_ticks();
    u_sleep(IDLE_TICKS);
    uint32_t slept = u_ticks() - t0;
    int ok = slept >= IDLE_TICKS;
    u_printf("%s - idle: woke after %u ticks, asked for %u\n", ok ? "ok" : "FAIL", slept,
             (uint32_t)IDLE_TICKS);
    u_printf("SUMMARY: os_idle: %d passed, %d failed\n", ok, !ok);
    u_exit(!ok);
}
