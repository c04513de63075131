/*
 * fault.c: exceptions — the page faults the kernel repairs and the ones
 * that kill a process.
 *
 * A #PF (SDM Vol. 3A §4.7: CR2 holds the linear address, the error code
 * says P = protection/not-present, W/R, U/S) is repaired when
 *   - the page is not present and lies in the heap [heap_start, brk) or the
 *     stack area [USER_END - USTACK_MAX, USER_END): map a fresh zero page
 *     (demand-zero: sbrk and stack growth cost nothing until touched);
 *   - a write hit a present page marked PTE_COW: copy it (copy-on-write).
 * The same repair serves the kernel when it touches user memory for a
 * system call (CR0.WP = 1 makes supervisor writes honour read-only pages,
 * §4.1.3, so a COW page is never written in place by mistake).
 *
 * Anything else kills the process that caused it, with a message like
 *   pid 7 killed: page fault at 0x0 (error 0x4)
 * and exit status KILLED_BY(vector); the other processes carry on.  A fault
 * in the kernel's own code is a bug: panic.
 *
 *   fault_handle(tf);   // from trap() for vectors 0-31
 */
#include "os.h"


static const char *const fault_names[32] = {
    [0] = "divide error", [1] = "debug", [3] = "breakpoint", [4] = "overflow",
    [5] = "bound range", [6] = "invalid opcode", [7] = "device not available",
    [8] = "double fault", [10] = "invalid TSS", [11] = "segment not present",
    [12] = "stack fault", [13] = "general protection", [14] = "page fault",
    [16] = "x87 error", [17] = "alignment check", [19] = "SIMD error",
};

/* Returns 0 when the fault at va was legitimate and is now fixed. */
int fault_fix_page(struct proc *p, uint32_t va, uint32_t error)
{
    if (va < USER_BASE || va >= USER_END)
        return -1;
    uint32_t page = va & PTE_FRAME;
    if (error & PF_P) {
        uint32_t *pte = pte_find(p->pgdir, va, 0);
        if ((error & PF_W) && pte && (*pte & PTE_COW))
            return page_make_private(pte, page);
        return -1;
    }
    int in_heap = va >= p->heap_start && va < p->brk;
    int in_stack = va >= USER_END - USTACK_MAX;
    if (!in_heap && !in_stack)
        return -1;
    uint32_t pa = frame_alloc();
    if (!pa)
        return -1;
    if (page_map(p->pgdir, page, pa, PTE_U | PTE_W) < 0) {
        frame_decref(pa);
        return -1;
    }
    return 0;
}

void fault_handle(struct trapframe *tf)
{
    uint32_t vec = tf->vector;
    int from_user = (tf->cs & 3) == 3;
    const char *name = vec < 32 && fault_names[vec] ? fault_names[vec] : "exception";
    if (vec == VEC_PF) {
        uint32_t va = read_cr2();
        if (current && fault_fix_page(current, va, tf->error) == 0)
            return;
        /* A kernel access to user memory on behalf of a system call is the
         * caller's fault (a bad pointer), not a kernel bug. */
        if (current && (from_user || (va >= USER_BASE && va < USER_END)))
            proc_kill(VEC_PF, name, va, tf->error);
        panic("page fault at 0x%x (error 0x%x) in the kernel at eip 0x%x", va, tf->error, tf->eip);
    }
    if (from_user)
        proc_kill((int)vec, name, tf->eip, tf->error);
    panic("%s (vector %u, error 0x%x) in the kernel at eip 0x%x", name, vec, tf->error, tf->eip);
}
