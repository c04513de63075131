/*
 * main.c: the boot sequence of the test OS.
 *
 * The Multiboot loader enters _start (boot.S) with paging off; kmain then
 *   1. starts the UART console,
 *   2. installs its GDT, TSS and IDT (desc.c),
 *   3. enables the FPU/SSE registers for user programs (CR0.MP/NE, CR4.OSFXSR),
 *   4. builds the kernel half of the address space and the frame pool (mem.c),
 *   5. creates init, pid 1 (proc.c) and turns paging on with its directory,
 *   6. remaps the PICs and starts the PIT at 100 Hz (pic.c),
 *   7. enters init in ring 3; from then on the kernel only runs in traps.
 * With the word "bench" on the Multiboot command line (-append bench), init
 * runs the micro-benchmarks (bench_main.c) instead of the process mix.
 */
#include "os.h"

#define MB_MAGIC 0x2badb002u
#define MB_FLAG_MEM 0x1     /* mem_lower/mem_upper valid (Multiboot 0.6.96 §3.3) */
#define MB_FLAG_CMDLINE 0x4 /* cmdline valid */

struct mb_info {
    uint32_t flags;               /* which fields below are valid */
    uint32_t mem_lower, mem_upper; /* KiB below 1 MiB, KiB above 1 MiB */
    uint32_t boot_device;         /* unused */
    uint32_t cmdline;             /* physical address of a C string */
};

#define CR0_MP (1u << 1)   /* monitor coprocessor: wait/fwait honour TS */
#define CR0_EM (1u << 2)   /* x87 emulation: must be clear */
#define CR0_TS (1u << 3)   /* task switched: no lazy FPU switching here */
#define CR0_NE (1u << 5)   /* native x87 error reporting (#MF) */
#define CR0_WP (1u << 16)  /* supervisor writes honour read-only pages */
#define CR0_PG (1u << 31)
#define CR4_OSFXSR (1u << 9)     /* fxsave/fxrstor and SSE allowed */
#define CR4_OSXMMEXCPT (1u << 10) /* SIMD exceptions raise #XM */

/* Is `word` one of the space-separated words of the command line?  (QEMU
 * and btvisor pass "<kernel path> <-append string>".) */
static int cmdline_has(const struct mb_info *mbi, const char *word)
{
    if (!(mbi->flags & MB_FLAG_CMDLINE) || !mbi->cmdline)
        return 0;
    const char *s = (const char *)mbi->cmdline;
    size_t n = strlen(word);
    while (*s) {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        if ((size_t)(s - w) == n && memcmp(w, word, n) == 0)
            return 1;
    }
    return 0;
}

/* fxsave/fxrstor need CPUID.1:EDX.FXSR (bit 24) and CR4.OSFXSR (SDM Vol. 3A
 * §13.1); SSE2 (bit 26) is used by the SSE user programs. */
static void cpu_init_fpu(void)
{
    uint32_t eax = 1, ebx, ecx, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    if (!(edx & (1u << 24)) || !(edx & (1u << 26)))
        panic("the CPU lacks fxsave or SSE2 (cpuid.1 edx 0x%x)", edx);
    uint32_t cr0, cr4;
    asm volatile("movl %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    asm volatile("movl %0, %%cr0" ::"r"(cr0));
    asm volatile("movl %%cr4, %0" : "=r"(cr4));
    asm volatile("movl %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
}

static void paging_enable(uint32_t *pgdir)
{
    uint32_t cr0;
    pgdir_activate(pgdir);
    asm volatile("movl %%cr0, %0" : "=r"(cr0));
    asm volatile("movl %0, %%cr0" ::"r"(cr0 | CR0_PG | CR0_WP) : "memory");
}

void kmain(uint32_t magic, const struct mb_info *mbi)
{
    console_init();
    if (magic != MB_MAGIC)
        panic("not started by a Multiboot loader (eax 0x%x)", magic);
    /* Read the Multiboot information first: loaders put it just above the
     * kernel image, in memory that mem_init hands out as free frames. */
    int bench = cmdline_has(mbi, "bench");
    uint32_t ram_end = (mbi->flags & MB_FLAG_MEM) ? 0x100000 + mbi->mem_upper * 1024 : KERNEL_MAP_END;
    kprintf("os: booting\n");
    desc_init();
    cpu_init_fpu();
    mem_init(ram_end);
    proc_init();
    kprintf("os: %u free frames\n", frame_free_count());
    struct proc *init = proc_create_first(bench ? (uint32_t)bench_main : (uint32_t)user_init_main);
    paging_enable(init->pgdir);
    pic_init();
    pit_init(HZ);
    kprintf("os: starting init%s\n", bench ? " (benchmarks)" : "");
    proc_start();
}
