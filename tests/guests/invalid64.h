/*
 * invalid64.h: shared pieces of the invalid64 guest.
 */
#pragma once
#include "rt.h"

/* An extra flat ring 0 code and data descriptor, so far transfers and
 * segment loads change the selector without changing the addresses. */
#define SEL_ALT_CODE ((GDT_FIRST_FREE + 0) * 8)
#define SEL_ALT_DATA ((GDT_FIRST_FREE + 1) * 8)
#define SEL_OFS_DATA ((GDT_FIRST_FREE + 2) * 8) /* data with a non-zero base */

extern volatile uint32_t inv_flags;

void inv_test_far(void);
void inv_test_bound_into(void);
void inv_test_misc(void);
void inv_test_moffs(void);
