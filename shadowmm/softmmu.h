/*
 * softmmu.h: the software shadow page table of the in-process engine.
 *
 * Translated code reaches guest memory through the vCPU's two TLBs
 * (shadowmm/softmmu_tlb.h): an inline probe (bt/probe.c) turns a guest
 * linear address into a host address in a few instructions when the page
 * is in the TLB, and calls into the monitor otherwise.  Here is the
 * monitor's side: translating an access the way the CPU would (walk the
 * guest page tables, set A and D, check U/S and R/W with CR0.WP), filling
 * the TLB entry, and flushing entries exactly when the architecture says a
 * TLB loses them (SDM Vol. 3A §4.10.4: CR3 loads keep global pages,
 * invlpg, CR0.PG/WP and CR4.PSE/PGE changes flush everything).
 *
 * No host mapping, signal or system call is involved: guest RAM is mapped
 * once (vm->mem.ram) and an entry's addend is ram + pa - la.
 *
 * Guest page-table pages are not traced.  A TLB may hold a translation the
 * page tables no longer give until the guest invalidates it (§4.10.4.3,
 * "Optional Invalidation"); the guest's own invlpg and CR3 loads keep this
 * TLB in step like a hardware one.  The one thing a TLB must not do is let
 * a write reach a page holding translated code unseen (self-modifying code
 * is coherent on x86, SDM Vol. 3A §11.6): such pages never get a write tag,
 * and a write to one leaves translated code through the slow path.
 *
 *   uint64_t addend; struct event ev; uint32_t pa;
 *   switch (softmmu_translate(v, la, 4, true, false, &addend, &pa, &ev)) {
 *   case SOFTMMU_OK: *(uint32_t *)(addend + la) = x; break;
 *   case SOFTMMU_PAGE_FAULT: deliver ev ...
 *   }
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/vcpu.h"

struct walk;

struct vm;

enum softmmu_outcome {
    SOFTMMU_OK,         /* *addend + la is the host address of every byte */
    SOFTMMU_PAGE_FAULT, /* *ev is the guest's #PF (CR2 and error code set) */
    SOFTMMU_NOT_RAM,    /* a byte at guest-physical *pa is a device or nothing */
    SOFTMMU_CODE_WRITE, /* a write to guest-physical page *pa >> 12, which holds translated code */
    SOFTMMU_NO_HOST,    /* the host refused the mapping a page-crossing access needs */
};

/* Translate an access of `size` bytes (1..4096) at linear la for CPL 3
 * (`user`) or supervisor code, setting A/D bits as the access would, and
 * fill the TLB when it lies in one page. */
enum softmmu_outcome softmmu_translate(struct vcpu *v, uint32_t la, uint32_t size, bool write, bool user,
                                       uint64_t *addend, uint32_t *pa, struct event *ev);

/* The monitor's own accesses (descriptor tables, emulated instructions,
 * instruction fetch) through the TLB: on a hit for the `user` TLB (a
 * read, or a write with the write tag), *pa is the guest-physical address
 * of la.  The access must lie in one page.  A miss changes nothing; the
 * caller walks, or calls softmmu_translate to walk and fill. */
bool softmmu_lookup_pa(const struct vcpu *v, uint32_t la, bool write, bool user, uint32_t *pa);

/* An instruction fetch walked the page tables (w, A bits set): record the
 * translation for reads too, so that the next fetch from the page — the
 * run loop's block lookups after every int n and iret — finds it in the
 * TLB.  In 32-bit paging a fetch needs exactly the rights of a read (no
 * NX); SMEP's fetch rule is kept because softmmu_fill never puts user
 * pages in the supervisor TLB under SMEP or SMAP. */
void softmmu_fill_from_fetch(struct vcpu *v, const struct walk *w, bool user);

/* Release the host address space the vCPU's soft MMU holds. */
void softmmu_destroy(struct vcpu *v);

/* Empty both TLBs (CR0.PG/WP, CR4.PSE/PGE changes, reset). */
void softmmu_flush_all(struct vcpu *v);
/* A CR3 load: drop all but the global entries (SDM Vol. 3A §4.10.4.1). */
void softmmu_flush_nonglobal(struct vcpu *v);
/* invlpg la: the entries of la's page, or of its whole 4 MiB page. */
void softmmu_flush_page(struct vcpu *v, uint32_t la);
/* Physical page pfn now holds translated code: withdraw its write tags. */
void softmmu_drop_write_tags(struct vcpu *v, uint32_t pfn);
