/*
 * dump.h: the side-by-side listing of translations (--dump-translations).
 */
#pragma once
#include <stdio.h>

#include "tcache/tcache.h"

struct vm;

/* Let Capstone build its lazily made tables now, at set-up: the first
 * disassembly sorts one with qsort, whose first large sort asks the host
 * for the memory size (sysinfo), a host call the run would not count. */
void bt_dump_prepare(void);
/* Write block tb: each guest instruction (address, bytes, Capstone syntax,
 * the rule that translated it) followed by its host instructions. */
void bt_dump_block(FILE *out, struct vm *vm, const struct tblock *tb, const unsigned char *rules);
