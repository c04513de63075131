/*
 * segments.h: shared pieces of the segments guest.
 */
#pragma once
#include "rt.h"

#define SEL_BASED ((GDT_FIRST_FREE + 0) * 8)     /* data, base = seg_buf, limit 0xff */
#define SEL_NP ((GDT_FIRST_FREE + 1) * 8)        /* data, not present */
#define SEL_DOWN ((GDT_FIRST_FREE + 2) * 8)      /* data, expand-down, limit 0xfff, B=1 */
#define SEL_GATE0 ((GDT_FIRST_FREE + 3) * 8)     /* call gate DPL 0 -> ring 0 code */
#define SEL_GATE3 ((GDT_FIRST_FREE + 4) * 8)     /* call gate DPL 3 -> ring 0, 2 params */
#define SEL_LDT ((GDT_FIRST_FREE + 5) * 8)       /* the LDT */
#define SEL_FRESH ((GDT_FIRST_FREE + 6) * 8)     /* data never loaded (for lar) */
#define SEL_XONLY ((GDT_FIRST_FREE + 7) * 8)     /* code, execute only */
#define SEL_RONLY ((GDT_FIRST_FREE + 8) * 8)     /* data, read only */
#define SEL_PAGES ((GDT_FIRST_FREE + 9) * 8)     /* data, 4 KiB granular, limit 0xfffff */
#define SEL_LDT_DATA 0x0c                        /* LDT index 1, TI = 1 */
#define SEL_LDT_CODE 0x14                        /* LDT index 2, TI = 1 */

extern uint8_t seg_buf[];
extern uint8_t seg_ldt_buf[];

void seg_test_gates(void);
void seg_test_tables(void);
void seg_test_cache(void);
