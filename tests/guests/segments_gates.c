/*
 * segments_gates.c: call gates (same ring, and ring 3 -> ring 0 with a
 * stack switch and parameter copy, SDM Vol. 3A §5.8.5-5.8.6), an LDT with
 * a data and a code segment (lldt, TI = 1 selectors), the store
 * instructions sgdt/sidt/sldt/str/smsw, and lar/lsl/verr/verw (§5.10).
 */
#include "segments.h"

extern volatile uint32_t seg_rec[16];
void seg_gate0_target(void);
void seg_gate3_target(void);
void seg_user_call(void);

uint8_t seg_ldt_buf[64] __attribute__((aligned(16)));
static uint64_t ldt[4] __attribute__((aligned(8)));

struct dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

static void test_call_gates(void)
{
    uint32_t ret_at;

    rt_gdt_set_gate(SEL_GATE0 >> 3, SEL_KCODE, (void *)seg_gate0_target, ACC_CALLGATE, 0);
    asm volatile("lcall $0x58, $0\n1:\tmovl $1b, %0" : "=r"(ret_at) : : "eax", "memory");
    rt_eq(seg_rec[0], ret_at, "call gate (same ring): return EIP pushed");
    rt_eq(seg_rec[1] & 0xffff, SEL_KCODE, "call gate (same ring): return CS pushed");
    rt_eq(seg_rec[2], SEL_KCODE, "call gate: target runs with the gate's code selector");

    rt_gdt_set_gate(SEL_GATE3 >> 3, SEL_KCODE, (void *)seg_gate3_target,
                    ACC_CALLGATE | ACC_DPL(3), 2);
    memset((void *)seg_rec, 0, 64);
    rt_run_ring(SEL_UCODE, SEL_UDATA, seg_user_call, 0x2);
    rt_eq(seg_rec[0], seg_rec[10], "call gate ring 3 -> 0: return EIP");
    rt_eq(seg_rec[1] & 0xffff, SEL_UCODE, "call gate ring 3 -> 0: return CS is ring 3");
    rt_eq(seg_rec[2], SEL_KCODE, "call gate ring 3 -> 0: runs in ring 0");
    rt_eq(seg_rec[7], SEL_KDATA, "call gate ring 3 -> 0: SS from TSS.SS0");
    rt_eq(seg_rec[3], 0x11111111, "call gate copies parameter 1");
    rt_eq(seg_rec[4], 0x22222222, "call gate copies parameter 2");
    rt_eq(seg_rec[5], seg_rec[9], "call gate saves the caller's ESP");
    rt_eq(seg_rec[6] & 0xffff, SEL_UDATA, "call gate saves the caller's SS");
    rt_eq(seg_rec[11], seg_rec[8], "retf $8 to ring 3 drops the parameters");
}

static void test_ldt(void)
{
    struct dtr g, i;
    uint16_t sel, tr;
    uint32_t v, cs;

    ldt[0] = 0;
    ldt[1] = rt_desc_seg((uint32_t)seg_ldt_buf, 0x3f, ACC_DATA0, FLG_BYTE32);
    ldt[2] = rt_desc_seg(0, 0xfffff, ACC_CODE0, FLG_4K32);
    rt_gdt_set(SEL_LDT >> 3, (uint32_t)ldt, sizeof ldt - 1, ACC_LDT, 0);
    seg_ldt_buf[8] = 0x42;

    asm volatile("sldt %0" : "=r"(sel));
    rt_eq(sel, 0, "sldt before lldt: 0");
    asm volatile("lldt %w0" : : "r"(SEL_LDT));
    asm volatile("sldt %0" : "=r"(sel));
    rt_eq(sel, SEL_LDT, "sldt after lldt");
    asm volatile("movw %w1, %%fs\n\tmovzbl %%fs:8, %0\n\tmovw %w2, %%fs"
                 : "=r"(v) : "r"(SEL_LDT_DATA), "r"(SEL_KDATA));
    rt_eq(v, 0x42, "data segment from the LDT (TI = 1)");
    asm volatile("ljmp $0x14, $1f\n1:\tmovw %%cs, %w0\n\tljmp $0x08, $2f\n2:"
                 : "=r"(cs) : : "memory");
    rt_eq(cs & 0xffff, SEL_LDT_CODE, "far jump to a code segment in the LDT");
    asm volatile("lldt %w0" : : "r"(0));

    asm volatile("sgdt %0\n\tsidt %1\n\tstr %2" : "=m"(g), "=m"(i), "=r"(tr));
    rt_eq(g.base, (uint32_t)rt_gdt, "sgdt base");
    rt_eq(g.limit, sizeof rt_gdt - 1, "sgdt limit");
    rt_eq(i.base, (uint32_t)rt_idt, "sidt base");
    rt_eq(i.limit, sizeof rt_idt - 1, "sidt limit");
    rt_eq(tr, SEL_TSS, "str");
}

static void test_smsw(void)
{
    uint16_t msw = 0xffff;
    uint32_t r = 0x12345678;
    asm volatile("smsw %0" : "=m"(msw));
    rt_eq(msw, rt_read_cr0() & 0xffff, "smsw m16 = CR0 low word");
    rt_eq(msw & 1, 1, "smsw: PE set");
    asm volatile("smsw %w0" : "+r"(r));
    rt_eq(r & 0xffff, rt_read_cr0() & 0xffff, "smsw r16");
}

struct zf_result {
    uint32_t value, zf;
};

#define LAR_LIKE(insn, sel)                                                              \
    ({                                                                                   \
        struct zf_result z_ = {0xdeadbeef, 0};                                           \
        asm volatile(insn " %2, %0\n\tsetz %b1" : "+r"(z_.value), "=q"(z_.zf)             \
                     : "r"((uint32_t)(sel)) : "cc");                                      \
        z_.zf &= 1;                                                                      \
        z_;                                                                              \
    })

#define VER_LIKE(insn, sel)                                                              \
    ({                                                                                   \
        uint32_t zf_;                                                                    \
        asm volatile(insn " %w1\n\tsetz %b0\n\tmovzbl %b0, %0" : "=q"(zf_)                \
                     : "r"((uint32_t)(sel)) : "cc");                                      \
        zf_;                                                                             \
    })

static void test_lar_lsl(void)
{
    struct zf_result z;

    rt_gdt_set(SEL_FRESH >> 3, 0, 0xfffff, ACC_DATA0, FLG_4K32);
    rt_gdt_set(SEL_XONLY >> 3, 0, 0xfffff, 0x98, FLG_4K32);
    rt_gdt_set(SEL_RONLY >> 3, 0, 0xfff, 0x90, FLG_BYTE32);
    rt_gdt_set(SEL_PAGES >> 3, 0, 0x12, ACC_DATA0, FLG_4K32);

    z = LAR_LIKE("lar", SEL_FRESH);
    rt_eq(z.zf, 1, "lar on a data segment: ZF");
    /* bits 16-19 (limit 19:16) are undefined in lar's result (SDM "LAR") */
    rt_eq_mask(z.value, 0x00c09200, 0x00f0ff00, "lar: access rights and flags");
    z = LAR_LIKE("lar", SEL_TSS);
    rt_eq(z.zf, 1, "lar on a TSS descriptor: valid");
    rt_eq_mask(z.value, 0x00008b00, 0x00f0ff00, "lar on the busy TSS: type 0xb");
    z = LAR_LIKE("lar", 0);
    rt_eq(z.zf, 0, "lar on the null selector: ZF clear");
    rt_eq(z.value, 0xdeadbeef, "lar failing leaves the destination");
    z = LAR_LIKE("lar", 0x1ff8);
    rt_eq(z.zf, 0, "lar beyond the GDT limit: ZF clear");

    z = LAR_LIKE("lsl", SEL_RONLY);
    rt_eq(z.zf, 1, "lsl on a byte-granular segment: ZF");
    rt_eq(z.value, 0xfff, "lsl byte granular: limit 0xfff");
    z = LAR_LIKE("lsl", SEL_PAGES);
    rt_eq(z.value, 0x12fff, "lsl 4 KiB granular: (0x12 << 12) | 0xfff");
    z = LAR_LIKE("lsl", SEL_KCODE);
    rt_eq(z.value, 0xffffffff, "lsl flat code: 0xffffffff");
    z = LAR_LIKE("lsl", SEL_TSS);
    rt_eq(z.value, sizeof rt_tss - 1, "lsl on the TSS: its limit");

    rt_eq(VER_LIKE("verr", SEL_FRESH), 1, "verr on read/write data");
    rt_eq(VER_LIKE("verw", SEL_FRESH), 1, "verw on read/write data");
    rt_eq(VER_LIKE("verr", SEL_RONLY), 1, "verr on read-only data");
    rt_eq(VER_LIKE("verw", SEL_RONLY), 0, "verw on read-only data: ZF clear");
    rt_eq(VER_LIKE("verr", SEL_KCODE), 1, "verr on execute/read code");
    rt_eq(VER_LIKE("verr", SEL_XONLY), 0, "verr on execute-only code: ZF clear");
    rt_eq(VER_LIKE("verw", SEL_KCODE), 0, "verw on code: ZF clear");
    rt_eq(VER_LIKE("verr", 0), 0, "verr on null: ZF clear");
}

void seg_test_gates(void)
{
    test_call_gates();
}

void seg_test_tables(void)
{
    test_ldt();
    test_smsw();
    test_lar_lsl();
}
