/*
 * trap.c: the runtime's exception dispatcher and the checks tests use to
 * verify an exception.
 *
 * rt_trap() receives every vector.  A test that expects an exception arms
 * rt_resume (RT_TRY_BEGIN) before the instruction; the dispatcher records
 * the frame in rt_last, clears TF in the saved EFLAGS (so a single-step
 * trap does not repeat) and continues at rt_resume.  An unexpected
 * exception prints the whole frame as a FAIL line and ends the test: the
 * report must say what happened even when the CPU under test is wrong.
 *
 *   rt_trap_reset();
 *   asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: int3" RT_TRY_END : "=m"(at));
 *   rt_expect_trap(3, 0, at + 1, "int3 traps with EIP after it");
 */
#include "rt.h"

volatile uint32_t rt_resume;
struct rt_frame rt_last;
volatile uint32_t rt_traps;
static rt_handler_fn handlers[256];

void rt_set_handler(unsigned vector, rt_handler_fn fn)
{
    handlers[vector & 0xff] = fn;
}

void rt_trap_reset(void)
{
    memset(&rt_last, 0xff, sizeof rt_last);
    rt_traps = 0;
}

void rt_dump_frame(const struct rt_frame *f)
{
    rt_printf("#   vector 0x%x error 0x%x eip 0x%08x cs 0x%x eflags 0x%08x\n", f->vector,
              f->error, f->eip, f->cs & 0xffff, f->eflags);
    rt_printf("#   eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x\n", f->eax, f->ebx, f->ecx,
              f->edx);
    rt_printf("#   esi 0x%08x edi 0x%08x ebp 0x%08x esp 0x%08x\n", f->esi, f->edi, f->ebp,
              f->esp0 + 20);
    rt_printf("#   ds 0x%x es 0x%x fs 0x%x gs 0x%x\n", f->ds & 0xffff, f->es & 0xffff,
              f->fs & 0xffff, f->gs & 0xffff);
    if ((f->cs & 3) != 0)
        rt_printf("#   from ring %u: esp 0x%08x ss 0x%x\n", f->cs & 3, f->esp, f->ss & 0xffff);
}

void rt_trap(struct rt_frame *f)
{
    if (handlers[f->vector & 0xff]) {
        handlers[f->vector & 0xff](f);
        return;
    }
    if (rt_resume) {
        rt_last = *f;
        rt_traps++;
        f->eip = rt_resume;
        f->eflags &= ~FL_TF;
        rt_resume = 0;
        /* The code at rt_resume (RT_TRY_END) writes memory through DS before
         * the test restores its segments: when the exception was caused by a
         * null or limited DS/ES in ring 0, resume with the flat ones, or that
         * write faults again (on a CPU that checks limits). */
        if ((f->cs & 3) == 0)
            f->ds = f->es = SEL_KDATA;
        return;
    }
    rt_ok(0, "unexpected exception, vector %u error 0x%x at eip 0x%08x", f->vector, f->error,
          f->eip);
    rt_dump_frame(f);
    rt_finish();
}

void rt_expect_trap(unsigned vector, uint32_t error, uint32_t eip, const char *what)
{
    uint32_t n = rt_traps;
    rt_eq(n, 1, "%s: one exception", what);
    if (n == 0)
        return;
    rt_eq(rt_last.vector, vector, "%s: vector", what);
    if (error != RT_ANY_ERROR)
        rt_eq(rt_last.error, error, "%s: error code", what);
    if (eip != RT_ANY_EIP)
        rt_eq(rt_last.eip, eip, "%s: saved EIP", what);
}

void rt_expect_no_trap(const char *what)
{
    rt_eq(rt_traps, 0, "%s: no exception", what);
}
