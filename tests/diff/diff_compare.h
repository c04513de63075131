/*
 * diff_compare.h: judging one case from the native and the btvisor state,
 * and printing a mismatch so that a person can act on it.
 *
 *   struct diff_verdict v;
 *   diff_compare(&dec, &c, &code, native, btv, &v);
 *   if (v.kind == DIFF_FAIL) diff_report(stdout, &dec, &c, &code, native, btv, &v);
 */
#pragma once
#include <stdio.h>
#include <Zydis/Zydis.h>

#include "diff_case.h"

enum diff_verdict_kind {
    DIFF_PASS, /* both sides agree on everything compared */
    DIFF_FAIL, /* they differ */
    DIFF_SKIP, /* the case is not a valid test (native #PF: it left the regions) */
};

struct diff_verdict {
    enum diff_verdict_kind kind;
    uint32_t undef;          /* status flags masked as undefined */
    unsigned n_diff_regs;    /* differing registers (GPRs, EIP, flags, exception) */
    unsigned n_diff_bytes;   /* differing data bytes */
    char why[256];           /* first difference, one line */
};

void diff_compare(const ZydisDecoder *dec, const struct diff_case *c, const struct diff_code *code,
                  const struct diff_state *native, const struct diff_state *other,
                  struct diff_verdict *v);

/* Case id, initial state, disassembly, both final states and every
 * difference. */
void diff_report(FILE *out, const struct diff_case *c, const struct diff_code *code,
                 const struct diff_state *native, const struct diff_state *other,
                 const struct diff_verdict *v, const char *other_name);

/* Print the disassembly of code (Zydis, AT&T-free Intel syntax). */
void diff_print_code(FILE *out, const struct diff_code *code);
