/*
 * softmmu_tlb.h: the layout of the soft MMU's translation lookaside buffers,
 * which translated code reads inline (see shadowmm/softmmu.h for how they are
 * filled and flushed, bt/probe.c for the probe that reads them).
 *
 * One TLB per privilege: [0] for supervisor accesses (CPL 0-2, CR0.WP
 * semantics), [1] for user accesses (CPL 3).  Each is direct-mapped by the
 * low 8 bits of the linear page number and kept as three parallel arrays so
 * that the probe can index each with a plain scaled index:
 *
 *   tag_read[i] == -(la >> 12)   the page may be read through this entry
 *   tag_write[i] == -(la >> 12)  ... and written (writable, D set, no code)
 *   addend[i] + la               host address of the byte at la
 *
 * The tags hold the negated page number so that `lea r10d, [r10 + page]`
 * is zero exactly on a hit — a compare that leaves the guest's flags alone.
 * An empty slot holds SOFTMMU_TAG_EMPTY, which no negated 20-bit page number
 * equals.
 */
#pragma once
#include <stdint.h>

#define SOFTMMU_TLB_BITS 8
#define SOFTMMU_TLB_ENTRIES (1u << SOFTMMU_TLB_BITS)
#define SOFTMMU_TAG_EMPTY 1u
#define SOFTMMU_SUP 0
#define SOFTMMU_USER 1

struct softmmu_tlb {
    uint32_t tag_read[SOFTMMU_TLB_ENTRIES];
    uint32_t tag_write[SOFTMMU_TLB_ENTRIES];
    uint64_t addend[SOFTMMU_TLB_ENTRIES];
};

/* What the monitor remembers about each entry, to flush exactly what the
 * architecture says (global pages survive CR3 loads, SDM Vol. 3A §4.10.4.1)
 * and to withdraw write tags when a page starts holding translated code. */
struct softmmu_meta {
    uint32_t page_pa[SOFTMMU_TLB_ENTRIES];   /* guest-physical page of the entry */
    uint8_t global[SOFTMMU_TLB_ENTRIES];     /* G bit with CR4.PGE */
    uint8_t large[SOFTMMU_TLB_ENTRIES];      /* from a 4 MiB page */
    uint32_t large_count;                    /* entries with large set since the last flush */
};
