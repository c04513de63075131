/*
 * dump.h: the side-by-side listing of translations (--dump-translations).
 */
#pragma once
#include <stdio.h>

#include "tcache/tcache.h"

struct vm;

/* Write block tb: each guest instruction (address, bytes, Capstone syntax,
 * the rule that translated it) followed by its host instructions. */
void bt_dump_block(FILE *out, struct vm *vm, const struct tblock *tb, const unsigned char *rules);
