/*
 * syscall.c: the system calls behind `int $0x80` (numbers in syscall.h).
 *
 * Arguments arrive in EBX, ECX, EDX of the saved trapframe and the result
 * goes back in its EAX.  Pointers from user space are checked against the
 * user half before the kernel touches them; the access itself may still
 * fault (a demand-zero or copy-on-write page, or a hole), which fault.c
 * repairs or turns into killing the caller.
 *
 *   syscall_dispatch(tf);   // from trap() for vector 0x80
 */
#include "os.h"

int user_range_ok(uint32_t addr, uint32_t len)
{
    return addr >= USER_BASE && addr <= USER_END && len <= USER_END - addr;
}

static int sys_write(uint32_t fd, uint32_t buf, uint32_t len)
{
    if ((fd != 1 && fd != 2) || !user_range_ok(buf, len))
        return -1;
    console_write((const char *)buf, len);
    return (int)len;
}

/* Heap growth: new pages are mapped only when touched (fault.c); shrinking
 * frees the pages wholly above the new break. */
static int sys_sbrk(int32_t increment)
{
    struct proc *p = current;
    uint32_t old = p->brk, brk = old + (uint32_t)increment;
    uint32_t limit = USER_END - USTACK_MAX - PAGE_SIZE; /* a guard page below the stack */
    if (increment > 0 && (brk > limit || brk < old))
        return -1;
    if (increment < 0 && (brk < p->heap_start || brk > old))
        return -1;
    uint32_t keep = (brk + PAGE_SIZE - 1) & PTE_FRAME;
    for (uint32_t va = keep; va < old; va += PAGE_SIZE)
        page_unmap(p->pgdir, va);
    p->brk = brk;
    return (int)old;
}

static int sys_wait(uint32_t status_addr)
{
    if (status_addr && !user_range_ok(status_addr, 4))
        return -1;
    return proc_wait(status_addr);
}

void syscall_dispatch(struct trapframe *tf)
{
    int r = -1;
    switch (tf->eax) {
    case SYS_WRITE: r = sys_write(tf->ebx, tf->ecx, tf->edx); break;
    case SYS_GETPID: r = current->pid; break;
    case SYS_FORK: r = proc_fork(tf); break;
    case SYS_EXIT: proc_exit((int)tf->ebx);
    case SYS_WAIT: r = sys_wait(tf->ebx); break;
    case SYS_SBRK: r = sys_sbrk((int32_t)tf->ebx); break;
    case SYS_YIELD: sched_yield(); r = 0; break;
    case SYS_TICKS: r = (int)ticks; break;
    case SYS_SLEEP: proc_sleep(tf->ebx); r = 0; break;
    }
    tf->eax = (uint32_t)r;
}
