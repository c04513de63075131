/*
 * exceptions.h: shared pieces of the exceptions guest.
 */
#pragma once
#include "rt.h"

#define SEL_NOTPRESENT ((GDT_FIRST_FREE + 0) * 8) /* data segment, P = 0 */
#define SEL_SMALL_TSS ((GDT_FIRST_FREE + 1) * 8)  /* TSS with limit 0x40 (< 0x67) */
#define SEL_LIMITED_SS ((GDT_FIRST_FREE + 2) * 8) /* stack segment with a byte limit */
#define SEL_EXEC_ONLY ((GDT_FIRST_FREE + 3) * 8)  /* code segment, execute only */
#define SEL_READ_ONLY ((GDT_FIRST_FREE + 4) * 8)  /* data segment, read only */
#define SEL_BEYOND_GDT 0x1ff8                     /* index past the GDT limit */

/* Address of the instruction expected to fault (set inside each RT_TRY). */
extern uint32_t ex_at;

/* rt_expect_trap for a case QEMU does not model (reason says what): on
 * QEMU the check is skipped, everywhere else it is made as the SDM says. */
void ex_expect_sdm(const char *qemu_gap, unsigned vector, uint32_t error, uint32_t eip,
                   const char *what);

void ex_test_segments(void);
void ex_test_ring3(void);
void ex_test_ring3_nm(void);
void ex_test_double_fault(void);
