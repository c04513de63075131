/*
 * shadow.h: shadow page tables — the host mappings of the guest window that
 * give the guest the MMU it expects.
 *
 * With paging on, the shadow of guest linear page v is a host mapping at
 * W + v of the RAM memfd page the guest's page tables map v to, with a host
 * protection derived from the guest PTE: read-only until the guest's D bit
 * is set, read-only while the physical page holds translated code or a
 * guest page table (tracing), inaccessible in user mode when the page is
 * supervisor-only.  Mappings are made on demand: a host fault on an unmapped
 * window page is a hidden fault (fill it) or a true guest #PF.  With paging
 * off the window is the identity map of RAM.
 *
 * The shadow is kept in step with the guest's page tables by tracing: every
 * physical page used as a page directory or page table by a live mapping is
 * write-protected everywhere, and a write to it (emulated by the monitor)
 * drops the mappings derived from the entries it changed.  A CR3 load keeps
 * the mappings under page-directory entries that are identical in the old
 * and new directory (the shared kernel half), moves those whose new page
 * table is an equal copy, suspends those the new directory does not map,
 * and drops the rest (shadow_cr3.c).
 *
 *   switch (shadow_fault(v, la, write, &ev, &pa)) { case SHADOW_FILLED: retry; ... }
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/vcpu.h"

struct vm;

/* Host mappings the shadow keeps at most before evicting (vm.max_map_count
 * is 65530; the rest of the process needs some too). */
#define SHADOW_MAP_BUDGET 24576u

int shadow_create(struct vm *vm, char *err, size_t errlen);
void shadow_destroy(struct vm *vm);

enum shadow_outcome {
    SHADOW_FILLED,      /* mapped (or upgraded): run the instruction again */
    SHADOW_GUEST_FAULT, /* a true guest #PF: *ev */
    SHADOW_CODE_WRITE,  /* a write to a page holding translated code: *pa */
    SHADOW_TRACED_WRITE,/* a write to a traced page-table page: emulate the instruction */
    SHADOW_MMIO,        /* the page is not RAM: emulate the instruction */
};

/* A host fault on window address W + la (paging on).  `write` is the
 * access kind the host reported. */
enum shadow_outcome shadow_fault(struct vcpu *v, uint32_t la, bool write, struct event *ev, uint32_t *pa);

/* Translate a linear address for an instruction fetch (translator, block
 * keys).  Returns false with *ev = #PF when the guest cannot fetch there.
 * set_ad sets the Accessed bits as the fetch would. */
bool shadow_fetch_pa(struct vcpu *v, uint32_t la, bool set_ad, uint32_t *pa, struct event *ev);

/* The guest changed CR0, CR3 or CR4 (the register already holds the new
 * value), or executed invlpg. */
void mmu_cr0_written(struct vcpu *v, uint32_t old_cr0);
void mmu_cr3_written(struct vcpu *v, uint32_t old_cr3);
void mmu_cr4_written(struct vcpu *v, uint32_t old_cr4);
void mmu_invlpg(struct vcpu *v, uint32_t la);

/* The monitor is about to run guest code at CPL `cpl`: user mode (3) may
 * not see supervisor-only pages.  Pages at or above `user_top` need no
 * dropping: the segments of directly executed user code stop below it
 * (segment truncation); translated user code passes 4 GiB. */
void shadow_set_privilege(struct vcpu *v, unsigned cpl, uint64_t user_top);
/* Changes whenever a page-directory entry or CR3 may have changed. */
uint32_t shadow_pd_generation(const struct vm *vm);

/* The monitor wrote guest-physical [pa, pa+len): drop mappings derived
 * from page-table entries in that range. */
void shadow_notify_phys_write(struct vm *vm, uint64_t pa, uint64_t len);

/* Recompute the host protection of every mapping of physical page pfn
 * (translated code appeared on it or went away). */
void shadow_update_page(struct vm *vm, uint32_t pfn);

/* The indirect-branch table now holds a target on linear page vpn: keep
 * that page's translation traced so that remapping it clears the table. */
void shadow_note_code_page(struct vm *vm, uint32_t vpn);

/* Drop every mapping. */
void shadow_flush(struct vm *vm);

/* Host mappings live now. */
uint32_t shadow_live_mappings(const struct vm *vm);
