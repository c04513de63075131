/*
 * main.c: the boot sequence of the test OS.
 *
 * The Multiboot loader enters _start (boot.S), which turns paging on with
 * the kernel mapped at KERNEL_BASE and calls kmain at its high address with
 * the Multiboot information's physical address; kmain then
 *   1. starts the UART console and reads the command line,
 *   2. installs its GDT, TSS and IDT (desc.c),
 *   3. enables the FPU/SSE registers for user programs (CR0.MP/NE, CR4.OSFXSR),
 *   4. builds the frame pool (mem.c),
 *   5. creates init, pid 1 (proc.c), whose directory replaces boot.S's,
 *   6. remaps the PICs and starts the PIT at 100 Hz (pic.c),
 *   7. enters init in ring 3; from then on the kernel only runs in traps.
 * A word on the Multiboot command line (-append WORD) picks init's program:
 *   (none)  the process mix and its checks (user_init.c)
 *   bench   the micro-benchmarks (bench_main.c)
 *   idle    sleep about 5 s with nothing to run (user_idle.c): the machine
 *           sits in the kernel's hlt loop, woken by the 100 Hz timer
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
#define CR4_OSFXSR (1u << 9)     /* fxsave/fxrstor and SSE allowed */
#define CR4_OSXMMEXCPT (1u << 10) /* SIMD exceptions raise #XM */

/* Is `word` one of the space-separated words of the command line?  (QEMU
 * and btvisor pass "<kernel path> <-append string>".) */
static int cmdline_has(const struct mb_info *mbi, const char *word)
{
    if (!(mbi->flags & MB_FLAG_CMDLINE) || !mbi->cmdline || mbi->cmdline >= KERNEL_MAP_END)
        return 0;
    const char *s = P2V(mbi->cmdline);
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

/* Init's program, as chosen by the command line; *what names it. */
static uint32_t init_entry(const struct mb_info *mbi, const char **what)
{
    if (cmdline_has(mbi, "bench")) {
        *what = " (benchmarks)";
        return (uint32_t)bench_main;
    }
    if (cmdline_has(mbi, "idle")) {
        *what = " (idle)";
        return (uint32_t)idle_main;
    }
    *what = "";
    return (uint32_t)user_init_main;
}

void kmain(uint32_t magic, uint32_t mbi_pa)
{
    console_init();
    if (magic != MB_MAGIC)
        panic("not started by a Multiboot loader (eax 0x%x)", magic);
    if (mbi_pa >= KERNEL_MAP_END - sizeof(struct mb_info))
        panic("the Multiboot information at 0x%x lies outside the kernel map", mbi_pa);
    /* Read the Multiboot information first: loaders put it just above the
     * kernel image, in memory that mem_init hands out as free frames. */
    const struct mb_info *mbi = P2V(mbi_pa);
    const char *what;
    uint32_t entry = init_entry(mbi, &what);
    uint32_t ram_end = (mbi->flags & MB_FLAG_MEM) ? 0x100000 + mbi->mem_upper * 1024 : KERNEL_MAP_END;
    kprintf("os: booting (kernel at 0x%x)\n", (uint32_t)kmain);
    desc_init();
    cpu_init_fpu();
    mem_init(ram_end);
    proc_init();
    kprintf("os: %u free frames\n", frame_free_count());
    proc_create_first(entry);
    pic_init();
    pit_init(HZ);
    kprintf("os: starting init%s\n", what);
    proc_start();
}
