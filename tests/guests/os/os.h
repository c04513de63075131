/*
 * os.h: the kernel of the test OS — a tiny preemptive multi-process kernel
 * for 32-bit x86, booted by a Multiboot v1 loader (btvisor or QEMU).
 *
 * How the pieces fit (one file each):
 *   boot.S     entry, interrupt stubs, the trap frame, the kernel stack switch
 *   main.c     boot sequence: console, descriptors, memory, timer, first process
 *   desc.c     GDT (kernel/user segments, TSS), IDT (exceptions, IRQs, int 0x80)
 *   pic.c      8259A pair remapped to vectors 32-47, 8254 PIT at 100 Hz
 *   console.c  polled 16550 UART output, kprintf, the debug-exit port
 *   mem.c      physical frames with reference counts, page directories
 *   fault.c    user page faults (demand-zero, copy-on-write) and kills
 *   proc.c     process table, round-robin scheduler, fork/exit/wait
 *   trap.c     trap dispatch; syscall.c the int 0x80 system calls
 *   user_*.c, bench_*.c   the user programs (ring 3), linked into a separate
 *              image at USER_BASE (link.ld) whose text every process shares
 *
 * Memory: a higher-half kernel.  Physical memory [0, 16 MiB) appears at
 * KERNEL_BASE (0xC0000000) + its physical address, supervisor-only, through
 * four page tables that every page directory shares; the kernel is linked
 * there (link.ld) and reaches any frame as P2V(pa).  Nothing else is mapped
 * for the kernel: below KERNEL_BASE each process owns its user half
 * [USER_BASE, USER_END), and address 0 is unmapped everywhere (NULL faults).
 * Only boot.S runs at a physical address, with paging off, until it has
 * turned paging on and jumped to the kernel's high addresses.
 *
 * The kernel runs with interrupts disabled (every IDT entry is an interrupt
 * gate), so kernel code is never preempted: a process switch happens only at
 * sched(), from a system call or from a timer interrupt that hit ring 3.
 * Guest kernel code is single-threaded bare metal: plain globals are its state.
 */
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "layout.h"
#include "syscall.h"

/* ---- selectors of the GDT (desc.c) ---- */
#define SEL_KCODE 0x08 /* ring 0 flat code */
#define SEL_KDATA 0x10 /* ring 0 flat data */
#define SEL_UCODE 0x1b /* ring 3 flat code (index 3, RPL 3) */
#define SEL_UDATA 0x23 /* ring 3 flat data (index 4, RPL 3) */
#define SEL_TSS 0x28   /* the TSS (index 5): only ss0/esp0 are used */

#define VEC_IRQ0 32    /* the master PIC's IRQ 0 (PIT) after remapping */
#define VEC_SYSCALL 0x80

#define PAGE_SIZE 4096u
#define HZ 100                      /* timer interrupts per second */
#define NPROC 32                    /* process table size */
#define KSTACK_SIZE 8192            /* kernel stack per process */

/* The kernel's view of physical memory: frame pa lives at P2V(pa). */
#define P2V(pa) ((void *)((uint32_t)(pa) + KERNEL_BASE))
#define V2P(va) ((uint32_t)(va) - KERNEL_BASE)
_Static_assert(USER_END <= KERNEL_BASE, "the user half ends where the kernel begins");

/* ---- #PF error code bits (SDM Vol. 3A §4.7) ---- */
#define PF_P 0x1 /* 1: protection violation, 0: page not present */
#define PF_W 0x2 /* the access was a write */
#define PF_U 0x4 /* the access came from ring 3 */

/* The registers a trap saves on the kernel stack (boot.S, trap_common). */
struct trapframe {
    uint32_t gs, fs, es, ds;                       /* segment selectors */
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax; /* pushal order */
    uint32_t vector;                               /* pushed by the stub */
    uint32_t error;                                /* CPU error code or 0 */
    uint32_t eip, cs, eflags;                      /* pushed by the CPU */
    uint32_t esp, ss;                              /* only on a ring 3 -> 0 switch */
};

/* The FPU/SSE register image saved by fxsave (SDM Vol. 1 §10.5.1). */
struct fpu_state {
    uint8_t bytes[512];
} __attribute__((aligned(16)));

enum proc_state {
    P_FREE = 0, /* slot unused */
    P_RUNNABLE, /* running or ready to run */
    P_WAITING,  /* blocked in wait() until a child dies */
    P_SLEEPING, /* blocked in sleep() until ticks reaches wake_tick */
    P_ZOMBIE,   /* dead, status not yet collected by the parent */
};

struct proc {
    enum proc_state state; /* see enum proc_state */
    int pid;               /* process id, 1 = init */
    int ppid;              /* parent's pid (re-parented to 1 if it dies) */
    int status;            /* exit status, valid in P_ZOMBIE */
    uint32_t *pgdir;       /* page directory, at its kernel address P2V(frame) */
    uint32_t kesp;         /* saved kernel ESP while switched out */
    uint32_t heap_start;   /* first byte of the heap (end of the data) */
    uint32_t brk;          /* current break: heap is [heap_start, brk) */
    uint32_t wake_tick;    /* in P_SLEEPING: the tick count that wakes it */
    struct fpu_state fpu;  /* x87/SSE registers while switched out */
    uint8_t kstack[KSTACK_SIZE] __attribute__((aligned(16))); /* kernel stack */
};

/* ---- boot.S ---- */
extern uint32_t kernel_pt[KERNEL_PT_COUNT][1024]; /* the kernel map's page tables, filled by boot.S */
void switch_stack(uint32_t *save_esp, uint32_t new_esp); /* callee-saved regs */
void trap_return(void);     /* pops a trapframe and irets (fresh processes start here) */
void load_segments(void);   /* reloads CS/DS/ES/FS/GS/SS after lgdt */
extern const uint32_t trap_stub_table[]; /* entry points, indexed as trap_vectors[] */
extern const uint8_t trap_vectors[];
extern const uint32_t trap_stub_count;

/* ---- console.c ---- */
void console_init(void);
void console_write(const char *s, uint32_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void machine_exit(int code) __attribute__((noreturn));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- desc.c ---- */
void desc_init(void);
void tss_set_kernel_stack(uint32_t esp0);

/* ---- pic.c ---- */
void pic_init(void);
void pic_eoi(int irq);
void pit_init(unsigned hz);

/* ---- mem.c ---- */
void mem_init(uint32_t ram_end);
uint32_t frame_alloc(void);            /* zeroed frame, refcount 1; 0 if none */
void frame_incref(uint32_t pa);
void frame_decref(uint32_t pa);        /* frees the frame at 0 */
unsigned frame_refs(uint32_t pa);
unsigned frame_free_count(void);
uint32_t *pgdir_new(void);             /* kernel half filled in; 0 if no memory */
void pgdir_free(uint32_t *pd);         /* frees the user half and the directory */
uint32_t *pte_find(uint32_t *pd, uint32_t va, int create);
int page_map(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
void page_unmap(uint32_t *pd, uint32_t va);
int pgdir_copy_cow(uint32_t *dst, uint32_t *src);
int page_make_private(uint32_t *pte, uint32_t va); /* copy-on-write break */
void pgdir_free_user(uint32_t *pd);    /* frees the user half only */
void pgdir_activate(uint32_t *pd);
void tlb_flush_page(uint32_t va);

/* ---- fault.c ---- */
int fault_fix_page(struct proc *p, uint32_t va, uint32_t error);
void fault_handle(struct trapframe *tf);

/* ---- proc.c ---- */
extern struct proc *current;
void proc_init(void);
struct proc *proc_create_first(uint32_t entry);
void proc_start(void) __attribute__((noreturn));
void sched_yield(void);
int proc_fork(struct trapframe *tf);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(uint32_t status_addr);
void proc_sleep(uint32_t nticks);
void proc_wake_sleepers(uint32_t now);  /* from the timer interrupt */
void proc_kill(int vector, const char *why, uint32_t addr, uint32_t error) __attribute__((noreturn));

/* ---- trap.c / syscall.c ---- */
extern volatile uint32_t ticks;
void trap(struct trapframe *tf);
void syscall_dispatch(struct trapframe *tf);
int user_range_ok(uint32_t addr, uint32_t len);

/* ---- the user image (link.ld) ---- */
extern char _user_text_start[], _user_text_end[], _user_data_start[], _user_data_end[];
extern char _user_text_lma[], _user_data_lma[], _kernel_end[];
void user_init_main(void);  /* init's entry (user_init.c) */
void bench_main(void);      /* init's entry with the command line "bench" */
void idle_main(void);       /* init's entry with the command line "idle" */

/* ---- small helpers ---- */
static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t read_cr2(void)
{
    uint32_t v;
    asm volatile("movl %%cr2, %0" : "=r"(v));
    return v;
}
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
