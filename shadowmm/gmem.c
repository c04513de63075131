/*
 * gmem.c: guest RAM and the guest window.
 *
 * At start-up gmem_init() reserves [W, W + 4 GiB + guard) PROT_NONE with one
 * mapping, so nothing else of the process can ever land inside the guest's
 * linear space, then maps the RAM memfd over its start (paging off: linear =
 * physical).  Translated code reaches the window through GS (base W) with
 * 32-bit effective addresses; an address above RAM hits the PROT_NONE
 * reservation and faults, which the monitor turns into the right guest
 * behaviour.  The monitor's own accesses use the second mapping, `ram`, which
 * is never write-protected.
 *
 *   gmem_write_phys(vm, 0x100000, buf, n);  // loader: also drops stale translations
 */
#define _GNU_SOURCE
#include "shadowmm/gmem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor/hostcall.h"
#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "shadowmm/softmmu.h"
#include "shadowmm/walk.h"
#include "tcache/tcache.h"

static int gmem_fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
}

int gmem_init(struct gmem *m, uint64_t ram_size, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->memfd = -1;
    if (ram_size < GMEM_MIN_RAM || ram_size > GMEM_MAX_RAM || ram_size % GMEM_PAGE_SIZE) {
        snprintf(err, errlen, "guest RAM size %llu is not a multiple of 4 KiB between %llu MiB and %llu MiB",
                 (unsigned long long)ram_size, GMEM_MIN_RAM >> 20, GMEM_MAX_RAM >> 20);
        return -1;
    }
    void *win = mmap((void *)GMEM_WINDOW_BASE, GMEM_WINDOW_SIZE + GMEM_WINDOW_GUARD, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (win == MAP_FAILED)
        return gmem_fail(err, errlen, "cannot reserve the 4 GiB guest window at 0x10000");
    if (win != (void *)GMEM_WINDOW_BASE) { /* kernels before 4.17 ignore MAP_FIXED_NOREPLACE */
        munmap(win, GMEM_WINDOW_SIZE + GMEM_WINDOW_GUARD);
        snprintf(err, errlen, "cannot reserve the guest window at 0x10000 (got %p)", win);
        return -1;
    }
    m->window = win;
    m->memfd = memfd_create("btvisor-guest-ram", MFD_CLOEXEC);
    if (m->memfd < 0 || ftruncate(m->memfd, (off_t)ram_size) < 0) {
        gmem_fail(err, errlen, "cannot create guest RAM");
        gmem_destroy(m);
        return -1;
    }
    m->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        gmem_fail(err, errlen, "cannot map guest RAM");
        gmem_destroy(m);
        return -1;
    }
    m->ram_size = ram_size;
    if (mmap(m->window, ram_size, GMEM_PROT_RW, MAP_SHARED | MAP_FIXED, m->memfd, 0) ==
        MAP_FAILED) {
        gmem_fail(err, errlen, "cannot map guest RAM into the guest window");
        gmem_destroy(m);
        return -1;
    }
    return 0;
}

void gmem_destroy(struct gmem *m)
{
    if (m->ram)
        munmap(m->ram, m->ram_size);
    if (m->window)
        munmap(m->window, GMEM_WINDOW_SIZE + GMEM_WINDOW_GUARD);
    if (m->memfd >= 0)
        close(m->memfd);
    memset(m, 0, sizeof *m);
    m->memfd = -1;
}

/* An access of 1, 2, 4 or 8 bytes wholly inside one device goes to it in
 * one piece (device registers care about access sizes); anything else is
 * split into bytes. */
static bool gmem_mmio_whole(const struct vm *vm, uint64_t pa, uint32_t len)
{
    const struct mmio_range *r = mmio_find(vm, pa);
    return (len == 1 || len == 2 || len == 4 || len == 8) && r && pa + len <= r->base + r->len;
}

void gmem_read_phys(struct vm *vm, uint64_t pa, void *dst, uint32_t len)
{
    uint8_t *p = gmem_phys_ptr(&vm->mem, pa, len);
    if (p) {
        memcpy(dst, p, len);
        return;
    }
    if (gmem_mmio_whole(vm, pa, len)) {
        uint64_t v = mmio_read(vm, pa, len);
        memcpy(dst, &v, len);
        return;
    }
    /* Partly or wholly outside RAM: byte by byte; nothing there reads 0xff. */
    for (uint32_t i = 0; i < len; i++) {
        const uint8_t *b = gmem_phys_ptr(&vm->mem, pa + i, 1);
        ((uint8_t *)dst)[i] = b ? *b : (uint8_t)mmio_read(vm, pa + i, 1);
    }
}

void gmem_write_phys(struct vm *vm, uint64_t pa, const void *src, uint32_t len)
{
    if (len == 0)
        return;
    if (vm->tc)
        tc_notify_phys_write(vm, pa, len);
    uint8_t *p = gmem_phys_ptr(&vm->mem, pa, len);
    if (p) {
        memcpy(p, src, len);
        shadow_notify_phys_write(vm, pa, len); /* after: the walk must see the new entries */
        return;
    }
    if (gmem_mmio_whole(vm, pa, len)) {
        uint64_t v = 0;
        memcpy(&v, src, len);
        mmio_write(vm, pa, len, v);
        return;
    }
    for (uint32_t i = 0; i < len; i++) {
        uint8_t *b = gmem_phys_ptr(&vm->mem, pa + i, 1);
        if (b)
            *b = ((const uint8_t *)src)[i];
        else
            mmio_write(vm, pa + i, 1, ((const uint8_t *)src)[i]);
    }
    shadow_notify_phys_write(vm, pa, len);
}

/* Linear access on behalf of the guest.  Paging on: walk_guest_range()
 * translates up to 8 KiB at a time, checking every page before anything is
 * read or written, so a monitor access that crosses into a faulting page
 * (a descriptor, a TSS, a stack frame) faults whole with CR2 in that page
 * and stores nothing.  Paging off: linear = physical.  The linear address
 * space wraps at 4 GiB either way (SDM Vol. 3A §3.3). */
/* Is every byte of guest-physical [pa, pa+len) RAM or a device? */
static bool gmem_phys_exists(const struct vm *vm, uint64_t pa, uint32_t len)
{
    if (gmem_phys_ptr(&vm->mem, pa, len))
        return true;
    for (uint64_t p = pa; p < pa + len; p++)
        if (!gmem_phys_ptr(&vm->mem, p, 1) && !mmio_find(vm, p))
            return false;
    return true;
}

bool gmem_nonexistent(struct vcpu *v, uint64_t pa, bool write, struct event *ev)
{
    struct vm *vm = v->vm;
    if (!vm->cfg.strict_memory) {
        /* A PC bus cycle nobody claims: reads float to all-ones, writes are
         * lost.  Guests probe like this (Linux does while booting). */
        if (!vm->warned_nonexistent)
            host_message(&vm->stats, "btvisor: warning: guest %s nonexistent memory at %#llx (EIP %#x); it reads "
                                     "as all-ones and ignores writes (--strict-memory stops instead)\n",
                         write ? "wrote to" : "read from", (unsigned long long)pa, v->eip);
        vm->warned_nonexistent = true;
        return true;
    }
    vm_request_exit(vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                    "guest %s nonexistent memory at %#llx (EIP %#x)", write ? "wrote to" : "read from",
                    (unsigned long long)pa, v->eip);
    *ev = (struct event){ .kind = EV_NONE };
    return false;
}

/* The physical pieces of a linear access (at most 3 pages, or 2 when
 * paging is off and the access wraps at 4 GiB). */
struct gmem_pieces {
    uint32_t n;
    uint32_t pa[WALK_RANGE_MAX_PAGES];
    uint32_t size[WALK_RANGE_MAX_PAGES];
    uint32_t len;  /* bytes covered */
};

/* The in-process engine: an access within one page goes through the TLB,
 * and on a miss through softmmu_translate, which walks, sets A/D and fills
 * the TLB, so that the monitor's next access to the page (the next
 * descriptor load from the GDT, the next emulated push) is a hit.  Returns
 * false when the access is for gmem_translate's general path (it crosses a
 * page); otherwise p->n is 1, or 0 with *ev the guest's #PF. */
static bool gmem_translate_soft(struct vcpu *v, uint32_t lin, uint32_t len, bool write, bool user,
                                struct gmem_pieces *p, struct event *ev)
{
    if (len == 0 || (lin & (GMEM_PAGE_SIZE - 1)) + len > GMEM_PAGE_SIZE)
        return false;
    uint32_t pa;
    if (!softmmu_lookup_pa(v, lin, write, user, &pa)) {
        uint64_t addend;
        switch (softmmu_translate(v, lin, len, write, user, &addend, &pa, ev)) {
        case SOFTMMU_OK:
            pa = (uint32_t)(addend + lin - (uint64_t)(uintptr_t)v->vm->mem.ram);
            break;
        case SOFTMMU_PAGE_FAULT:
            p->n = 0;
            return true;
        case SOFTMMU_NOT_RAM: /* a device (gmem_*_phys reach it), or nothing */
            pa = (pa & ~(GMEM_PAGE_SIZE - 1)) | (lin & (GMEM_PAGE_SIZE - 1));
            if (!gmem_phys_exists(v->vm, pa, len) && !gmem_nonexistent(v, pa, write, ev)) {
                p->n = 0;
                return true;
            }
            break;
        case SOFTMMU_CODE_WRITE: /* gmem_write_phys invalidates the translations */
        case SOFTMMU_NO_HOST:
            break;
        }
    }
    p->n = 1;
    p->len = len;
    p->pa[0] = pa;
    p->size[0] = len;
    p->pa[1] = 0;
    p->size[1] = 0;
    return true;
}

static bool gmem_translate(struct vcpu *v, uint32_t lin, uint32_t len, bool write, bool user,
                           struct gmem_pieces *p, struct event *ev)
{
    if ((v->cr0 & CR0_PG) && v->vm->softmmu && gmem_translate_soft(v, lin, len, write, user, p, ev))
        return p->n != 0;
    if (v->cr0 & CR0_PG) {
        struct walk_range r;
        if (!walk_guest_range(v, lin, len, write ? WALK_WRITE : WALK_READ, user, &r, ev))
            return false;
        p->n = r.n;
        p->len = r.len;
        memcpy(p->pa, r.pa, sizeof r.pa);
        memcpy(p->size, r.size, sizeof r.size);
    } else {
        /* Paging off: linear = physical, wrapping at 4 GiB (SDM Vol. 3A §3.3). */
        uint64_t room = (1ull << 32) - lin;
        p->len = len;
        p->n = room < len ? 2 : 1;
        p->pa[0] = lin;
        p->size[0] = room < len ? (uint32_t)room : len;
        p->pa[1] = 0;
        p->size[1] = len - p->size[0];
    }
    for (uint32_t i = 0; i < p->n; i++)
        if (!gmem_phys_exists(v->vm, p->pa[i], p->size[i]) && !gmem_nonexistent(v, p->pa[i], write, ev))
            return false;
    return true;
}

/* The in-process engine's shortcut for an access within one page whose
 * TLB entry is there: the entry says it is RAM, and a write tag also says
 * the page holds no translated code (so nothing needs telling), exactly as
 * for translated code's own accesses.  NULL when the long way is needed. */
static uint8_t *gmem_tlb_hit(struct vcpu *v, uint32_t lin, uint32_t len, bool write, bool user)
{
    uint32_t pa;
    if (!v->vm->softmmu || len == 0 || (lin & (GMEM_PAGE_SIZE - 1)) + len > GMEM_PAGE_SIZE ||
        !softmmu_lookup_pa(v, lin, write, user, &pa))
        return NULL;
    return v->vm->mem.ram + pa;
}

bool gmem_read_lin(struct vcpu *v, uint32_t lin, void *dst, uint32_t len, bool user, struct event *ev)
{
    uint8_t *host = gmem_tlb_hit(v, lin, len, false, user);
    if (host) {
        memcpy(dst, host, len);
        return true;
    }
    struct gmem_pieces p;
    for (uint32_t done = 0; done < len; done += p.len) {
        if (!gmem_translate(v, lin + done, len - done, false, user, &p, ev))
            return false;
        for (uint32_t i = 0, off = done; i < p.n; off += p.size[i++])
            gmem_read_phys(v->vm, p.pa[i], (uint8_t *)dst + off, p.size[i]);
    }
    return true;
}

bool gmem_write_lin(struct vcpu *v, uint32_t lin, const void *src, uint32_t len, bool user,
                    struct event *ev)
{
    uint8_t *host = gmem_tlb_hit(v, lin, len, true, user);
    if (host) {
        memcpy(host, src, len);
        return true;
    }
    struct gmem_pieces p;
    for (uint32_t done = 0; done < len; done += p.len) {
        if (!gmem_translate(v, lin + done, len - done, true, user, &p, ev))
            return false;
        for (uint32_t i = 0, off = done; i < p.n; off += p.size[i++])
            gmem_write_phys(v->vm, p.pa[i], (const uint8_t *)src + off, p.size[i]);
    }
    return true;
}

void gmem_protect_code_page(struct vm *vm, uint32_t pfn, bool protect)
{
    if (vm->softmmu) { /* no host protection: the TLBs simply lose their write tags */
        if (protect)
            softmmu_drop_write_tags(&vm->cpu, pfn);
        return;
    }
    if (vm->cpu.cr0 & CR0_PG) { /* every linear alias of the page, in the shadow */
        shadow_update_page(vm, pfn);
        return;
    }
    uint64_t pa = (uint64_t)pfn * GMEM_PAGE_SIZE;
    if (pa >= vm->mem.ram_size)
        return;
    int prot = protect ? GMEM_PROT_RO : GMEM_PROT_RW;
    if (host_mprotect(&vm->stats, vm->mem.window + pa, GMEM_PAGE_SIZE, prot) != 0)
        vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "mprotect of guest page %#x failed: %s",
                        pfn, strerror(errno));
}
