/*
 * nmi_block.c: the nmi_block guest — an NMI handler runs with further NMIs
 * blocked until the next iret (SDM Vol. 3A §6.7.1, "Handling Multiple
 * NMIs"), as kvm-unit-tests' eventinj checks:
 *   - an NMI sent to itself inside the NMI handler waits: it is taken only
 *     after the handler's iret, at the instruction the first NMI
 *     interrupted (the same saved EIP);
 *   - two NMIs sent meanwhile leave one waiting (one NMI latch);
 *   - an iret inside the handler (to the handler itself) ends the
 *     blocking: the waiting NMI arrives at that iret's target;
 *   - an iret that faults ends it too ("even if the instruction causes a
 *     fault"): the waiting NMI arrives before the fault is handled.
 * The NMIs are self-IPIs of the local APIC (ICR delivery mode NMI).
 */
#include "rt.h"

RT_GUEST("nmi_block");

#define LAPIC_BASE 0xfee00000u
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define ICR_SELF (1u << 18)    /* destination shorthand: self */
#define ICR_DM_NMI (4u << 8)   /* delivery mode NMI */
#define ICR_ASSERT (1u << 14)  /* level: assert (QEMU ignores a deasserted NMI) */
#define VEC_NMI 2

/* What the handler does when an NMI arrives at nesting depth 0. */
enum nmi_plan { PLAN_NESTED, PLAN_TWO_NESTED, PLAN_INNER_IRET, PLAN_FAULTING_IRET };

static volatile enum nmi_plan plan;
static volatile unsigned depth;        /* first-NMI handlers running */
static volatile unsigned taken;        /* NMIs taken */
static volatile unsigned taken_inside; /* NMIs taken while a handler ran */
static volatile uint32_t eip_first, eip_second;
static volatile unsigned taken_before_resume; /* after the faulting iret */

static void lapic_write(uint32_t reg, uint32_t v)
{
    uint32_t addr = LAPIC_BASE + reg;
    asm("" : "+r"(addr));
    *(volatile uint32_t *)addr = v;
}

static void self_nmi(void)
{
    lapic_write(LAPIC_ICR_LO, ICR_SELF | ICR_ASSERT | ICR_DM_NMI);
}

/* Port writes and a few instructions: places where a monitor that does not
 * block NMIs would deliver the waiting one. */
static void give_it_a_chance(void)
{
    for (int i = 0; i < 8; i++)
        outb(0x80, (uint8_t)i);
}

/* iret to the label after it, at the same privilege level: EAX gets the
 * saved EIP of an NMI taken right there. */
static uint32_t iret_to_next(void)
{
    uint32_t at;
    asm volatile("pushfl\n\tpushl %%cs\n\tpushl $1f\n\tiret\n1:\tmovl $1b, %0" : "=r"(at) : : "memory");
    return at;
}

/* An iret whose popped CS is null: #GP(0) (SDM Vol. 2A IRET). */
static void faulting_iret(void)
{
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "pushfl\n\tpushl $0\n\tpushl $2f\n\tiret\n2:" RT_TRY_END "addl $12, %%esp"
                 : : : "memory");
    taken_before_resume = taken;
}

static void on_nmi(struct rt_frame *f)
{
    /* Only the first NMI of a run follows the plan; the one it sends is
     * taken inside the handler or after its iret. */
    if (taken++ > 0) {
        taken_inside += depth > 0;
        eip_second = f->eip;
        return;
    }
    depth++;
    eip_first = f->eip;
    switch (plan) {
    case PLAN_NESTED:
        self_nmi();
        give_it_a_chance();
        break;
    case PLAN_TWO_NESTED:
        self_nmi();
        self_nmi();
        give_it_a_chance();
        break;
    case PLAN_INNER_IRET:
        self_nmi();
        give_it_a_chance();
        eip_first = iret_to_next(); /* the inner NMI's expected EIP */
        break;
    case PLAN_FAULTING_IRET:
        self_nmi();
        give_it_a_chance();
        faulting_iret();
        break;
    }
    depth--;
}

static void run_plan(enum nmi_plan p)
{
    plan = p;
    taken = taken_inside = 0;
    eip_first = eip_second = 0;
    self_nmi();
    give_it_a_chance();
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    rt_set_handler(VEC_NMI, on_nmi);
    lapic_write(LAPIC_SVR, 0x1ff);

    run_plan(PLAN_NESTED);
    rt_eq(taken, 2, "an NMI sent inside the NMI handler is taken after it");
    rt_eq(taken_inside, 0, "... not while the handler runs");
    rt_eq(eip_second, eip_first, "... right after the handler's iret (the same saved EIP)");

    run_plan(PLAN_TWO_NESTED);
    rt_eq(taken, 2, "two NMIs sent inside the handler: one waits, one is lost");

    run_plan(PLAN_INNER_IRET);
    rt_eq(taken, 2, "an iret inside the NMI handler ends the blocking");
    rt_eq(taken_inside, 1, "... the waiting NMI is taken inside the handler");
    rt_eq(eip_second, eip_first, "... right after that iret, at its target");

    run_plan(PLAN_FAULTING_IRET);
    rt_eq(rt_last.vector, 13, "an iret with a null CS raises #GP");
    rt_eq(taken_inside, 1, "a faulting iret ends the blocking too");
    rt_eq(taken_before_resume, 2, "... the waiting NMI is taken before the #GP handler finishes");
}
