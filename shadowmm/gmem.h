/*
 * gmem.h: guest memory.
 *
 * Guest RAM is one memfd.  It is mapped twice:
 *   - into the guest window, a 4 GiB (+guard) range of host address space at
 *     GMEM_WINDOW_BASE reserved PROT_NONE at start-up, where host address
 *     W + x is guest linear address x.  Translated code reaches it through
 *     the GS segment (GS base = W) with 32-bit effective addresses, so it
 *     cannot touch anything outside the window.  With paging off, guest
 *     linear = guest physical, so RAM is mapped at W + 0 .. W + ram_size.
 *   - privately for the monitor (`ram`), so that C code can read and write
 *     guest physical memory without taking faults on write-protected pages.
 *
 * Every write the monitor makes to guest RAM goes through gmem_write_phys(),
 * which tells the translation cache first (self-modifying code).
 *
 *   struct gmem m;
 *   if (gmem_init(&m, 64 << 20, err, sizeof err) < 0) die(err);
 *   uint8_t *p = gmem_phys_ptr(&m, 0x100000, 16);   // NULL unless RAM
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "monitor/vcpu.h"

#define GMEM_WINDOW_BASE 0x10000ull         /* W: above vm.mmap_min_addr */
#define GMEM_WINDOW_SIZE (1ull << 32)
#define GMEM_WINDOW_GUARD (1ull << 20)       /* unmapped tail that catches wrap-around */
#define GMEM_PAGE_SIZE 4096u
/* Window mappings are executable: guest user code runs there directly. */
#define GMEM_PROT_RO (PROT_READ | PROT_EXEC)
#define GMEM_PROT_RW (PROT_READ | PROT_WRITE | PROT_EXEC)
#define GMEM_MIN_RAM (2ull << 20)
#define GMEM_MAX_RAM (3ull << 30)            /* the top GiB is for MMIO */

struct gmem {
    uint8_t *window;   /* host address of guest linear 0 (= GMEM_WINDOW_BASE) */
    uint8_t *ram;      /* the monitor's own mapping of all guest RAM */
    uint64_t ram_size; /* bytes, a multiple of the page size */
    int memfd;         /* backing store of guest RAM */
};

/* Reserve the window, create and map RAM.  Returns 0, or -1 with a message in err. */
int gmem_init(struct gmem *m, uint64_t ram_size, char *err, size_t errlen);
void gmem_destroy(struct gmem *m);

/* Host pointer to guest physical [pa, pa+len), or NULL if any of it is not RAM. */
static inline uint8_t *gmem_phys_ptr(const struct gmem *m, uint64_t pa, uint64_t len)
{
    if (pa > m->ram_size || len > m->ram_size - pa)
        return NULL;
    return m->ram + pa;
}

/* Physical access by the monitor.  Bytes outside RAM read as 0xff and writes
 * to them are dropped, as on a PC bus with nothing decoding the address. */
void gmem_read_phys(struct vm *vm, uint64_t pa, void *dst, uint32_t len);
void gmem_write_phys(struct vm *vm, uint64_t pa, const void *src, uint32_t len);

/* Linear access by the monitor on behalf of the guest (no segmentation:
 * callers add the segment base, see monitor/cpu.h seg_read()).  With paging
 * off this is physical access; with paging on it walks the guest page tables
 * and returns false with *ev = #PF when the guest would fault.  `user` asks
 * for a CPL 3 access check. */
bool gmem_read_lin(struct vcpu *v, uint32_t lin, void *dst, uint32_t len, bool user, struct event *ev);
bool gmem_write_lin(struct vcpu *v, uint32_t lin, const void *src, uint32_t len, bool user, struct event *ev);

/* The guest accessed guest-physical pa, where there is neither RAM nor a
 * device.  Without cfg.strict_memory: warn once, return true (the access
 * goes on: reads all-ones, writes lost).  With it: stop the VM with a
 * message, *ev = nothing to deliver, return false. */
bool gmem_nonexistent(struct vcpu *v, uint64_t pa, bool write, struct event *ev);

/* Make the window mapping of guest physical page `pfn` read-only (translated
 * code lives on it) or writable again.  Paging off: linear page = pfn. */
void gmem_protect_code_page(struct vm *vm, uint32_t pfn, bool protect);
