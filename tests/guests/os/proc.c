/*
 * proc.c: processes — the process table, the round-robin scheduler, and
 * fork, exit, wait and kill.
 *
 * Every process has its own page directory and its own kernel stack.  While
 * a process runs in ring 3 its kernel stack is empty; a trap pushes a
 * struct trapframe at its top (the CPU takes the stack from TSS.esp0).  A
 * switch happens in sched(): it saves the x87/SSE registers (fxsave, SDM
 * Vol. 1 §10.5.1; kernel code never touches them), loads the next process's
 * CR3, TSS.esp0 and FPU registers, and swaps kernel stacks (switch_stack in
 * boot.S).  The next process resumes inside its own earlier call to sched()
 * and returns from its trap with iret.  A fresh process has a kernel stack
 * built by kstack_prepare: a trapframe plus a switch frame whose return
 * address is trap_return, so its first "return" is the iret to ring 3.
 *
 * Scheduling is round robin over the process table: sched() picks the next
 * runnable process after the current one.  When nothing can run, it idles
 * with `sti; hlt` (the only place the kernel takes interrupts) until one
 * can: a process in sleep() waits for the timer interrupt that brings the
 * tick count to its wake_tick (proc_wake_sleepers, called by trap.c).
 *
 *   struct proc *p = proc_create_first(entry);   // init, pid 1
 *   proc_start();                                // never returns
 */
#include "os.h"

struct proc *current;
static struct proc procs[NPROC];
static int next_pid = 1;
static struct fpu_state fpu_initial;   /* FPU registers after fninit */
static uint32_t boot_esp;              /* the boot stack, abandoned at start */
static unsigned frames_at_boot;        /* free frames before init existed */

static uint32_t kstack_top(struct proc *p)
{
    return (uint32_t)p->kstack + KSTACK_SIZE;
}

static struct proc *proc_find(int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state != P_FREE && procs[i].pid == pid)
            return &procs[i];
    return 0;
}

static struct proc *proc_alloc(void)
{
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &procs[i];
        if (p->state != P_FREE)
            continue;
        p->pgdir = pgdir_new();
        if (!p->pgdir)
            return 0;
        p->pid = next_pid++;
        p->fpu = fpu_initial;
        return p;
    }
    return 0;
}

/* Lay out a fresh kernel stack: the trapframe to iret with, and below it
 * what switch_stack pops (edi, esi, ebx, ebp, return address). */
static void kstack_prepare(struct proc *p, const struct trapframe *tf)
{
    struct trapframe *top = (struct trapframe *)(kstack_top(p) - sizeof *tf);
    *top = *tf;
    uint32_t *sp = (uint32_t *)top;
    *--sp = (uint32_t)trap_return;
    for (int i = 0; i < 4; i++)
        *--sp = 0;
    p->kesp = (uint32_t)sp;
}

void proc_init(void)
{
    asm volatile("fninit; fxsave %0" : "=m"(fpu_initial));
    frames_at_boot = frame_free_count();
}

/* Init: the shared user text mapped read-only, a private copy of the user
 * data, an empty heap, and a stack that appears on first touch. */
struct proc *proc_create_first(uint32_t entry)
{
    struct proc *p = proc_alloc();
    if (!p)
        panic("no memory for init");
    uint32_t text_pa = (uint32_t)_user_text_lma, data_pa = (uint32_t)_user_data_lma;
    for (uint32_t va = (uint32_t)_user_text_start; va < (uint32_t)_user_text_end; va += PAGE_SIZE)
        if (page_map(p->pgdir, va, text_pa + (va - USER_BASE), PTE_U) < 0)
            panic("no memory for init's text");
    for (uint32_t va = (uint32_t)_user_data_start; va < (uint32_t)_user_data_end; va += PAGE_SIZE) {
        uint32_t pa = frame_alloc();
        if (!pa || page_map(p->pgdir, va, pa, PTE_U | PTE_W) < 0)
            panic("no memory for init's data");
        memcpy(P2V(pa), P2V(data_pa + (va - (uint32_t)_user_data_start)), PAGE_SIZE);
    }
    p->heap_start = p->brk = (uint32_t)_user_data_end;
    struct trapframe tf = {
        .gs = SEL_UDATA, .fs = SEL_UDATA, .es = SEL_UDATA, .ds = SEL_UDATA,
        .eip = entry, .cs = SEL_UCODE, .eflags = 0x202 /* IF */,
        .esp = USER_END, .ss = SEL_UDATA,
    };
    kstack_prepare(p, &tf);
    p->state = P_RUNNABLE;
    return p;
}

static void proc_switch_to(struct proc *prev, struct proc *next)
{
    asm volatile("fxsave %0" : "=m"(prev->fpu));
    current = next;
    tss_set_kernel_stack(kstack_top(next));
    pgdir_activate(next->pgdir);
    asm volatile("fxrstor %0" ::"m"(next->fpu));
    switch_stack(&prev->kesp, next->kesp);
}

void proc_start(void)
{
    struct proc *first = &procs[0];
    current = first;
    tss_set_kernel_stack(kstack_top(first));
    pgdir_activate(first->pgdir);
    asm volatile("fxrstor %0" ::"m"(first->fpu));
    switch_stack(&boot_esp, first->kesp);
    panic("boot stack resumed");
}

/* The next runnable process after prev in table order, prev itself last. */
static struct proc *sched_pick(struct proc *prev)
{
    int at = (int)(prev - procs);
    for (int k = 1; k <= NPROC; k++) {
        struct proc *p = &procs[(at + k) % NPROC];
        if (p->state == P_RUNNABLE)
            return p;
    }
    return 0;
}

static void sched(void)
{
    struct proc *prev = current, *next;
    while (!(next = sched_pick(prev)))
        asm volatile("sti; hlt; cli"); /* sti's one-instruction shadow: no lost wakeup */
    if (next != prev)
        proc_switch_to(prev, next);
}

void sched_yield(void)
{
    sched();
}

int proc_fork(struct trapframe *tf)
{
    struct proc *child = proc_alloc();
    if (!child)
        return -1;
    int err = pgdir_copy_cow(child->pgdir, current->pgdir);
    pgdir_activate(current->pgdir); /* the parent's writable PTEs became read-only */
    if (err < 0) {
        pgdir_free(child->pgdir);
        return -1;
    }
    child->ppid = current->pid;
    child->heap_start = current->heap_start;
    child->brk = current->brk;
    asm volatile("fxsave %0" : "=m"(child->fpu)); /* the parent's live registers */
    struct trapframe ctf = *tf;
    ctf.eax = 0; /* fork() returns 0 in the child */
    kstack_prepare(child, &ctf);
    child->state = P_RUNNABLE;
    return child->pid;
}

/* The machine stops when init exits; every frame but init's page directory
 * (still in CR3) must be free again: a check that fork, exit, wait, sbrk
 * and the fault handler leak nothing. */
static void init_exit(int status)
{
    pgdir_free_user(current->pgdir);
    unsigned now = frame_free_count() + 1;
    if (now != frames_at_boot) {
        kprintf("FAIL - kernel: %u of %u frames still in use after init exited\n",
                frames_at_boot - now, frames_at_boot);
        machine_exit(1);
    }
    kprintf("os: init exited with status %d, all %u frames free again\n", status, now);
    machine_exit(status & 0xff);
}

void proc_exit(int status)
{
    if (current->pid == 1)
        init_exit(status);
    pgdir_free_user(current->pgdir); /* the directory goes when the parent reaps */
    struct proc *init = proc_find(1);
    for (int i = 0; i < NPROC; i++) {
        if (procs[i].state != P_FREE && procs[i].ppid == current->pid) {
            procs[i].ppid = 1;  /* orphans go to init, who reaps them */
            if (procs[i].state == P_ZOMBIE && init->state == P_WAITING)
                init->state = P_RUNNABLE;
        }
    }
    current->status = status;
    current->state = P_ZOMBIE;
    struct proc *parent = proc_find(current->ppid);
    if (parent && parent->state == P_WAITING)
        parent->state = P_RUNNABLE;
    sched();
    panic("pid %d ran after exit", current->pid);
}

/* Block the caller for nticks timer ticks (at least until the tick count
 * has advanced by nticks). */
void proc_sleep(uint32_t nticks)
{
    if (!nticks)
        return;
    current->wake_tick = ticks + nticks;
    current->state = P_SLEEPING;
    sched();
}

/* Every sleeper whose tick has come becomes runnable (wrap-safe compare). */
void proc_wake_sleepers(uint32_t now)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_SLEEPING && (int32_t)(now - procs[i].wake_tick) >= 0)
            procs[i].state = P_RUNNABLE;
}

int proc_wait(uint32_t status_addr)
{
    for (;;) {
        int children = 0;
        for (int i = 0; i < NPROC; i++) {
            struct proc *p = &procs[i];
            if (p->state == P_FREE || p->ppid != current->pid)
                continue;
            children++;
            if (p->state != P_ZOMBIE)
                continue;
            if (status_addr)
                *(volatile int *)status_addr = p->status; /* may fault: COW, demand-zero */
            frame_decref(V2P(p->pgdir));
            p->state = P_FREE;
            return p->pid;
        }
        if (!children)
            return -1;
        current->state = P_WAITING;
        sched();
    }
}

void proc_kill(int vector, const char *why, uint32_t addr, uint32_t error)
{
    if (vector == VEC_PF)
        kprintf("pid %d killed: page fault at 0x%x (error 0x%x)\n", current->pid, addr, error);
    else
        kprintf("pid %d killed: %s at eip 0x%x (error 0x%x)\n", current->pid, why, addr, error);
    proc_exit(KILLED_BY(vector));
}
