/*
 * diff_known.c: the reviewed list of places where Unicorn (QEMU's x86 CPU
 * core, Debian's 2.0.x) is known to be wrong, so that a mismatch against the
 * Unicorn reference that one of them explains is reported as "known Unicorn
 * divergence" (a skip with that reason, counted per reason) instead of a
 * btvisor failure.
 *
 * The rule for an entry: it names the instruction forms, the SDM section
 * that settles the behaviour, and the evidence (a case on which the real CPU
 * and btvisor agree and Unicorn differs, reproducible with
 * `btv-difftest --against unicorn --seed S --case MODE:I`).  An entry is
 * applied only to a case that already mismatches, only when the reference
 * is Unicorn, and only when its condition shows on the final states; it
 * never hides a difference from the real CPU.  docs/TESTING.md lists the
 * entries for readers.
 *
 *   const char *why = diff_known_unicorn(&c, &code, ref, btv);
 *   if (why) ... skip, "known Unicorn divergence: <why>"
 */
#include "diff_known.h"

#include <string.h>

/* x87 stack faults.  An x87 instruction that reads an empty register or
 * pushes onto a full one is a stack fault: FSW.IE and FSW.SF are set and,
 * with IM masked (the harness's fninit default), the result is the real
 * indefinite (SDM Vol. 1 §8.5.1.1 "Stack Overflow or Underflow Exception").
 * QEMU's x87 ignores the tag word on loads and pushes: it neither sets
 * SF/IE nor stores the indefinite, it uses the register's stale contents.
 * Evidence: --seed 1 --case random:0 (fstp after emms; native and btvisor
 * store 0xffff c0000000 00000000 and FSW 0x0841, Unicorn the stale MMX
 * value and FSW 0x0800).  Condition: the other side's FSW (stored by the FP
 * epilogue at DIFF_FPDUMP) has SF set and Unicorn's does not. */
static bool known_x87_stack_fault(const struct diff_case *c, const struct diff_state *ref,
                                  const struct diff_state *other)
{
    const uint32_t fsw = DIFF_FPDUMP - DIFF_DATA_BASE;
    return c->uses_fp && (other->mem[fsw] & 0x40) && !(ref->mem[fsw] & 0x40);
}

const char *diff_known_unicorn(const struct diff_case *c, const struct diff_code *code,
                               const struct diff_state *ref, const struct diff_state *other)
{
    (void)code;
    if (known_x87_stack_fault(c, ref, other))
        return "x87 stack fault (empty or full register) not modelled";
    return NULL;
}
