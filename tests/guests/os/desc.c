/*
 * desc.c: the descriptor tables — a GDT with flat kernel and user segments
 * and one TSS, and an IDT with interrupt gates for the exceptions, the
 * remapped IRQs and the system-call vector 0x80.
 *
 * Ring 3 -> ring 0 transitions take SS:ESP from the TSS (ss0/esp0, SDM
 * Vol. 3A §7.2.1 and §6.12.1); proc.c points esp0 at the top of the running
 * process's kernel stack on every switch.  All gates are interrupt gates, so
 * the CPU clears IF on entry (§6.12.1.3) and the kernel is never
 * interrupted.  Only vector 0x80 has DPL 3: an `int n` from ring 3 to a gate
 * with DPL < 3 raises #GP (§6.12.1.1), which kills the process.
 *
 *   desc_init();                 // once at boot
 *   tss_set_kernel_stack(top);   // at every process switch
 */
#include "os.h"

/* Segment descriptor (SDM Vol. 3A §3.4.5, Figure 3-8). */
struct seg_desc {
    uint16_t limit_lo, base_lo;  /* limit 15:0, base 15:0 */
    uint8_t base_mid;            /* base 23:16 */
    uint8_t access;              /* P, DPL, S, type */
    uint8_t flags_limit_hi;      /* G, D/B, L, AVL in 7:4; limit 19:16 in 3:0 */
    uint8_t base_hi;             /* base 31:24 */
} __attribute__((packed));

/* Interrupt gate (SDM Vol. 3A §6.11, Figure 6-2). */
struct gate_desc {
    uint16_t offset_lo;  /* handler 15:0 */
    uint16_t selector;   /* code segment of the handler */
    uint8_t zero;        /* reserved */
    uint8_t type_attr;   /* P, DPL, type (0xe: 32-bit interrupt gate) */
    uint16_t offset_hi;  /* handler 31:16 */
} __attribute__((packed));

/* The operand of lgdt/lidt. */
struct table_ptr {
    uint16_t limit; /* size in bytes - 1 */
    uint32_t base;  /* linear address of the table */
} __attribute__((packed));

/* 32-bit TSS (SDM Vol. 3A §7.2.1, Figure 7-2): the hardware task-switch
 * fields are unused; only ss0/esp0 (the ring 0 stack for traps from ring 3)
 * and iomap_base matter here. */
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

static struct seg_desc gdt[6];
static struct gate_desc idt[256];
static struct tss tss;

static void gdt_set(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[i] = (struct seg_desc){
        .limit_lo = limit & 0xffff, .base_lo = base & 0xffff,
        .base_mid = (base >> 16) & 0xff, .access = access,
        .flags_limit_hi = (uint8_t)((flags << 4) | ((limit >> 16) & 0xf)),
        .base_hi = base >> 24,
    };
}

static void idt_set(int vec, uint32_t handler, int dpl)
{
    idt[vec] = (struct gate_desc){
        .offset_lo = handler & 0xffff, .selector = SEL_KCODE, .zero = 0,
        .type_attr = (uint8_t)(0x8e | (dpl << 5)), /* present 32-bit interrupt gate */
        .offset_hi = handler >> 16,
    };
}

static void gdt_load(void)
{
    gdt_set(1, 0, 0xfffff, 0x9a, 0xc); /* ring 0 code, 4 KiB granular, 32-bit */
    gdt_set(2, 0, 0xfffff, 0x92, 0xc); /* ring 0 data */
    gdt_set(3, 0, 0xfffff, 0xfa, 0xc); /* ring 3 code */
    gdt_set(4, 0, 0xfffff, 0xf2, 0xc); /* ring 3 data */
    tss.ss0 = SEL_KDATA;
    tss.iomap_base = sizeof tss;       /* no I/O bitmap: ring 3 port I/O faults */
    gdt_set(5, (uint32_t)&tss, sizeof tss - 1, 0x89, 0x0); /* available 32-bit TSS */
    struct table_ptr p = { sizeof gdt - 1, (uint32_t)gdt };
    asm volatile("lgdt %0" ::"m"(p));
    load_segments();
    asm volatile("ltr %w0" ::"r"(SEL_TSS));
}

static void idt_load(void)
{
    for (uint32_t i = 0; i < trap_stub_count; i++) {
        int vec = trap_vectors[i];
        idt_set(vec, trap_stub_table[i], vec == VEC_SYSCALL ? 3 : 0);
    }
    struct table_ptr p = { sizeof idt - 1, (uint32_t)idt };
    asm volatile("lidt %0" ::"m"(p));
}

void desc_init(void)
{
    gdt_load();
    idt_load();
}

void tss_set_kernel_stack(uint32_t esp0)
{
    tss.esp0 = esp0;
}
