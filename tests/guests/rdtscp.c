/*
 * rdtscp.c: the rdtscp guest — rdtscp, rdpid and IA32_TSC_AUX (MSR
 * C0000103h) as the -cpu model has them (SDM Vol. 2 RDTSCP, RDPID; Vol. 4
 * Table 2-2).  The command line names the model: "model=max" has both
 * instructions, "model=base" neither.
 *
 * With them: CPUID 80000001h:EDX[27] and 7.0:ECX[22] are set; TSC_AUX
 * keeps what wrmsr wrote (bits 63:32 reserved: #GP(0), nothing changed);
 * rdtscp returns it in ECX with a TSC no older than a preceding rdtsc, at
 * CPL 0 and CPL 3; rdpid returns it at CPL 0 and 3; with CR4.TSD rdtscp is
 * #GP(0) at CPL 3 and still runs at CPL 0 (rdpid is not affected).
 * Without them: both bits clear, rdtscp and rdpid #UD at CPL 0 and 3, and
 * rdmsr/wrmsr of TSC_AUX #GP(0).
 */
#include "cpu_model.h"

RT_GUEST("rdtscp");

#define MSR_TSC_AUX 0xc0000103u
#define CR4_TSD 0x4u

uint32_t cm_at;
static volatile uint32_t user_ecx, user_rdpid, user_tries;

static void try_wrmsr(uint32_t msr, uint32_t lo, uint32_t hi)
{
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, cm_at\n1:\twrmsr" RT_TRY_END : : "c"(msr), "a"(lo), "d"(hi) : "memory");
}

static uint32_t try_rdmsr(uint32_t msr)
{
    uint32_t lo = 0xdeadbeef, hi = 0;
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, cm_at\n1:\trdmsr" RT_TRY_END : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    return lo;
}

/* rdtscp with ECX preset to a marker: the value left in ECX (the marker
 * when it faulted), and EDX:EAX in *tsc. */
static uint32_t try_rdtscp(uint64_t *tsc)
{
    uint32_t lo = 0, hi = 0, ecx = 0x5a5a5a5a;
    asm volatile(RT_TRY_BEGIN "movl $1f, cm_at\n1:\trdtscp" RT_TRY_END : "+a"(lo), "+d"(hi), "+c"(ecx) : : "memory");
    if (tsc)
        *tsc = ((uint64_t)hi << 32) | lo;
    return ecx;
}

static uint32_t try_rdpid(void)
{
    uint32_t v = 0x5a5a5a5a;
    /* rdpid eax, F3 0F C7 /7 with ModRM F8 */
    asm volatile(RT_TRY_BEGIN "movl $1f, cm_at\n1:\t.byte 0xf3, 0x0f, 0xc7, 0xf8" RT_TRY_END : "+a"(v) : : "memory");
    return v;
}

static void user_body(void)
{
    user_tries = 0;
    user_ecx = try_rdtscp(0);
    user_rdpid = try_rdpid();
}

static void run_user(void)
{
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_body, 0x2);
}

static void test_with(void)
{
    uint64_t before, after;
    try_wrmsr(MSR_TSC_AUX, 0x12345678, 0);
    rt_expect_no_trap("wrmsr TSC_AUX");
    rt_eq(try_rdmsr(MSR_TSC_AUX), 0x12345678, "rdmsr TSC_AUX reads what wrmsr wrote");
    try_wrmsr(MSR_TSC_AUX, 0x1, 0x1);
    rt_expect_trap(13, 0, cm_at, "wrmsr TSC_AUX with bit 32 set (reserved)");
    rt_eq(try_rdmsr(MSR_TSC_AUX), 0x12345678, "the refused wrmsr left TSC_AUX unchanged");

    rt_trap_reset();
    asm volatile("rdtsc" : "=A"(before));
    uint32_t ecx = try_rdtscp(&after);
    rt_expect_no_trap("rdtscp at CPL 0");
    rt_eq(ecx, 0x12345678, "rdtscp: ECX = TSC_AUX");
    rt_ok(after >= before, "rdtscp: the TSC is no older than the rdtsc before it");
    rt_trap_reset();
    rt_eq(try_rdpid(), 0x12345678, "rdpid at CPL 0: TSC_AUX");
    rt_expect_no_trap("rdpid at CPL 0");

    try_wrmsr(MSR_TSC_AUX, 0xfedcba98, 0);
    run_user();
    rt_eq(rt_traps, 0, "rdtscp and rdpid at CPL 3: no exception");
    rt_eq(user_ecx, 0xfedcba98, "rdtscp at CPL 3: ECX = TSC_AUX");
    rt_eq(user_rdpid, 0xfedcba98, "rdpid at CPL 3: TSC_AUX");

    cm_write_cr4(cm_read_cr4() | CR4_TSD);
    run_user();
    rt_eq(rt_traps, 1, "CR4.TSD: one exception at CPL 3");
    rt_eq(rt_last.vector, 13, "CR4.TSD: rdtscp at CPL 3 is #GP");
    rt_eq(rt_last.error, 0, "CR4.TSD: error code 0");
    rt_eq(user_ecx, 0x5a5a5a5a, "CR4.TSD: the faulting rdtscp left ECX alone");
    rt_eq(user_rdpid, 0xfedcba98, "CR4.TSD: rdpid at CPL 3 still runs");
    rt_trap_reset();
    rt_eq(try_rdtscp(0), 0xfedcba98, "CR4.TSD: rdtscp at CPL 0 still runs");
    rt_expect_no_trap("CR4.TSD: rdtscp at CPL 0");
    cm_write_cr4(cm_read_cr4() & ~CR4_TSD);
}

static void test_without(void)
{
    try_rdmsr(MSR_TSC_AUX);
    rt_expect_trap(13, 0, cm_at, "rdmsr TSC_AUX: #GP(0), the MSR does not exist");
    try_wrmsr(MSR_TSC_AUX, 1, 0);
    rt_expect_trap(13, 0, cm_at, "wrmsr TSC_AUX: #GP(0)");
    rt_trap_reset();
    try_rdtscp(0);
    rt_expect_trap(6, RT_ANY_ERROR, cm_at, "rdtscp at CPL 0: #UD");
    rt_trap_reset();
    try_rdpid();
    rt_expect_trap(6, RT_ANY_ERROR, cm_at, "rdpid at CPL 0: #UD");
    run_user();
    rt_eq(rt_traps, 2, "rdtscp and rdpid at CPL 3: two exceptions");
    rt_eq(rt_last.vector, 6, "rdpid at CPL 3: #UD");
    rt_eq(user_ecx, 0x5a5a5a5a, "rdtscp at CPL 3 faulted (ECX unchanged)");
}

void test_main(const struct rt_boot *boot)
{
    int max = cm_model_is_max(boot); /* max-nosm: rdtscp as in max */
    rt_eq(cm_cpuid_bit(0x80000001u, 0, 3, 27), (uint32_t)max, "CPUID 80000001h:EDX.RDTSCP[27]");
    rt_eq(cm_cpuid_bit(7, 0, 2, 22), (uint32_t)max, "CPUID 7.0:ECX.RDPID[22]");
    if (max)
        test_with();
    else
        test_without();
    rt_finish();
}
