/*
 * mem.c: physical memory and page directories.
 *
 * Physical frames between the end of the kernel image and KERNEL_MAP_END
 * (16 MiB, or the end of RAM if smaller) form a free list threaded through
 * the free frames themselves; every frame has a reference count, because
 * after fork() parent and child share frames copy-on-write.  Frames outside
 * that pool (the shared user program text inside the kernel image) are
 * never counted or freed.
 *
 * Physical memory [0, 16 MiB) is mapped at KERNEL_BASE by four page tables
 * (kernel_pt, filled by boot.S) that every page directory points to,
 * supervisor-only (U/S = 0): ring 3 cannot touch it (SDM Vol. 3A §4.6).  The
 * kernel reaches every frame there, as P2V(pa); frame numbers (pa) are what
 * page tables, CR3 and the free list hold.  Nothing below KERNEL_BASE is
 * the kernel's: page 0 is never mapped (a NULL pointer faults, in the
 * kernel as in user programs), and the user half [USER_BASE, USER_END) gets
 * page tables on demand, one set per process.
 *
 *   uint32_t *pd = pgdir_new();
 *   page_map(pd, USER_BASE, frame_alloc(), PTE_U | PTE_W);
 *   pgdir_activate(pd);
 */
#include "os.h"

#define USER_PDE_FIRST (USER_BASE >> 22)
#define USER_PDE_END (USER_END >> 22)

static uint16_t frame_refcount[KERNEL_MAP_END / PAGE_SIZE];
static uint32_t pool_start, pool_end;          /* the frame pool [start, end) */
static uint32_t free_list;                     /* first free frame, 0 = none */
static unsigned free_count;

static int in_pool(uint32_t pa)
{
    return pa >= pool_start && pa < pool_end;
}

static void page_zero(uint32_t pa)
{
    uint32_t n = PAGE_SIZE / 4, d = (uint32_t)P2V(pa);
    asm volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(0) : "memory");
}

static void page_copy(uint32_t dst_pa, uint32_t src_pa)
{
    uint32_t n = PAGE_SIZE / 4, dst = (uint32_t)P2V(dst_pa), src = (uint32_t)P2V(src_pa);
    asm volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void mem_init(uint32_t ram_end)
{
    pool_start = ((uint32_t)_kernel_end + PAGE_SIZE - 1) & PTE_FRAME;
    pool_end = ram_end < KERNEL_MAP_END ? ram_end & PTE_FRAME : KERNEL_MAP_END;
    for (uint32_t pa = pool_end; pa > pool_start; pa -= PAGE_SIZE) {
        *(uint32_t *)P2V(pa - PAGE_SIZE) = free_list;
        free_list = pa - PAGE_SIZE;
        free_count++;
    }
}

uint32_t frame_alloc(void)
{
    uint32_t pa = free_list;
    if (!pa)
        return 0;
    free_list = *(uint32_t *)P2V(pa);
    free_count--;
    frame_refcount[pa / PAGE_SIZE] = 1;
    page_zero(pa);
    return pa;
}

void frame_incref(uint32_t pa)
{
    if (in_pool(pa))
        frame_refcount[pa / PAGE_SIZE]++;
}

void frame_decref(uint32_t pa)
{
    pa &= PTE_FRAME;
    if (!in_pool(pa) || --frame_refcount[pa / PAGE_SIZE])
        return;
    *(uint32_t *)P2V(pa) = free_list;
    free_list = pa;
    free_count++;
}

unsigned frame_refs(uint32_t pa)
{
    return in_pool(pa) ? frame_refcount[(pa & PTE_FRAME) / PAGE_SIZE] : 2;
}

unsigned frame_free_count(void)
{
    return free_count;
}

uint32_t *pgdir_new(void)
{
    uint32_t pa = frame_alloc();
    if (!pa)
        return 0;
    uint32_t *pd = P2V(pa);
    for (uint32_t i = 0; i < KERNEL_PT_COUNT; i++)
        pd[KERNEL_PDE_FIRST + i] = V2P(kernel_pt[i]) | PTE_P | PTE_W; /* supervisor-only */
    return pd;
}

/* Drops every user page and page table of pd (it may be the current
 * directory: the whole TLB is flushed). */
void pgdir_free_user(uint32_t *pd)
{
    for (uint32_t i = USER_PDE_FIRST; i < USER_PDE_END; i++) {
        if (!(pd[i] & PTE_P))
            continue;
        uint32_t *pt = P2V(pd[i] & PTE_FRAME);
        for (int j = 0; j < 1024; j++)
            if (pt[j] & PTE_P)
                frame_decref(pt[j]);
        pd[i] = 0;
        frame_decref(V2P(pt));
    }
    uint32_t cr3;
    asm volatile("movl %%cr3, %0; movl %0, %%cr3" : "=r"(cr3) : : "memory");
}

void pgdir_free(uint32_t *pd)
{
    pgdir_free_user(pd);
    frame_decref(V2P(pd));
}

/* The PTE for va in pd; with create, allocates a missing page table. */
uint32_t *pte_find(uint32_t *pd, uint32_t va, int create)
{
    uint32_t *pde = &pd[va >> 22];
    if (!(*pde & PTE_P)) {
        uint32_t pt = create ? frame_alloc() : 0;
        if (!pt)
            return 0;
        /* The PDE allows everything; each PTE decides (SDM Vol. 3A §4.6:
         * the effective rights are the stricter of the two levels). */
        *pde = pt | PTE_P | PTE_W | PTE_U;
    }
    return (uint32_t *)P2V(*pde & PTE_FRAME) + ((va >> 12) & 1023);
}

int page_map(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
    uint32_t *pte = pte_find(pd, va, 1);
    if (!pte)
        return -1;
    *pte = pa | flags | PTE_P;
    return 0;
}

/* Drops the page at va (if any) from pd, the current directory. */
void page_unmap(uint32_t *pd, uint32_t va)
{
    uint32_t *pte = pte_find(pd, va, 0);
    if (!pte || !(*pte & PTE_P))
        return;
    frame_decref(*pte);
    *pte = 0;
    tlb_flush_page(va);
}

/* fork(): give dst the same user pages as src.  Writable pages become
 * read-only + PTE_COW in both, so the first write to either copy faults and
 * fault.c gives the writer a private copy.  The caller flushes src's TLB. */
int pgdir_copy_cow(uint32_t *dst, uint32_t *src)
{
    for (uint32_t i = USER_PDE_FIRST; i < USER_PDE_END; i++) {
        if (!(src[i] & PTE_P))
            continue;
        uint32_t *spt = P2V(src[i] & PTE_FRAME);
        for (uint32_t j = 0; j < 1024; j++) {
            if (!(spt[j] & PTE_P))
                continue;
            if (spt[j] & PTE_W)
                spt[j] = (spt[j] & ~PTE_W) | PTE_COW;
            if (page_map(dst, (i << 22) | (j << 12), spt[j] & PTE_FRAME, spt[j] & 0xfff) < 0)
                return -1;
            frame_incref(spt[j]);
        }
    }
    return 0;
}

/* Copy-on-write fault: give the current process its own copy of the page
 * behind *pte (or keep the frame if nobody else shares it any more). */
int page_make_private(uint32_t *pte, uint32_t va)
{
    uint32_t old = *pte & PTE_FRAME;
    if (frame_refs(old) > 1) {
        uint32_t copy = frame_alloc();
        if (!copy)
            return -1;
        page_copy(copy, old);
        frame_decref(old);
        old = copy;
    }
    *pte = old | ((*pte & 0xfff & ~PTE_COW) | PTE_W);
    tlb_flush_page(va);
    return 0;
}

void pgdir_activate(uint32_t *pd)
{
    asm volatile("movl %0, %%cr3" ::"r"(V2P(pd)) : "memory");
}

void tlb_flush_page(uint32_t va)
{
    asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}
