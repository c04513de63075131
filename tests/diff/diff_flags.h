/*
 * diff_flags.h: which status flags a sequence leaves undefined.
 *
 * The SDM leaves some flags undefined after some instructions (e.g. SF, ZF,
 * AF, PF after MUL; OF after a multi-bit shift).  A flag is masked from the
 * comparison when the LAST instruction that wrote it left it undefined; a
 * later defined write makes it defined again.  The analysis runs forward
 * over the instructions that executed, keeping the set of flags that may be
 * undefined: an instruction that may have been skipped (a branch body) or
 * whose effect depends on a run-time count it does not know can only add to
 * that set.  Zydis 4 supplies the static facts (cpu_flags->undefined etc.);
 * the count-dependent rules of shifts and rotates are applied here.
 *
 *   uint32_t undef = 0;
 *   diff_flags_step(&dec, bytes, len, 0, DIFF_COUNT_UNKNOWN, &undef, NULL);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "diff_case.h"

/* Account one instruction.  *undef: flags possibly undefined so far;
 * returns false if the bytes do not decode.  *tested (may be NULL)
 * receives the flags the instruction reads. */
bool diff_flags_step(const ZydisDecoder *dec, const uint8_t *bytes, unsigned len, uint8_t iflags,
                     int16_t count, uint32_t *undef, uint32_t *tested);

/* Flags possibly undefined after every instruction of `code` that starts
 * before offset `end_off` ran. */
uint32_t diff_flags_undefined(const ZydisDecoder *dec, const struct diff_code *code, uint32_t end_off);
