/*
 * diff_compare.h: judging one case from a reference state (the real CPU or
 * Unicorn) and another side's state (btvisor, or a second reference), and
 * printing a mismatch so that a person can act on it.
 *
 *   const char *names[2] = { "native", "btvisor" };
 *   struct diff_verdict v;
 *   diff_compare(&dec, &c, &code, ref, btv, names, &v);
 *   if (v.kind == DIFF_FAIL) diff_report(stdout, &c, &code, ref, btv, &v, names);
 */
#pragma once
#include <stdio.h>
#include <Zydis/Zydis.h>

#include "diff_case.h"

enum diff_verdict_kind {
    DIFF_PASS, /* both sides agree on everything compared */
    DIFF_FAIL, /* they differ */
    DIFF_SKIP, /* the case is not a valid test (it left the regions, or no reference can settle it) */
};

struct diff_verdict {
    enum diff_verdict_kind kind;
    uint32_t undef;          /* status flags masked as undefined */
    unsigned n_diff_regs;    /* differing registers (GPRs, EIP, flags, exception) */
    unsigned n_diff_bytes;   /* differing data bytes */
    char why[256];           /* first difference, one line */
};

void diff_compare(const ZydisDecoder *dec, const struct diff_case *c, const struct diff_code *code,
                  const struct diff_state *ref, const struct diff_state *other,
                  const char *const names[2], struct diff_verdict *v);

/* Case id, initial state, disassembly, both final states and every
 * difference. */
void diff_report(FILE *out, const struct diff_case *c, const struct diff_code *code,
                 const struct diff_state *ref, const struct diff_state *other,
                 const struct diff_verdict *v, const char *const names[2]);
/* The command line that reproduces case c ("--case MODE:I --seed S"). */
void diff_case_id(const struct diff_case *c, char *buf, size_t len);

/* Print the disassembly of code (Zydis, AT&T-free Intel syntax). */
void diff_print_code(FILE *out, const struct diff_code *code);
