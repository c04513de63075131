/*
 * isa_ud.c: instructions of extensions the advertised CPU lacks raise #UD
 * through the guest IDT instead of stopping the machine.
 *
 * btvisor presents a P6-family CPU with MMX, SSE and SSE2 (monitor/cpuid.c).
 * On such a CPU the VMX instructions raise #UD outside VMX operation (SDM
 * Vol. 3C §30.3, each instruction's "#UD If not in VMX operation" — and
 * CPUID.1:ECX.VMX = 0 means there is none), SVM's vmrun/vmmcall likewise
 * (AMD APM Vol. 3: "#UD if EFER.SVME = 0"), getsec without CR4.SMXE,
 * xsave/xrstor/xgetbv without XSAVE (SDM Vol. 2D XSAVE: "#UD If
 * CPUID.01H:ECX.XSAVE[bit 26] = 0"), rdrand/rdseed without those features.
 * Each is checked at CPL 0 and the VMX reads and writes also at CPL 3.
 * A random-code fuzzer found vmread/vmwrite stopping the VM ("unsupported
 * instruction", status 4) — the regression case.
 *
 * The last check reaches the emulator rather than the translator: an SSSE3
 * instruction (pshufb, not advertised) whose memory operand is physical
 * memory with nothing behind it goes to the memory-operand emulator, which
 * answers #UD too.
 *
 * Runs on QEMU (qemu32 has none of these extensions) as the reference.
 */
#include "rt.h"

RT_GUEST("isa_ud");

uint32_t isa_at;                 /* the faulting instruction, written by the asm */
static uint8_t isa_area[4096] __attribute__((aligned(64)));

/* Run one instruction (asm text, may use %[m] for isa_area) expecting #UD. */
#define ISA_EXPECT_UD(insn, what)                                                              \
    do {                                                                                       \
        rt_trap_reset();                                                                       \
        asm volatile(RT_TRY_BEGIN "movl $1f, isa_at\n1:\t" insn RT_TRY_END                     \
                     : : [m] "m"(isa_area) : "eax", "ebx", "ecx", "edx", "memory");           \
        rt_expect_trap(6, RT_ANY_ERROR, isa_at, what);                                         \
    } while (0)

static void isa_ring0(void)
{
    asm volatile("xorl %%eax, %%eax" ::: "eax");
    ISA_EXPECT_UD("vmxon %[m]", "vmxon at CPL 0: #UD (no VMX)");
    ISA_EXPECT_UD("vmxoff", "vmxoff: #UD");
    ISA_EXPECT_UD("vmread %%eax, %%ebx", "vmread: #UD");
    ISA_EXPECT_UD("vmwrite %%eax, %%ebx", "vmwrite: #UD");
    ISA_EXPECT_UD("vmread %%eax, %[m]", "vmread to memory: #UD");
    ISA_EXPECT_UD("vmptrld %[m]", "vmptrld: #UD");
    ISA_EXPECT_UD("vmclear %[m]", "vmclear: #UD");
    ISA_EXPECT_UD("vmlaunch", "vmlaunch: #UD");
    ISA_EXPECT_UD("vmresume", "vmresume: #UD");
    ISA_EXPECT_UD("vmcall", "vmcall: #UD");
    ISA_EXPECT_UD("vmrun", "vmrun (SVM): #UD");
    ISA_EXPECT_UD("vmmcall", "vmmcall (SVM): #UD");
    ISA_EXPECT_UD("getsec", "getsec (SMX): #UD");
    ISA_EXPECT_UD("xgetbv", "xgetbv: #UD (no XSAVE)");
    ISA_EXPECT_UD("xsave %[m]", "xsave: #UD");
    ISA_EXPECT_UD("xrstor %[m]", "xrstor: #UD");
    ISA_EXPECT_UD("rdrand %%eax", "rdrand: #UD");
    ISA_EXPECT_UD("rdseed %%eax", "rdseed: #UD");
    /* 0xF0000000: no RAM and no device there (paging is off). */
    ISA_EXPECT_UD("pshufb 0xf0000000, %%mm0", "pshufb (SSSE3) on nonexistent memory: #UD");
}

/* CPL 3: the VMX reads and writes (written by the fuzzer's finding). */
uint32_t isa_user_at[2];
static struct rt_frame isa_user_seen[2];
static unsigned isa_user_n;

static void isa_user_body(void)
{
    asm volatile(RT_TRY_BEGIN "movl $1f, isa_user_at\n1:\tvmread %%eax, %%ebx" RT_TRY_END ::: "ebx", "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, isa_user_at+4\n1:\tvmwrite %%eax, %%ebx" RT_TRY_END ::: "memory");
}

static void isa_user_record(struct rt_frame *f)
{
    if (isa_user_n < 2)
        isa_user_seen[isa_user_n] = *f;
    isa_user_n++;
    f->eip = rt_resume;
    rt_resume = 0;
}

static void isa_ring3(void)
{
    isa_user_n = 0;
    rt_set_handler(6, isa_user_record);
    rt_run_ring(SEL_UCODE, SEL_UDATA, isa_user_body, 0x2);
    rt_set_handler(6, 0);
    rt_eq(isa_user_n, 2, "two #UD from CPL 3");
    static const char *const what[2] = { "vmread", "vmwrite" };
    for (unsigned i = 0; i < 2 && i < isa_user_n; i++) {
        rt_eq(isa_user_seen[i].vector, 6, "%s at CPL 3: #UD", what[i]);
        rt_eq(isa_user_seen[i].eip, isa_user_at[i], "%s at CPL 3: saved EIP", what[i]);
        rt_eq(isa_user_seen[i].cs & 3, 3, "%s at CPL 3: from ring 3", what[i]);
    }
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    isa_ring0();
    isa_ring3();
}
