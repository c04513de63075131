/*
 * diff_sysfam.h: emitters of the system families (diff_sysfam.c) and how
 * many variants each has (the product of its radixes; the rows in
 * diff_families.c use these counts).
 *
 *   { "sysseg", SYSFAM_SEG_VARIANTS, 1, 6, false, sysfam_seg, true },
 */
#pragma once
#include "diff_gen.h"

#define SYSFAM_NSELS 28
#define SYSFAM_SEG_VARIANTS (4 * 5 * SYSFAM_NSELS * 3)   /* form x sreg x selector x CPL */
#define SYSFAM_DESC_VARIANTS (7 * SYSFAM_NSELS * 2)      /* op x selector x CPL */
#define SYSFAM_STORE_VARIANTS (20 * 6)                   /* op x environment */
#define SYSFAM_FLAGS_VARIANTS (14 * 16)                  /* op x CPL x IOPL */
#define SYSFAM_FAR_VARIANTS (26 * 4)                     /* form x CPL */
#define SYSFAM_PAGE_VARIANTS (8 * 4 * 128)               /* form x address kind x environment */

void sysfam_seg(struct diff_gen *g, uint32_t k);
void sysfam_desc(struct diff_gen *g, uint32_t k);
void sysfam_store(struct diff_gen *g, uint32_t k);
void sysfam_flags(struct diff_gen *g, uint32_t k);
void sysfam_far(struct diff_gen *g, uint32_t k);
void sysfam_page(struct diff_gen *g, uint32_t k);
