/*
 * exceptions_ring.c: #GP from ring 3 (privileged instructions, SDM Vol. 3A
 * §5.9: cli/sti need CPL <= IOPL, hlt/mov CRn/lgdt/... need CPL 0; the
 * error code is 0) and a double fault.
 *
 * The double fault: with the #GP gate marked not present, a #GP makes the
 * processor raise #NP while delivering it; #GP then #NP are both
 * contributory, so the result is #DF with error code 0 (SDM Vol. 3A
 * Table 6-5).  The #DF handler is a valid interrupt gate.  The saved EIP of
 * a double fault is undefined by the SDM, so it is not checked.
 */
#include "exceptions.h"

uint32_t ring3_at[4]; /* fault addresses, written by ring 3 asm */
static volatile uint32_t ring3_cs;

static void ring3_body(void)
{
    uint32_t cs;
    asm volatile("movw %%cs, %w0" : "=r"(cs));
    ring3_cs = cs & 0xffff;
    asm volatile(RT_TRY_BEGIN "movl $1f, ring3_at\n1:\tcli" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, ring3_at+4\n1:\thlt" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, ring3_at+8\n1:\tmovl %%cr0, %%eax" RT_TRY_END
                 : : : "eax", "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, ring3_at+12\n1:\tmovl %%eax, %%dr7" RT_TRY_END
                 : : : "memory");
}

static struct rt_frame seen[4];
static unsigned nseen;

static void record_gp(struct rt_frame *f)
{
    if (nseen < 4)
        seen[nseen] = *f;
    nseen++;
    f->eip = rt_resume;
    rt_resume = 0;
}

void ex_test_ring3(void)
{
    static const char *const what[4] = {"cli", "hlt", "mov eax, cr0", "mov dr7, eax"};
    unsigned i;

    nseen = 0;
    rt_set_handler(13, record_gp);
    rt_run_ring(SEL_UCODE, SEL_UDATA, ring3_body, 0x2);
    rt_set_handler(13, 0);
    rt_eq(ring3_cs & 3, 3, "user code runs with CS.RPL = 3");
    if (rt_on_btvisor() && ring3_cs != SEL_UCODE)
        rt_skip("btvisor runs user code directly: CS reads as the host LDT shadow selector",
                "user code runs with CS = ring 3 selector");
    else
        rt_eq(ring3_cs, SEL_UCODE, "user code runs with CS = ring 3 selector");
    rt_eq(nseen, 4, "four #GP exceptions from ring 3");
    for (i = 0; i < 4 && i < nseen; i++) {
        rt_eq(seen[i].vector, 13, "%s at CPL 3: #GP", what[i]);
        rt_eq(seen[i].error, 0, "%s at CPL 3: error code 0", what[i]);
        rt_eq(seen[i].eip, ring3_at[i], "%s at CPL 3: saved EIP", what[i]);
        rt_eq(seen[i].cs & 0xffff, SEL_UCODE, "%s at CPL 3: saved CS", what[i]);
        rt_eq(seen[i].ss & 0xffff, SEL_UDATA, "%s at CPL 3: saved SS (ring change)", what[i]);
    }
}

/* x87 in ring 3 with CR0.TS set: #NM at the instruction (SDM Vol. 3A §2.5,
 * Table 2-2) — a lazily switched FPU must trap in user code too. */
uint32_t ring3_nm_at; /* written by the ring 3 asm: a global symbol */
static struct rt_frame nm_seen;
static unsigned nm_count;

static void ring3_fpu_body(void)
{
    asm volatile(RT_TRY_BEGIN "movl $1f, ring3_nm_at\n1:\tfld1\n\tfstp %%st(0)" RT_TRY_END : : : "memory");
}

static void record_nm(struct rt_frame *f)
{
    nm_seen = *f;
    nm_count++;
    f->eip = rt_resume;
    rt_resume = 0;
}

void ex_test_ring3_nm(void)
{
    uint32_t cr0;
    asm volatile("movl %%cr0, %0" : "=r"(cr0));
    asm volatile("movl %0, %%cr0" : : "r"(cr0 | 8u)); /* TS */
    nm_count = 0;
    rt_set_handler(7, record_nm);
    rt_run_ring(SEL_UCODE, SEL_UDATA, ring3_fpu_body, 0x2);
    rt_set_handler(7, 0);
    asm volatile("clts");
    rt_eq(nm_count, 1, "x87 at CPL 3 with CR0.TS: one exception");
    rt_eq(nm_seen.vector, 7, "x87 at CPL 3 with CR0.TS: #NM");
    rt_eq(nm_seen.eip, ring3_nm_at, "x87 at CPL 3 with CR0.TS: saved EIP is the instruction");
    rt_eq(nm_seen.cs & 0xffff, SEL_UCODE, "x87 at CPL 3 with CR0.TS: saved CS");
}

void ex_test_double_fault(void)
{
    uint64_t gp_gate = rt_idt[13];

    rt_idt[13] &= ~(1ull << 47); /* #GP gate not present */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, ex_at\n1:\tmovw %w0, %%ds" RT_TRY_END
                 "\n\tmovw %w1, %%ds"
                 : : "r"(SEL_BEYOND_GDT), "r"(SEL_KDATA) : "memory");
    rt_idt[13] = gp_gate;
    rt_expect_trap(8, 0, RT_ANY_EIP, "#GP with its gate not present: #DF(0)");
}
