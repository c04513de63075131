/*
 * rt.h: the freestanding runtime every guest test kernel links with.
 *
 * A guest test is a Multiboot v1 kernel that checks one mechanism of the
 * virtual CPU or board and reports through the 16550 UART at 0x3f8:
 *
 *   ok - description
 *   FAIL - description: got 0x... expected 0x...
 *   SUMMARY: <name>: <n> passed, <m> failed
 *
 * then leaves through the debug-exit port 0xf4 (0 = every check passed,
 * 1 = something failed; the machine exits with status (value << 1) | 1).
 *
 * The runtime boots on its own stack, installs its own GDT (flat ring 0/1/3
 * segments, a TSS with an I/O bitmap, free slots for tests), an IDT whose
 * 256 vectors all reach rt_trap(), and runs test_main().  Exceptions a test
 * provokes are caught with the RT_TRY_* asm fragments:
 *
 *   RT_GUEST("example");
 *   void test_main(const struct rt_boot *boot) {
 *       uint32_t at;
 *       rt_trap_reset();
 *       asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: ud2" RT_TRY_END : "=m"(at) :: "memory");
 *       rt_expect_trap(6, 0, at, "ud2 raises #UD");
 *       rt_eq(1 + 1, 2, "arithmetic works");
 *   }
 *
 * Guest code is single-threaded bare metal: plain globals are the state here.
 */
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- selectors of the runtime's GDT ---- */
#define SEL_KCODE 0x08   /* ring 0 flat code, 32-bit */
#define SEL_KDATA 0x10   /* ring 0 flat data */
#define SEL_UCODE 0x1b   /* ring 3 flat code (index 3, RPL 3) */
#define SEL_UDATA 0x23   /* ring 3 flat data (index 4, RPL 3) */
#define SEL_R1CODE 0x29  /* ring 1 flat code (index 5, RPL 1) */
#define SEL_R1DATA 0x31  /* ring 1 flat data (index 6, RPL 1) */
#define SEL_TSS 0x38     /* the runtime's TSS (index 7) */
#define GDT_FIRST_FREE 8 /* tests may use GDT indexes GDT_FIRST_FREE..GDT_ENTRIES-1 */
#define GDT_ENTRIES 64

/* ---- descriptor access bytes (SDM Vol. 3A §3.4.5, §7.2.2, §5.8.3) ---- */
#define ACC_CODE0 0x9a   /* present, DPL 0, execute/read */
#define ACC_DATA0 0x92   /* present, DPL 0, read/write */
#define ACC_CODE1 0xba
#define ACC_DATA1 0xb2
#define ACC_CODE3 0xfa
#define ACC_DATA3 0xf2
#define ACC_DATA0_DOWN 0x96 /* read/write, expand-down */
#define ACC_TSS 0x89     /* available 32-bit TSS */
#define ACC_LDT 0x82
#define ACC_CALLGATE 0x8c
#define ACC_TASKGATE 0x85
#define ACC_INTGATE 0x8e
#define ACC_TRAPGATE 0x8f
#define ACC_DPL(n) ((n) << 5)
/* flags nibble of a segment descriptor (G, D/B) */
#define FLG_4K32 0xc     /* 4 KiB granularity, 32-bit */
#define FLG_BYTE32 0x4   /* byte granularity, 32-bit */

/* ---- EFLAGS bits ---- */
#define FL_CF 0x0001u
#define FL_PF 0x0004u
#define FL_AF 0x0010u
#define FL_ZF 0x0040u
#define FL_SF 0x0080u
#define FL_TF 0x0100u
#define FL_IF 0x0200u
#define FL_DF 0x0400u
#define FL_OF 0x0800u
#define FL_IOPL 0x3000u
#define FL_NT 0x4000u
#define FL_RF 0x10000u
#define FL_AC 0x40000u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Conventional memory a guest may use for tests that need addresses below
 * 64 KiB (16-bit addressing): Multiboot loaders put their information at
 * 0x9000 or above (btvisor, QEMU), the kernel is at 1 MiB. */
#define RT_LOW_SCRATCH 0x2000u
#define RT_LOW_SCRATCH_END 0x9000u

/* Vector the runtime reserves for "return from rt_run_ring to ring 0". */
#define RT_VEC_RING_EXIT 0x70

/* ---- the multiboot information structure (Multiboot 0.6.96 §3.3) ---- */
struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};

struct mb_mmap_entry {
    uint32_t size; /* bytes of this entry after this field */
    uint32_t base_lo, base_hi;
    uint32_t len_lo, len_hi;
    uint32_t type; /* 1 = available RAM */
} __attribute__((packed));

struct rt_boot {
    uint32_t magic;            /* EAX at entry: 0x2BADB002 */
    const struct mb_info *mbi; /* EBX at entry */
};

/* ---- the register frame rt_trap() sees (built by the stubs in entry.S) ---- */
struct rt_frame {
    uint32_t gs, fs, es, ds;                   /* selectors: low 16 bits valid */
    uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax; /* pusha order */
    uint32_t vector;                           /* pushed by the stub */
    uint32_t error;                            /* CPU error code, or 0 pushed by the stub */
    uint32_t eip, cs, eflags;                  /* pushed by the CPU */
    uint32_t esp, ss;                          /* only valid after a privilege change */
};

/* A 32-bit TSS (SDM Vol. 3A §7.2.1) with a full I/O permission bitmap. */
struct rt_tss {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9;
    uint16_t ldt, r10;
    uint16_t trap, iomap_base;
} __attribute__((packed));

/* The runtime's TSS with its I/O bitmap (8 KiB, 1 = port denied) and the
 * 0xff byte the SDM asks for after it (§19.5.2). */
struct rt_tss_io {
    struct rt_tss tss;
    uint8_t iomap[8192];
    uint8_t iomap_end;
} __attribute__((packed));

/* ---- provided by each guest ---- */
extern const char rt_guest_name[];
#define RT_GUEST(name) const char rt_guest_name[] = name
void test_main(const struct rt_boot *boot);
/* Is `word` one of the space-separated words of the Multiboot command line? */
int rt_cmdline_has(const struct rt_boot *boot, const char *word);

/* ---- output ---- */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf subset: %c %s %d %u %x %X with optional 0 flag and width, %%. */
int rt_vformat(char *buf, unsigned size, const char *fmt, va_list ap);
int rt_format(char *buf, unsigned size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rt_uart_init(void);

/* ---- checks: one output line each ---- */
void rt_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_eq(uint32_t got, uint32_t expected, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Compares only the bits in mask (undefined flags are masked out). */
void rt_eq_mask(uint32_t got, uint32_t expected, uint32_t mask, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Compares the arithmetic flags in mask, naming them on failure. */
void rt_eq_flags(uint32_t got, uint32_t expected, uint32_t mask, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A check that cannot run on this machine: prints "ok - ... # SKIP reason"
 * and counts it apart (the summary says how many were skipped). */
void rt_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t rt_failures(void);
/* Non-zero when running on QEMU (its fw_cfg signature at port 0x510, and
 * not btvisor's CPUID brand: btvisor offers fw_cfg as well): the
 * reference machine for these guests, which does not model a few corner
 * cases (data segment rights and limits, lock on non-lockable opcodes,
 * icebp).  Checks for those are skipped there, never weakened. */
int rt_on_qemu(void);
/* Non-zero when running on btvisor (CPUID brand string "btvisor virtual
 * CPU").  btvisor runs ring 3 code directly on the host CPU by default,
 * where user code reading a segment register sees the host's LDT shadow
 * selector; checks of that are skipped there (with --no-direct-exec the
 * values are exact and the checks run). */
int rt_on_btvisor(void);
/* Print the summary and leave through the debug-exit port. */
void rt_finish(void) __attribute__((noreturn));
void rt_exit(uint8_t code) __attribute__((noreturn));

/* ---- descriptor tables ---- */
extern uint64_t rt_gdt[GDT_ENTRIES];
extern uint64_t rt_idt[256];
extern struct rt_tss_io rt_tss;
uint64_t rt_desc_seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
uint64_t rt_desc_gate(uint16_t sel, uint32_t offset, uint8_t access, uint8_t params);
void rt_gdt_set(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
void rt_gdt_set_gate(unsigned index, uint16_t sel, void *target, uint8_t access, uint8_t params);
/* Set a vector's gate; target NULL means the runtime's own stub. */
void rt_idt_set(unsigned vector, uint16_t sel, void *target, uint8_t access);
void rt_idt_reset(unsigned vector); /* back to the runtime default */
void rt_reload_idt(void);
/* Fill a TSS so that a task switch to it starts fn on stack_top in ring 0. */
void rt_tss_prepare(struct rt_tss *t, void (*fn)(void), void *stack_top);

/* ---- exceptions ---- */
/* Where an expected exception resumes (cleared by the handler); 0 = none
 * expected: an exception is then reported as FAIL and the guest exits. */
extern volatile uint32_t rt_resume;
extern struct rt_frame rt_last;      /* the frame of the last caught exception */
extern volatile uint32_t rt_traps;   /* exceptions caught since rt_trap_reset() */
void rt_trap_reset(void);
/* Checks that exactly one exception was caught with this vector, error code
 * (RT_ANY_ERROR: not checked) and saved EIP (RT_ANY_EIP: not checked). */
#define RT_ANY_ERROR 0xffffffffu
#define RT_ANY_EIP 0xffffffffu   /* the saved EIP is not checked */
void rt_expect_trap(unsigned vector, uint32_t error, uint32_t eip, const char *what);
void rt_expect_no_trap(const char *what);
/* A per-vector handler that replaces the default; it may edit the frame. */
typedef void (*rt_handler_fn)(struct rt_frame *f);
void rt_set_handler(unsigned vector, rt_handler_fn fn);
void rt_dump_frame(const struct rt_frame *f);

/* asm fragments: arm rt_resume so an exception continues at the end. */
#define RT_TRY_BEGIN "movl $8888f, rt_resume\n\t"
#define RT_TRY_END "\n8888:\n\tmovl $0, rt_resume\n\t"

/* Run fn at the privilege level of cs/ss (ring 1 or 3) with the given
 * EFLAGS (entered with iret).  fn returns (or executes int $RT_VEC_RING_EXIT)
 * to come back; returns EAX at that point.  Not reentrant. */
uint32_t rt_run_ring(uint16_t cs, uint16_t ss, void (*fn)(void), uint32_t eflags);
extern uint8_t rt_user_stack_top[];

/* ---- small helpers ---- */
static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t rt_eflags(void) { uint32_t f; asm volatile("pushfl; popl %0" : "=r"(f)); return f; }
static inline uint32_t rt_read_cr0(void) { uint32_t v; asm volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline void rt_write_cr0(uint32_t v) { asm volatile("movl %0, %%cr0" ::"r"(v) : "memory"); }
static inline uint32_t rt_read_cr3(void) { uint32_t v; asm volatile("movl %%cr3, %0" : "=r"(v)); return v; }
/* gcc may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
