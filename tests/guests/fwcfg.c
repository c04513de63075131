/*
 * fwcfg.c: the fwcfg guest — QEMU's firmware configuration device at
 * ports 0x510/0x511 and its DMA interface at 0x514 (QEMU's
 * docs/specs/fw_cfg.rst), as kvm-unit-tests and SeaBIOS read it:
 *   - the signature "QEMU" and the feature word (traditional + DMA);
 *   - the RAM size matches what the Multiboot loader reported (mem_upper,
 *     which QEMU's loader makes 128 KiB smaller);
 *   - one CPU (NB_CPUS), selector writes rewind, reads past an item's end
 *     and unknown keys return 0;
 *   - the file directory lists "etc/e820", whose first entry is all of RAM;
 *   - a DMA read copies an item into memory and clears the control word;
 *     select+skip+read reaches an offset; a DMA write is refused with the
 *     error bit; the DMA register reads back "QEMU CFG".
 * The same kernel passes on QEMU (qemu.fwcfg), the reference machine.
 */
#include "rt.h"

RT_GUEST("fwcfg");

#define SEL 0x510
#define DATA 0x511
#define DMA 0x514

static void cfg_select(uint16_t key)
{
    outw(SEL, key);
}

static void cfg_read(uint16_t key, void *buf, unsigned len)
{
    uint8_t *p = buf;
    cfg_select(key);
    for (unsigned i = 0; i < len; i++)
        p[i] = inb(DATA);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct dma_desc {
    uint32_t control, length, addr_hi, addr_lo; /* big-endian on the wire */
} __attribute__((aligned(16)));

static volatile struct dma_desc desc;

/* Run one DMA descriptor; returns the control word the device left. */
static uint32_t cfg_dma(uint32_t control, void *dst, uint32_t len)
{
    desc.control = __builtin_bswap32(control);
    desc.length = __builtin_bswap32(len);
    desc.addr_hi = 0;
    desc.addr_lo = __builtin_bswap32((uint32_t)dst);
    outl(DMA, 0);
    outl(DMA + 4, __builtin_bswap32((uint32_t)&desc));
    asm volatile("" ::: "memory"); /* the device wrote *dst behind the compiler's back */
    return __builtin_bswap32(desc.control);
}

static void test_signature(void)
{
    char sig[5] = { 0 };
    uint32_t id;
    cfg_read(0x0000, sig, 4);
    rt_ok(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
          "signature item 0x0000 reads \"QEMU\" (got \"%s\")", sig);
    cfg_read(0x0001, &id, 4);
    rt_eq(id & 3, 3, "feature word 0x0001: traditional interface and DMA");
    rt_eq(inb(DATA), 0, "a read past the end of an item returns 0");
    cfg_read(0x0000, sig, 2);
    rt_ok(sig[0] == 'Q' && sig[1] == 'E', "a selector write rewinds to the item's first byte");
    cfg_select(0x7ff0);
    rt_eq(inb(DATA), 0, "an undefined key reads as 0");
}

static void test_numbers(const struct rt_boot *boot)
{
    uint32_t ram[2];
    uint16_t cpus, max;
    cfg_read(0x0003, ram, 8);
    rt_eq(ram[1], 0, "RAM size 0x0003: below 4 GiB here");
    uint32_t mb = (boot->mbi->mem_upper + 1024) * 1024; /* QEMU keeps 128 KiB of the top from it */
    rt_ok(ram[0] >= mb && ram[0] - mb < (1u << 20),
          "RAM size 0x0003 (0x%x) matches Multiboot mem_upper (0x%x)", ram[0], mb);
    cfg_read(0x0005, &cpus, 2);
    rt_eq(cpus, 1, "NB_CPUS 0x0005: one CPU");
    cfg_read(0x000f, &max, 2);
    rt_ok(max >= 1, "MAX_CPUS 0x000f is at least 1 (got %u)", max);
}

/* Find a file in the directory: its key and size, 0 when absent. */
static uint16_t cfg_find_file(const char *name, uint32_t *size)
{
    uint8_t count[4], entry[64];
    cfg_read(0x0019, count, 4);
    for (uint32_t i = 0; i < be32(count); i++) {
        for (unsigned j = 0; j < sizeof entry; j++)
            entry[j] = inb(DATA);
        if (memcmp(entry + 8, name, strlen(name) + 1) == 0) {
            *size = be32(entry);
            return (uint16_t)(entry[4] << 8 | entry[5]);
        }
    }
    return 0;
}

static void test_files(void)
{
    uint8_t count[4];
    uint32_t size = 0, e820[5];
    cfg_read(0x0019, count, 4);
    rt_ok(be32(count) >= 1, "file directory 0x0019 lists files (%u)", be32(count));
    uint16_t key = cfg_find_file("etc/e820", &size);
    rt_ok(key >= 0x20, "etc/e820 is in the directory (key 0x%x)", key);
    rt_ok(size >= 20 && size % 20 == 0, "etc/e820 is a table of 20-byte entries (%u bytes)", size);
    cfg_read(key, e820, sizeof e820);
    uint32_t ram[2];
    cfg_read(0x0003, ram, 8);
    rt_ok(e820[0] == 0 && e820[1] == 0 && e820[2] == ram[0] && e820[4] == 1,
          "etc/e820's first entry is RAM from 0 of the RAM size (0x%x..+0x%x type %u)", e820[0],
          e820[2], e820[4]);
}

static void test_dma(void)
{
    static uint8_t buf[16];
    memset(buf, 0xaa, sizeof buf);
    uint32_t st = cfg_dma(0x08 | 0x02 | (0x0000u << 16), buf, 6); /* select signature, read 6 */
    rt_eq(st, 0, "DMA select+read completes with the control word cleared");
    rt_ok(memcmp(buf, "QEMU", 4) == 0, "DMA read copies the signature into memory");
    rt_ok(buf[4] == 0 && buf[5] == 0 && buf[6] == 0xaa,
          "DMA reads past the item's end give zeros, and stop at length");
    uint16_t cpus = 0;
    cfg_select(0x0005);
    st = cfg_dma(0x02, &cpus, 2); /* read the selected item from the port interface */
    rt_eq(cpus, 1, "DMA read continues the item the selector port chose");
    memset(buf, 0, sizeof buf);
    cfg_dma(0x08 | 0x04 | (0x0000u << 16), 0, 2); /* select signature, skip 2 */
    cfg_dma(0x02, buf, 2);
    rt_ok(buf[0] == 'M' && buf[1] == 'U', "DMA skip advances the offset");
    st = cfg_dma(0x08 | 0x10 | (0x0005u << 16), buf, 2);
    rt_eq(st & 1, 1, "DMA write to a read-only item sets the error bit");
    rt_eq(inl(DMA), 0x554d4551, "the DMA register reads \"QEMU\" in its first half");
    rt_eq(inl(DMA + 4), 0x47464320, "and \" CFG\" in its second half");
}

void test_main(const struct rt_boot *boot)
{
    test_signature();
    test_numbers(boot);
    test_files();
    test_dma();
}
