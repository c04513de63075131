/*
 * linux_entry.c: the GDT and the vCPU state a Linux kernel starts in.
 *
 * The 32-bit boot protocol (Documentation/arch/x86/boot.rst, "32-bit Boot
 * Protocol") asks for: 32-bit protected mode with paging disabled; a loaded
 * GDT holding flat 4 GiB descriptors for __BOOT_CS (0x10, execute/read) and
 * __BOOT_DS (0x18, read/write); CS = __BOOT_CS; DS = ES = SS = __BOOT_DS;
 * interrupts disabled; ESI = address of struct boot_params; EBP = EDI =
 * EBX = 0.  The kernel's first instructions load its own GDT, so this one
 * only has to be valid until then; it lives in low RAM (LINUX_GDT_ADDR) with
 * entries 0 and 1 null.  FS and GS, which the protocol leaves open, get
 * __BOOT_DS too, and ESP points just below the zero page (the kernel sets
 * its own stack at once, in boot_params' scratch field).
 *
 * linux_vcpu_reset() starts from vcpu_reset_multiboot(), which gives the
 * same machine as Multiboot's entry (flat segments, CR0.PE = 1, paging off,
 * IF = 0, x87/SSE and MSRs at their reset values), then changes what differs:
 * the selectors, GDTR and the general registers.
 *
 *   uint64_t gdt[LINUX_GDT_ENTRIES];
 *   linux_gdt_build(gdt);
 *   gmem_write_phys(vm, LINUX_GDT_ADDR, gdt, sizeof gdt);
 *   linux_vcpu_reset(&vm->cpu, &entry);
 */
#include "loader/linux.h"
#include "loader/linuximage.h"
#include "monitor/vcpu.h"

/* A flat descriptor: base 0, limit 0xfffff in 4 KiB units (4 GiB), 32-bit,
 * present, DPL 0, code/data type `type` with the accessed bit already set so
 * that loading it needs no write (SDM Vol. 3A §3.4.5, Figure 3-8). */
static uint64_t linux_gdt_flat(uint32_t type)
{
    uint32_t lo = 0x0000ffffu;                       /* base 15:0 = 0, limit 15:0 */
    uint32_t hi = (type | SEG_ATTR_S | SEG_ATTR_P) << 8 /* type, S, DPL 0, P */
                  | 0xfu << 16                       /* limit 19:16 */
                  | (uint32_t)(SEG_ATTR_DB | SEG_ATTR_G) << 8; /* D/B and G at bits 22, 23 */
    return (uint64_t)hi << 32 | lo;
}

void linux_gdt_build(uint64_t gdt[LINUX_GDT_ENTRIES])
{
    gdt[0] = 0;
    gdt[1] = 0;
    gdt[LINUX_BOOT_CS >> 3] = linux_gdt_flat(SEG_ATTR_CODE | SEG_ATTR_RW | SEG_ATTR_ACCESSED);
    gdt[LINUX_BOOT_DS >> 3] = linux_gdt_flat(SEG_ATTR_RW | SEG_ATTR_ACCESSED);
}

/* The segment cache a flat descriptor of `type` loads (see linux_gdt_flat). */
static struct seg_cache linux_flat_cache(uint16_t sel, uint32_t type)
{
    return (struct seg_cache){ .sel = sel, .base = 0, .limit = 0xffffffffu,
                               .attr = type | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G };
}

void linux_vcpu_reset(struct vcpu *v, const struct linux_entry *e)
{
    vcpu_reset_multiboot(v, e->eip, 0, 0);
    vcpu_set_seg(v, SREG_CS,
                 linux_flat_cache(LINUX_BOOT_CS, SEG_ATTR_CODE | SEG_ATTR_RW | SEG_ATTR_ACCESSED));
    struct seg_cache data = linux_flat_cache(LINUX_BOOT_DS, SEG_ATTR_RW | SEG_ATTR_ACCESSED);
    for (int s = 0; s < SREG_COUNT; s++)
        if (s != SREG_CS)
            vcpu_set_seg(v, (enum x86_sreg)s, data);
    v->gdtr = (struct dtr){ .base = e->gdt_base, .limit = e->gdt_limit };
    for (int r = 0; r < GPR_COUNT; r++)
        v->gpr[r] = 0; /* EBP, EDI, EBX must be zero; the others are cleared too */
    v->gpr[GPR_ESI] = e->esi;
    v->gpr[GPR_ESP] = e->esp;
    v->eip = e->eip;
}
