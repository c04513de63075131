/*
 * intr_repeat.c: the same int n from ring 3 and the same iret back, again
 * and again — the shape of a system call, which the in-process engine
 * delivers from its gate cache (monitor/fastgate.h) once the full path
 * ran it — and then with the IDT gate, the TSS, the descriptors or the
 * stack changed in between: each repetition must still see the frame the
 * SDM describes (Vol. 3A §6.12.1, Figure 6-4), the new ESP0, a #GP or #NP
 * for a gate made unusable, and the accessed bits the loads set.
 */
#include "rt.h"

#define VEC_REPEAT 0x45
#define SEL_U2 ((GDT_FIRST_FREE + 2) * 8 + 3) /* a second ring 3 data segment, RPL 3 */
#define DESC_A (1ull << 40)                    /* accessed */
#define DESC_P (0x80ull << 40)                 /* present */

static struct rt_frame rep_seen;
static uint32_t rep_frame_addr;
static unsigned rep_count;
static uint32_t rep_esp[4], rep_eip[4];

static void rep_record(struct rt_frame *f)
{
    rep_seen = *f;
    rep_frame_addr = (uint32_t)&f->eip;
    rep_count++;
}

/* Four system calls in a row; ESP and the return EIP of each kept. */
static void rep_user_calls(void)
{
    for (int i = 0; i < 4; i++)
        asm volatile("movl %%esp, %0\n\tmovl $1f, %1\n\tint $0x45\n1:"
                     : "=m"(rep_esp[i]), "=m"(rep_eip[i]) : : "memory");
}

static void rep_user_one(void)
{
    asm volatile(RT_TRY_BEGIN "int $0x45" RT_TRY_END : : : "memory");
}

static void test_repeat_frames(uint16_t ss, const char *what)
{
    rep_count = 0;
    rt_run_ring(SEL_UCODE, ss, rep_user_calls, 0x2);
    rt_eq(rep_count, 4, "%s: four int 0x45 from ring 3", what);
    rt_eq(rep_seen.eip, rep_eip[3], "%s: the last frame's EIP", what);
    rt_eq(rep_seen.esp, rep_esp[3], "%s: the last frame's ESP", what);
    rt_eq(rep_seen.cs & 0xffff, SEL_UCODE, "%s: the last frame's CS", what);
    rt_eq(rep_seen.ss & 0xffff, ss, "%s: the last frame's SS", what);
    rt_eq(rep_frame_addr, rt_tss.tss.esp0 - 20, "%s: the frame just below TSS.ESP0", what);
}

/* rt_run_ring points TSS.ESP0 at the kernel stack on the way in, so ring 3
 * code itself moves it between two calls (its data segment is flat). */
static uint32_t rep_esp0_frame[3];
static void rep_user_move_esp0(void)
{
    asm volatile("int $0x45" : : : "memory");
    rep_esp0_frame[0] = rep_frame_addr;
    rt_tss.tss.esp0 -= 256;
    asm volatile("int $0x45" : : : "memory");
    rep_esp0_frame[1] = rep_frame_addr;
    rt_tss.tss.esp0 += 256;
    asm volatile("int $0x45" : : : "memory");
    rep_esp0_frame[2] = rep_frame_addr;
}

static void test_new_esp0(void)
{
    rt_run_ring(SEL_UCODE, SEL_UDATA, rep_user_move_esp0, 0x2);
    rt_eq(rep_esp0_frame[1], rep_esp0_frame[0] - 256, "TSS.ESP0 lowered between two calls: the frame moved with it");
    rt_eq(rep_esp0_frame[2], rep_esp0_frame[0], "TSS.ESP0 back: the frame back");
}

static void test_gate_changed(void)
{
    test_repeat_frames(SEL_UDATA, "warm");
    rt_idt_set(VEC_REPEAT, SEL_KCODE, 0, ACC_INTGATE); /* DPL 0 */
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, rep_user_one, 0x2);
    rt_eq(rt_traps, 1, "gate lowered to DPL 0: one exception");
    rt_eq(rt_last.vector, 13, "gate lowered to DPL 0: #GP");
    rt_eq(rt_last.error, VEC_REPEAT * 8 + 2, "gate lowered to DPL 0: error code vector * 8 + 2");
    rt_idt_set(VEC_REPEAT, SEL_KCODE, 0, ACC_INTGATE | ACC_DPL(3));
    test_repeat_frames(SEL_UDATA, "gate back to DPL 3");
    rt_idt[VEC_REPEAT] &= ~DESC_P;
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, rep_user_one, 0x2);
    rt_eq(rt_last.vector, 11, "gate made not present: #NP");
    rt_eq(rt_last.error, VEC_REPEAT * 8 + 2, "gate made not present: error code vector * 8 + 2");
    rt_idt_set(VEC_REPEAT, SEL_KCODE, 0, ACC_INTGATE | ACC_DPL(3));
}

static void test_accessed_bits(void)
{
    rt_gdt_set(SEL_U2 >> 3, 0, 0xfffff, ACC_DATA3, FLG_4K32);
    test_repeat_frames(SEL_U2, "second user SS");
    rt_ok((rt_gdt[SEL_U2 >> 3] & DESC_A) != 0, "the user SS descriptor got its accessed bit");
    rt_gdt[SEL_U2 >> 3] &= ~DESC_A;
    rt_gdt[SEL_KCODE >> 3] &= ~DESC_A;
    test_repeat_frames(SEL_U2, "after the accessed bits were cleared");
    rt_ok((rt_gdt[SEL_U2 >> 3] & DESC_A) != 0, "iret to ring 3 set the SS accessed bit again");
    if (rt_on_qemu())
        rt_skip("QEMU TCG does not set the accessed bit of the CS an interrupt loads",
                "int from ring 3 set the kernel CS accessed bit again");
    else
        rt_ok((rt_gdt[SEL_KCODE >> 3] & DESC_A) != 0, "int from ring 3 set the kernel CS accessed bit again");
}

void intr_test_repeat(void)
{
    rt_set_handler(VEC_REPEAT, rep_record);
    rt_idt_set(VEC_REPEAT, SEL_KCODE, 0, ACC_INTGATE | ACC_DPL(3));
    test_repeat_frames(SEL_UDATA, "first round");
    test_repeat_frames(SEL_UDATA, "second round");
    test_new_esp0();
    test_gate_changed();
    test_accessed_bits();
    rt_idt_reset(VEC_REPEAT);
    rt_set_handler(VEC_REPEAT, 0);
}
