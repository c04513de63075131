/*
 * desc.c: the runtime's descriptor tables — GDT, IDT and TSS — and helpers
 * tests use to add their own segments and gates.
 *
 * GDT layout (selectors in rt.h): null, ring 0 code/data, ring 3
 * code/data, ring 1 code/data, the TSS, then free slots.  Every IDT vector
 * starts as a ring 0 interrupt gate to its stub in entry.S; vector 0x70 is
 * the DPL 3 gate rt_run_ring uses to come back.  The TSS has SS0 = ring 0
 * data and a full I/O bitmap denying every port (SDM Vol. 3A §7.2.1,
 * Vol. 1 §19.5.2).
 *
 *   rt_gdt_set(GDT_FIRST_FREE, 0x200000, 0xfff, ACC_DATA0, FLG_BYTE32);
 *   asm volatile("movw %0, %%fs" :: "r"((uint16_t)(GDT_FIRST_FREE * 8)));
 */
#include "rt.h"

uint64_t rt_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
uint64_t rt_idt[256] __attribute__((aligned(16)));
struct rt_tss_io rt_tss __attribute__((aligned(16)));

extern const uint8_t rt_trap_stubs[];
void rt_ring_exit_entry(void);
void rt_load_segments(void);

struct dt_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

uint64_t rt_desc_seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = limit & 0xffff;
    d |= (uint64_t)(base & 0xffffff) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;
    d |= (uint64_t)(flags & 0xf) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}

uint64_t rt_desc_gate(uint16_t sel, uint32_t offset, uint8_t access, uint8_t params)
{
    uint64_t d = offset & 0xffff;
    d |= (uint64_t)sel << 16;
    d |= (uint64_t)(params & 0x1f) << 32;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)(offset >> 16) << 48;
    return d;
}

void rt_gdt_set(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    rt_gdt[index] = rt_desc_seg(base, limit, access, flags);
}

void rt_gdt_set_gate(unsigned index, uint16_t sel, void *target, uint8_t access, uint8_t params)
{
    rt_gdt[index] = rt_desc_gate(sel, (uint32_t)target, access, params);
}

void rt_idt_set(unsigned vector, uint16_t sel, void *target, uint8_t access)
{
    if (!target)
        target = (void *)(rt_trap_stubs + 16 * vector);
    rt_idt[vector] = rt_desc_gate(sel, (uint32_t)target, access, 0);
}

void rt_idt_reset(unsigned vector)
{
    if (vector == RT_VEC_RING_EXIT)
        rt_idt_set(vector, SEL_KCODE, (void *)rt_ring_exit_entry, ACC_INTGATE | ACC_DPL(3));
    else
        rt_idt_set(vector, SEL_KCODE, 0, ACC_INTGATE);
}

void rt_reload_idt(void)
{
    struct dt_pointer p = {sizeof rt_idt - 1, (uint32_t)rt_idt};
    asm volatile("lidt %0" ::"m"(p));
}

static void tss_init(void)
{
    memset(&rt_tss, 0, sizeof rt_tss);
    rt_tss.tss.ss0 = SEL_KDATA;
    rt_tss.tss.iomap_base = sizeof(struct rt_tss);
    memset(rt_tss.iomap, 0xff, sizeof rt_tss.iomap);
    rt_tss.iomap_end = 0xff;
    rt_gdt_set(SEL_TSS >> 3, (uint32_t)&rt_tss, sizeof rt_tss - 1, ACC_TSS, 0);
}

void rt_tables_init(void)
{
    struct dt_pointer g = {sizeof rt_gdt - 1, (uint32_t)rt_gdt};
    unsigned v;

    memset(rt_gdt, 0, sizeof rt_gdt);
    rt_gdt_set(SEL_KCODE >> 3, 0, 0xfffff, ACC_CODE0, FLG_4K32);
    rt_gdt_set(SEL_KDATA >> 3, 0, 0xfffff, ACC_DATA0, FLG_4K32);
    rt_gdt_set(SEL_UCODE >> 3, 0, 0xfffff, ACC_CODE3, FLG_4K32);
    rt_gdt_set(SEL_UDATA >> 3, 0, 0xfffff, ACC_DATA3, FLG_4K32);
    rt_gdt_set(SEL_R1CODE >> 3, 0, 0xfffff, ACC_CODE1, FLG_4K32);
    rt_gdt_set(SEL_R1DATA >> 3, 0, 0xfffff, ACC_DATA1, FLG_4K32);
    tss_init();
    asm volatile("lgdt %0" ::"m"(g));
    rt_load_segments();
    asm volatile("ltr %w0" ::"r"(SEL_TSS));

    for (v = 0; v < 256; v++)
        rt_idt_reset(v);
    rt_reload_idt();
}

void rt_tss_prepare(struct rt_tss *t, void (*fn)(void), void *stack_top)
{
    memset(t, 0, sizeof *t);
    t->eip = (uint32_t)fn;
    t->esp = (uint32_t)stack_top;
    t->eflags = 0x2;
    t->cs = SEL_KCODE;
    t->ss = t->ds = t->es = t->fs = t->gs = SEL_KDATA;
    t->ss0 = SEL_KDATA;
    t->esp0 = (uint32_t)stack_top;
    t->cr3 = rt_read_cr3();
    t->iomap_base = sizeof(struct rt_tss); /* beyond the limit: no I/O bitmap */
}
