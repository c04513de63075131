/*
 * diff_known.h: known Unicorn divergences (the reviewed list is in
 * diff_known.c, each entry with its SDM section and the case that shows it).
 *
 *   const char *why = diff_known_unicorn(&c, &code, unicorn_state, btvisor_state);
 */
#pragma once
#include "diff_case.h"

/* If a known Unicorn bug explains why `ref` (Unicorn's final state) differs
 * from `other`, its short name; else NULL. */
const char *diff_known_unicorn(const struct diff_case *c, const struct diff_code *code,
                               const struct diff_state *ref, const struct diff_state *other);
