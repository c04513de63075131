/*
 * fuzz_guest.c: a guest kernel that executes random instruction streams and
 * reports, for each, the vector that ended it.  The random-code fuzzer
 * (tests/fuzz/btv_fuzz.c) boots it thousands of times; btvisor must end
 * every boot with a guest-visible outcome (docs/TESTING.md "Random-code
 * fuzzer").
 *
 * The command line chooses the run: "seed=S ring=0|3 paging=0|1 streams=N".
 * Stream i of seed S is generated here from a PRNG seeded with (S, i), so a
 * (seed, stream) pair is a reproducer on any machine, and the same boot on
 * QEMU runs the same bytes.  Each stream is 8..48 random bytes in one of four
 * styles (uniform bytes; bytes with legacy prefixes 66/67/f0/f2/f3/segment
 * overrides injected; 0f-escape instruction shapes; x87/SSE shapes),
 * followed by `int $0x71` (the stream ran off its end) and int3 fill.
 *
 * Before each stream the guest rebuilds its world, since random ring-0 code
 * may have wrecked it: GDT, IDT (all 256 vectors report, gates DPL 3 so user
 * code reaches int n), TSS, control registers (paging=1: CR4.PSE and 4 MiB
 * identity pages over the 64 MiB machine, supervisor-only except the 4 MiB
 * fuzz region at 8 MiB), the PIC (IRQ 0 at vector 0x20) and the PIT at
 * 1 kHz.  The general registers point into the scratch page area so most
 * random memory accesses land there.  The stream runs at CPL 0 or 3 with
 * IF=1; the first vector it raises ends it — except timer ticks, of which a
 * stream gets FUZZ_TICKS before it counts as a loop ("timer").  The report is
 * one line per stream:
 *
 *   s3 v14 e0x6 eip 0x00800012      (vector 14, error code 6)
 *   fuzz: 16 streams
 *
 * then debug-exit 0 (status 1).  Random code can also end the whole boot
 * (triple fault, hlt with IF=0, a write to the debug-exit port, a loop with
 * IF=0): those are guest outcomes too.
 *
 *   btvisor -kernel build/tests/guests/fuzz.elf -append "seed=7 ring=3 paging=1 streams=16"
 */
#include "rt.h"

RT_GUEST("fuzz");

#define FUZZ_CODE 0x00800000u      /* the stream's code page (8 MiB) */
#define FUZZ_DATA 0x00801000u      /* scratch pages random accesses mostly hit */
#define FUZZ_DATA_SIZE 0x10000u
#define FUZZ_USTACK 0x0081f000u    /* stack of the stream (any ring) */
#define FUZZ_REGION_PDE 2u         /* [8, 12 MiB): the user-accessible 4 MiB page */
#define FUZZ_VEC_END 0x71u         /* int $0x71 after the stream: it ran off its end */
#define FUZZ_VEC_TIMER 0x20u
#define FUZZ_TICKS 3u              /* timer ticks a stream may take (1 kHz) */
#define FUZZ_MAX_LEN 48u

#define CR0_PE 0x1u
#define CR0_ET 0x10u
#define CR0_NE 0x20u                /* x87 errors as #MF (vector 16), not IRQ 13 */
#define CR0_PG 0x80000000u
#define CR4_PSE 0x10u
#define CR4_OSFXSR 0x200u           /* SSE instructions execute (the CPU advertises SSE2) */
#define CR4_OSXMMEXCPT 0x400u       /* SIMD floating-point errors as #XM (vector 19) */
#define PG_P 0x1u
#define PG_W 0x2u
#define PG_U 0x4u
#define PG_PS 0x80u
#define PG_LARGE_FLAGS(user) (PG_P | PG_W | PG_PS | ((user) ? PG_U : 0u))

/* The run, from the command line. */
static struct {
    uint32_t seed, ring, paging, streams;
} fuzz_cfg = { 1, 0, 0, 16 };

/* The stream being run (read by the trap handler). */
static volatile uint32_t fuzz_stream, fuzz_ticks;
static uint64_t fuzz_rng_state;
static uint32_t fuzz_pd[1024] __attribute__((aligned(4096)));
uint8_t fuzz_kstack[8192] __attribute__((aligned(16)));

/* fuzz_guest_asm.S */
void fuzz_enter(uint32_t cs, uint32_t ss, uint32_t eip, uint32_t esp, uint32_t eflags, const uint32_t *gprs)
    __attribute__((noreturn));
void fuzz_resume(void);
void fuzz_next(void) __attribute__((noreturn));
void rt_tables_init(void); /* rt/desc.c: the runtime GDT, IDT and TSS, rebuilt */

/* xorshift64*: small, and the same sequence on every machine. */
static uint32_t fuzz_rand(void)
{
    uint64_t x = fuzz_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    fuzz_rng_state = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

static void fuzz_seed(uint32_t seed, uint32_t stream)
{
    fuzz_rng_state = ((uint64_t)seed << 32 | stream) * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (!fuzz_rng_state)
        fuzz_rng_state = 1;
    for (int i = 0; i < 4; i++)
        (void)fuzz_rand();
}

static uint32_t fuzz_parse_uint(const char *s)
{
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint32_t)(*s++ - '0');
    return v;
}

static void fuzz_parse_cmdline(const struct mb_info *mbi)
{
    if (!(mbi->flags & 4) || !mbi->cmdline)
        return;
    static const char *const keys[] = { "seed=", "ring=", "paging=", "streams=" };
    uint32_t *vals[] = { &fuzz_cfg.seed, &fuzz_cfg.ring, &fuzz_cfg.paging, &fuzz_cfg.streams };
    for (const char *p = (const char *)mbi->cmdline; *p; p++)
        for (unsigned k = 0; k < 4; k++) {
            unsigned n = 0;
            while (keys[k][n] && p[n] == keys[k][n])
                n++;
            if (!keys[k][n] && (p == (const char *)mbi->cmdline || p[-1] == ' '))
                *vals[k] = fuzz_parse_uint(p + n);
        }
    fuzz_cfg.ring = fuzz_cfg.ring ? 3 : 0;
}

/* ---- generating a stream ---- */

static const uint8_t fuzz_prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3 };

static unsigned fuzz_put_random(uint8_t *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        c[i] = (uint8_t)fuzz_rand();
    return n;
}

/* One instruction-shaped group: optional prefixes, an opcode of the style,
 * a ModRM and up to 5 more random bytes (SIB, displacement, immediate). */
static unsigned fuzz_put_shaped(uint8_t *c, unsigned style)
{
    unsigned n = 0, r = fuzz_rand();
    for (unsigned p = r & 3; p > 1; p--)
        c[n++] = fuzz_prefixes[fuzz_rand() % sizeof fuzz_prefixes];
    if (style == 2) {
        c[n++] = 0x0f;
        c[n++] = (uint8_t)fuzz_rand();
    } else if ((r >> 4) & 1) {
        c[n++] = (uint8_t)(0xd8 + (fuzz_rand() & 7)); /* x87 escape */
    } else {
        static const uint8_t sse[] = { 0x10, 0x11, 0x28, 0x29, 0x2a, 0x2c, 0x2e, 0x51, 0x54, 0x57, 0x58, 0x59,
                                       0x5c, 0x5e, 0x6f, 0x7f, 0xae, 0xc2, 0xc6, 0xd6, 0xe7, 0xef };
        c[n++] = 0x0f;
        c[n++] = sse[fuzz_rand() % sizeof sse];
    }
    return n + fuzz_put_random(c + n, 1 + fuzz_rand() % 6);
}

/* Write stream `i` to the code page; returns its length. */
static unsigned fuzz_generate(uint8_t *code)
{
    unsigned style = fuzz_rand() & 3, len = 8 + fuzz_rand() % (FUZZ_MAX_LEN - 8 + 1), n = 0;
    while (n < len) {
        if (style == 0) {
            n += fuzz_put_random(code + n, 1);
        } else if (style == 1) {
            if (fuzz_rand() % 10 < 3)
                code[n++] = fuzz_prefixes[fuzz_rand() % sizeof fuzz_prefixes];
            else
                n += fuzz_put_random(code + n, 1);
        } else {
            n += fuzz_put_shaped(code + n, style);
        }
    }
    code[n] = 0xcd;
    code[n + 1] = FUZZ_VEC_END;
    memset(code + n + 2, 0xcc, 4096 - n - 2);
    return n;
}

/* ---- the world each stream starts from ---- */

static void fuzz_trap(struct rt_frame *f);

static void fuzz_setup_idt(void)
{
    for (unsigned v = 0; v < 256; v++) {
        rt_idt_set(v, SEL_KCODE, NULL, ACC_INTGATE | ACC_DPL(3));
        rt_set_handler(v, fuzz_trap);
    }
    rt_reload_idt();
    rt_tss.tss.esp0 = (uint32_t)(fuzz_kstack + sizeof fuzz_kstack);
    rt_tss.tss.ss0 = SEL_KDATA;
}

/* 8259A pair: IRQ 0-7 at 0x20, 8-15 at 0x28, only IRQ 0 unmasked; PIT
 * channel 0 at 1 kHz (8254 mode 2, divisor 1193). */
static void fuzz_setup_timer(void)
{
    static const uint8_t pic[][2] = { { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
                                      { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
                                      { 0x21, 0xfe }, { 0xa1, 0xff } };
    for (unsigned i = 0; i < sizeof pic / sizeof pic[0]; i++)
        outb(pic[i][0], pic[i][1]);
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
}

static void fuzz_setup_paging(void)
{
    asm volatile("movl %0, %%cr0" ::"r"(CR0_PE | CR0_ET | CR0_NE) : "memory");
    asm volatile("movl %0, %%cr4" ::"r"(CR4_OSFXSR | CR4_OSXMMEXCPT | (fuzz_cfg.paging ? CR4_PSE : 0u))
                 : "memory");
    if (!fuzz_cfg.paging)
        return;
    for (uint32_t i = 0; i < 1024; i++)
        fuzz_pd[i] = i < 16 ? (i << 22) | PG_LARGE_FLAGS(i == FUZZ_REGION_PDE) : 0;
    asm volatile("movl %0, %%cr3" ::"r"(fuzz_pd) : "memory");
    asm volatile("movl %0, %%cr0" ::"r"(CR0_PE | CR0_ET | CR0_NE | CR0_PG) : "memory");
}

/* Run stream fuzz_stream, or finish when all have run. */
void fuzz_next(void)
{
    uint32_t i = fuzz_stream;
    if (i >= fuzz_cfg.streams) {
        rt_printf("fuzz: %u streams\n", fuzz_cfg.streams);
        rt_exit(0);
    }
    rt_tables_init();
    fuzz_setup_idt();
    fuzz_setup_paging();
    fuzz_setup_timer();
    fuzz_seed(fuzz_cfg.seed, i);
    fuzz_generate((uint8_t *)FUZZ_CODE);
    uint32_t gprs[8]; /* EAX ECX EDX EBX (ESP) EBP ESI EDI */
    for (unsigned r = 0; r < 8; r++)
        gprs[r] = r == 4 ? 0 : FUZZ_DATA + (fuzz_rand() & (FUZZ_DATA_SIZE - 16));
    uint32_t *data = (uint32_t *)FUZZ_DATA;
    for (unsigned w = 0; w < FUZZ_DATA_SIZE / 4; w += 61)
        data[w] = fuzz_rand();
    fuzz_ticks = 0;
    uint16_t cs = fuzz_cfg.ring ? SEL_UCODE : SEL_KCODE, ss = fuzz_cfg.ring ? SEL_UDATA : SEL_KDATA;
    fuzz_enter(cs, ss, FUZZ_CODE, FUZZ_USTACK, FL_IF | 2u, gprs);
}

/* Every vector: a timer tick within the stream's budget returns to it;
 * anything else ends the stream with one report line. */
static void fuzz_trap(struct rt_frame *f)
{
    if (f->vector == FUZZ_VEC_TIMER) {
        outb(0x20, 0x20); /* EOI */
        if (++fuzz_ticks < FUZZ_TICKS)
            return;
        rt_printf("s%u timer eip 0x%08x\n", fuzz_stream, f->eip);
    } else if (f->vector == FUZZ_VEC_END) {
        rt_printf("s%u end\n", fuzz_stream);
    } else {
        rt_printf("s%u v%u e0x%x eip 0x%08x\n", fuzz_stream, f->vector, f->error, f->eip);
        if (f->vector >= 0x20 && f->vector < 0x30)
            outb(f->vector >= 0x28 ? 0xa0 : 0x20, 0x20);
    }
    fuzz_stream++;
    f->eip = (uint32_t)fuzz_resume;
    f->cs = SEL_KCODE;
    f->eflags = 2;
    f->ds = f->es = f->fs = f->gs = SEL_KDATA;
}

void test_main(const struct rt_boot *boot)
{
    fuzz_parse_cmdline(boot->mbi);
    rt_printf("fuzz: seed %u ring %u paging %u streams %u\n", fuzz_cfg.seed, fuzz_cfg.ring, fuzz_cfg.paging,
              fuzz_cfg.streams);
    fuzz_stream = 0;
    fuzz_next();
}
