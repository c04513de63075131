/*
 * intr.c: the intr guest — software interrupts and IRET (SDM Vol. 3A §6.12
 * "Exception and interrupt handling", §7.3 "Task switching"):
 *   - int n through an interrupt gate clears IF in the handler, through a
 *     trap gate keeps it; the saved EIP is the next instruction;
 *   - iret within ring 0, and from ring 3 through a DPL 3 gate: the ring 0
 *     stack comes from TSS.SS0:ESP0 and holds SS, ESP, EFLAGS, CS, EIP of
 *     the interrupted ring 3 code, iret returns there;
 *   - int n from ring 3 through a gate with DPL < 3 raises #GP(n*8+2)
 *     (error code: IDT bit 1 set, EXT 0, §6.13);
 *   - a task gate: int n switches to another task (NT set, back link =
 *     the old TSS), whose iret switches back.
 * The PIC is masked first so that IF=1 cannot let a timer tick in.
 */
#include "rt.h"

RT_GUEST("intr");

#define VEC_INTGATE 0x40
#define VEC_TRAPGATE 0x41
#define VEC_USER 0x42    /* interrupt gate, DPL 3 */
#define VEC_KERNEL 0x43  /* interrupt gate, DPL 0 */
#define VEC_TASK 0x44    /* task gate */
#define SEL_TASK2 (GDT_FIRST_FREE * 8)

static struct rt_frame seen;
static uint32_t seen_eflags_inside; /* EFLAGS while the handler ran */
static uint32_t seen_frame_addr;    /* where the CPU put the frame */
static unsigned seen_count;

static void record(struct rt_frame *f)
{
    seen = *f;
    seen_eflags_inside = rt_eflags();
    seen_frame_addr = (uint32_t)&f->eip;
    seen_count++;
    f->eax = 0x1234abcd; /* proves iret restores the frame the handler edited */
}

static void test_gates(void)
{
    uint32_t at, eax;

    rt_set_handler(VEC_INTGATE, record);
    rt_set_handler(VEC_TRAPGATE, record);
    rt_idt_set(VEC_TRAPGATE, SEL_KCODE, 0, ACC_TRAPGATE);

    seen_count = 0;
    asm volatile("sti\n\tmovl $1f, %0\n\tint $0x40\n1:\tcli" : "=m"(at), "=a"(eax) : : "memory");
    rt_eq(seen_count, 1, "int 0x40 reaches its handler");
    rt_eq(seen.vector, VEC_INTGATE, "int 0x40: vector");
    rt_eq(seen.eip, at, "int n saves the EIP of the next instruction");
    rt_eq(seen.cs & 0xffff, SEL_KCODE, "int n saves CS");
    rt_eq(seen.eflags & FL_IF, FL_IF, "saved EFLAGS has IF = 1");
    rt_eq(seen_eflags_inside & FL_IF, 0, "interrupt gate clears IF in the handler");
    rt_eq(eax, 0x1234abcd, "iret returns with the registers the handler left");

    asm volatile("sti\n\tint $0x41\n\tcli" : : : "memory");
    rt_eq(seen.vector, VEC_TRAPGATE, "int 0x41: vector");
    rt_eq(seen_eflags_inside & FL_IF, FL_IF, "trap gate keeps IF in the handler");
    asm volatile("int $0x41" : : : "memory");
    rt_eq(seen_eflags_inside & FL_IF, 0, "trap gate with IF = 0 keeps IF = 0");
}

/* ---- ring 3 ---- */
uint32_t user_esp_at_int, user_eip_after_int, user_gp_at, user_bp_after;

static void user_body(void)
{
    asm volatile("movl %%esp, user_esp_at_int\n\tmovl $1f, user_eip_after_int\n\t"
                 "int $0x42\n1:" : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, user_gp_at\n1:\tint $0x43" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, user_bp_after\n\tint3\n1:" RT_TRY_END : : : "memory");
}

static void test_ring3(void)
{
    uint32_t tss_esp0;

    rt_set_handler(VEC_USER, record);
    rt_idt_set(VEC_USER, SEL_KCODE, 0, ACC_INTGATE | ACC_DPL(3));
    rt_idt_set(3, SEL_KCODE, 0, ACC_INTGATE | ACC_DPL(3));
    seen_count = 0;
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_body, 0x2 | FL_IF);
    tss_esp0 = rt_tss.tss.esp0;

    rt_eq(seen_count, 1, "int 0x42 from ring 3 through a DPL 3 gate");
    rt_eq(seen.eip, user_eip_after_int, "ring 3 frame: EIP after int");
    rt_eq(seen.cs & 0xffff, SEL_UCODE, "ring 3 frame: CS");
    rt_eq_mask(seen.eflags, 0x2 | FL_IF, 0x3fffff & ~FL_RF, "ring 3 frame: EFLAGS");
    rt_eq(seen.esp, user_esp_at_int, "ring 3 frame: ESP of ring 3");
    rt_eq(seen.ss & 0xffff, SEL_UDATA, "ring 3 frame: SS of ring 3");
    rt_eq(seen_frame_addr, tss_esp0 - 20, "ring 3 frame sits just below TSS.ESP0");
    rt_eq(seen.ds & 0xffff, SEL_UDATA, "ring 3 data selectors reach the handler unchanged");

    rt_eq(rt_traps, 2, "two exceptions from the other ring 3 interrupts");
    rt_eq(rt_last.vector, 3, "int3 through a DPL 3 gate from ring 3: #BP");
    rt_eq(rt_last.eip, user_bp_after, "int3 from ring 3: EIP after it");
    rt_idt_reset(3);
}

static struct rt_frame gp_frame, gp_frame2;
static void record_gp(struct rt_frame *f)
{
    if (!gp_frame.vector) /* the first one: int 0x43 */
        gp_frame = *f;
    else if (!gp_frame2.vector) /* then int3, its gate back to DPL 0 */
        gp_frame2 = *f;
    f->eip = rt_resume;
    rt_resume = 0;
}

static void test_gate_dpl(void)
{
    rt_set_handler(13, record_gp);
    memset(&gp_frame, 0, sizeof gp_frame);
    memset(&gp_frame2, 0, sizeof gp_frame2);
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_body, 0x2);
    rt_set_handler(13, 0);
    rt_eq(gp_frame.vector, 13, "int 0x43 (gate DPL 0) from ring 3: #GP");
    rt_eq(gp_frame.error, VEC_KERNEL * 8 + 2, "#GP error code = vector * 8 + 2 (IDT bit)");
    rt_eq(gp_frame.eip, user_gp_at, "#GP saved EIP = the int instruction");
    rt_eq(gp_frame.cs & 0xffff, SEL_UCODE, "#GP saved CS is ring 3");
    rt_eq(gp_frame2.vector, 13, "int3 from ring 3 through a DPL 0 gate: #GP");
    rt_eq(gp_frame2.error, 3 * 8 + 2, "int3 through a DPL 0 gate: error code 0x1a");
}

/* ---- task gate ---- */
static struct rt_tss task2;
static uint8_t task2_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t task_runs, task_tr, task_eflags, task_link;

static void task2_body(void)
{
    for (;;) {
        uint16_t tr;
        asm volatile("str %0" : "=r"(tr));
        task_tr = tr;
        task_eflags = rt_eflags();
        task_link = task2.link;
        task_runs++;
        asm volatile("iret" : : : "memory"); /* NT = 1: back to the linked task */
    }
}

static void test_task_gate(void)
{
    uint16_t tr;
    uint32_t ebx = 0x5a5a1234, esi = 0x77665544;

    rt_tss_prepare(&task2, task2_body, task2_stack + sizeof task2_stack);
    rt_gdt_set(SEL_TASK2 >> 3, (uint32_t)&task2, sizeof task2 - 1, ACC_TSS, 0);
    rt_idt_set(VEC_TASK, SEL_TASK2, 0, ACC_TASKGATE);
    rt_idt[VEC_TASK] &= ~0xffff00000000ffffull; /* a task gate has no offset */

    asm volatile("int $0x44" : "+b"(ebx), "+S"(esi) : : "memory", "cc");
    rt_eq(task_runs, 1, "int through a task gate runs the other task");
    rt_eq(task_tr, SEL_TASK2, "the new task runs with TR = its TSS");
    rt_eq(task_eflags & FL_NT, FL_NT, "the new task runs with NT = 1");
    rt_eq(task_link, SEL_TSS, "the new TSS links back to the old one");
    asm volatile("str %0" : "=r"(tr));
    rt_eq(tr, SEL_TSS, "iret with NT switched back: TR = the old TSS");
    rt_eq(ebx, 0x5a5a1234, "the old task's registers are restored (ebx)");
    rt_eq(esi, 0x77665544, "the old task's registers are restored (esi)");
    rt_eq((uint32_t)(rt_gdt[SEL_TASK2 >> 3] >> 40) & 0xf, 0x9, "the new TSS is no longer busy");
    rt_eq((uint32_t)(rt_gdt[SEL_TSS >> 3] >> 40) & 0xf, 0xb, "the old TSS is busy again");
    rt_eq(rt_eflags() & FL_NT, 0, "NT clear after returning");

    asm volatile("int $0x44" : : : "memory", "cc");
    rt_eq(task_runs, 2, "a second int through the task gate resumes the task after its iret");
}

void intr_test_repeat(void); /* intr_repeat.c */

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    outb(0x21, 0xff); /* mask every PIC line */
    outb(0xa1, 0xff);
    test_gates();
    test_ring3();
    test_gate_dpl();
    test_task_gate();
    intr_test_repeat();
}
