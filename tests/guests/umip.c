/*
 * umip.c: the umip guest — CR4.UMIP (SDM Vol. 3A §2.5; Vol. 2 SGDT, SIDT,
 * SLDT, SMSW, STR: "#GP(0) If CR4.UMIP = 1 and CPL > 0").  The command
 * line names the model: "model=max" / "model=max-nosm" have UMIP,
 * "model=base" does not.
 *
 * With UMIP: CPUID 7.0:ECX[2] is set; CR4.UMIP can be set; sgdt, sidt,
 * sldt, str and smsw then run at CPL 0 with the right values and raise
 * #GP(0) at CPL 3 and at CPL 1, at the instruction, storing nothing; with
 * CR4.UMIP clear again CPL 3 may run them.  Without: the bit is clear, and
 * setting CR4.UMIP is #GP(0) with CR4 unchanged.
 */
#include "cpu_model.h"

RT_GUEST("umip");

#define CR4_UMIP 0x800u

struct dtr_image {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

uint32_t cm_at;
uint32_t umip_at[5]; /* where each instruction of user_body is (written by it) */
static struct dtr_image user_gdt, user_idt;
static volatile uint32_t user_ldt, user_tr, user_msw;

static const char *const insn_name[5] = { "sgdt", "sidt", "sldt", "str", "smsw" };

static void user_body(void)
{
    asm volatile(RT_TRY_BEGIN "movl $1f, umip_at\n1:\tsgdt user_gdt" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, umip_at+4\n1:\tsidt user_idt" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, umip_at+8\n1:\tsldt %0" RT_TRY_END : "+r"(user_ldt) : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, umip_at+12\n1:\tstr %0" RT_TRY_END : "+r"(user_tr) : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, umip_at+16\n1:\tsmsw %0" RT_TRY_END : "+r"(user_msw) : : "memory");
}

static struct rt_frame seen[5];
static unsigned nseen;

static void record_gp(struct rt_frame *f)
{
    if (nseen < 5)
        seen[nseen] = *f;
    nseen++;
    f->eip = rt_resume;
    rt_resume = 0;
}

static void clear_user_results(void)
{
    memset(&user_gdt, 0, sizeof user_gdt);
    memset(&user_idt, 0, sizeof user_idt);
    user_ldt = user_tr = user_msw = 0xa5a5a5a5;
}

/* Run user_body at ring `ring` (1 or 3) and return the #GP count. */
static unsigned run_at(unsigned ring)
{
    clear_user_results();
    nseen = 0;
    rt_set_handler(13, record_gp);
    if (ring == 1)
        rt_run_ring(SEL_R1CODE, SEL_R1DATA, user_body, 0x2);
    else
        rt_run_ring(SEL_UCODE, SEL_UDATA, user_body, 0x2);
    rt_set_handler(13, 0);
    return nseen;
}

static void expect_refused(unsigned ring)
{
    unsigned n = run_at(ring);
    rt_eq(n, 5, "UMIP, CPL %u: five #GP", ring);
    for (unsigned i = 0; i < 5 && i < n; i++) {
        rt_eq(seen[i].error, 0, "UMIP, CPL %u: %s: #GP(0)", ring, insn_name[i]);
        rt_eq(seen[i].eip, umip_at[i], "UMIP, CPL %u: %s: saved EIP is the instruction", ring, insn_name[i]);
    }
    rt_eq(user_gdt.base | user_gdt.limit | user_idt.base | user_idt.limit, 0, "UMIP, CPL %u: sgdt/sidt stored nothing", ring);
    rt_eq(user_ldt & user_tr & user_msw, 0xa5a5a5a5, "UMIP, CPL %u: sldt/str/smsw wrote nothing", ring);
}

static void expect_allowed(const char *what)
{
    struct dtr_image g;
    asm volatile("sgdt %0" : "=m"(g));
    rt_eq(run_at(3), 0, "%s: CPL 3 runs all five", what);
    rt_eq(user_gdt.base, g.base, "%s: CPL 3 sgdt stores the GDT base", what);
    rt_eq(user_gdt.limit, g.limit, "%s: CPL 3 sgdt stores the GDT limit", what);
    rt_eq(user_tr & 0xffff, SEL_TSS, "%s: CPL 3 str reads TR", what);
    rt_eq(user_msw & 1, 1, "%s: CPL 3 smsw shows CR0.PE", what);
}

static void test_with(void)
{
    cm_write_cr4(cm_read_cr4() | CR4_UMIP);
    rt_eq(cm_read_cr4() & CR4_UMIP, CR4_UMIP, "CR4.UMIP can be set");
    struct dtr_image g = { 0, 0 }, i = { 0, 0 };
    uint32_t tr = 0, msw = 0;
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "sgdt %0\n\tsidt %1\n\tstr %2\n\tsmsw %3" RT_TRY_END
                 : "=m"(g), "=m"(i), "+r"(tr), "+r"(msw) : : "memory");
    rt_expect_no_trap("UMIP, CPL 0: sgdt, sidt, str, smsw run");
    rt_eq(g.base, (uint32_t)rt_gdt, "UMIP, CPL 0: sgdt stores the GDT base");
    rt_eq(i.base, (uint32_t)rt_idt, "UMIP, CPL 0: sidt stores the IDT base");
    rt_eq(tr & 0xffff, SEL_TSS, "UMIP, CPL 0: str reads TR");
    rt_eq(msw & 1, 1, "UMIP, CPL 0: smsw shows CR0.PE");
    expect_refused(3);
    expect_refused(1);
    cm_write_cr4(cm_read_cr4() & ~CR4_UMIP);
    expect_allowed("UMIP cleared again");
}

static void test_without(void)
{
    uint32_t before = cm_read_cr4();
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, cm_at\n1:\tmovl %0, %%cr4" RT_TRY_END : : "r"(before | CR4_UMIP) : "memory");
    rt_expect_trap(13, 0, cm_at, "no UMIP: setting CR4.UMIP is #GP(0)");
    rt_eq(cm_read_cr4(), before, "no UMIP: CR4 unchanged");
    expect_allowed("no UMIP");
}

void test_main(const struct rt_boot *boot)
{
    int max = cm_model_is_max(boot);
    rt_eq(cm_cpuid_bit(7, 0, 2, 2), (uint32_t)max, "CPUID 7.0:ECX.UMIP[2]");
    if (max)
        test_with();
    else
        test_without();
    rt_finish();
}
