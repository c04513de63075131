/*
 * segcache.h: the segment-descriptor cache, which lets translated code load
 * DS, ES, FS and GS without a callout (in-process engine).
 *
 * A protected-mode load of a data segment register reads a descriptor from
 * the GDT, checks it (monitor/segload.c) and fills the hidden part of the
 * register.  Linux's system-call entry and exit do four such loads of
 * selectors that never change (DS and ES with __USER_DS), so after the first
 * slow load of a selector the result is kept here, per vCPU, and translated
 * code (bt/rule_sreg.c) copies it into the register when
 *
 *   - the entry's key matches: the same selector at the same CPL (the
 *     privilege checks depend on nothing else), and for DS/ES in a block
 *     translated for flat segments, a base of 0;
 *   - the descriptor in guest memory still holds the bytes the slow load
 *     checked: the entry keeps the host address of the 8 bytes in guest
 *     RAM, so any write to the GDT — by translated code, the monitor, a
 *     device's DMA — makes the next load miss, with no write tracing.
 *
 * Only loads whose result is unrestricted (vcpu_seg_unrestricted: base and
 * limit accept every offset, readable and writable) are cached, and
 * translated code uses an entry only where the register was unrestricted
 * before, so the block's mode (tc_current_mode) stays what it was
 * translated for.  What else could make a cached check stale empties the
 * cache: a new GDTR (lgdt), a CR0 write, and any soft-MMU flush that can
 * drop the translation of the GDT's linear pages (CR3 loads, invlpg in
 * the GDT, global flushes): the entry holds the physical address the GDT's
 * linear address had when the slow load ran.
 *
 * Tags, compared flag-free in translated code (lea + jrcxz, as the TLB
 * probe and the indirect-branch table do):
 *   key      = selector | CPL << 16 | SEGCACHE_KEY_VALID [| SEGCACHE_KEY_FLAT]
 *   tag_any  = -key                         (any base)
 *   tag_flat = -(key | FLAT) if base == 0, else 0 (never matches)
 * An empty entry has both tags 0.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/x86.h"

struct vcpu;

#define SEGCACHE_ENTRIES 256u              /* indexed by selector bits 3..10 */
#define SEGCACHE_ENTRY_SHIFT 6             /* 64-byte entries */
#define SEGCACHE_KEY_CPL_SHIFT 16
#define SEGCACHE_KEY_VALID (1u << 20)
#define SEGCACHE_KEY_FLAT (1u << 21)

static inline uint32_t segcache_key(uint16_t sel, unsigned cpl, bool flat)
{
    return sel | (uint32_t)cpl << SEGCACHE_KEY_CPL_SHIFT | SEGCACHE_KEY_VALID | (flat ? SEGCACHE_KEY_FLAT : 0);
}

static inline unsigned segcache_index(uint16_t sel) { return (sel >> 3) & (SEGCACHE_ENTRIES - 1); }

/* The host address of the 8 descriptor-table bytes at linear la (a GDT or
 * IDT entry, a TSS's ESP0/SS0), when they lie in one page of guest RAM;
 * NULL otherwise.  Walks without setting A bits: for tables the full path
 * has just read.  The gate cache keeps such addresses too. */
const uint8_t *segcache_desc_host(struct vcpu *v, uint32_t la);
/* After seg_load put sel's segment into register s: remember it if it may
 * be loaded inline next time. */
void segcache_fill(struct vcpu *v, enum x86_sreg s, uint16_t sel);
/* Forget every entry. */
void segcache_flush(struct vcpu *v);
/* invlpg of la: forget every entry if la's page may hold part of the GDT. */
void segcache_flush_page(struct vcpu *v, uint32_t la);
