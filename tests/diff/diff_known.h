/*
 * diff_known.h: known Unicorn divergences (the reviewed list is in
 * diff_known.c, each entry with its SDM section and the case that shows it).
 *
 *   struct diff_state fixed;  bool recheck;
 *   const char *why = diff_known_unicorn(&dec, &c, &code, uc, btv, &fixed, &recheck);
 *   // why && !recheck: skip the case; why && recheck: compare `fixed` again
 */
#pragma once
#include <stdbool.h>
#include <Zydis/Zydis.h>

#include "diff_case.h"

/* If a known Unicorn bug may explain why `uc` (Unicorn's final state)
 * differs from `other`, its short name, else NULL.  *recheck: the bug's
 * effect was corrected in *fixed (a copy of uc), which must now agree with
 * other for the case to count as known; otherwise the case is skipped. */
const char *diff_known_unicorn(const ZydisDecoder *dec, const struct diff_case *c,
                               const struct diff_code *code, const struct diff_state *uc,
                               const struct diff_state *other, struct diff_state *fixed, bool *recheck);
