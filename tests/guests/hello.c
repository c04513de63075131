/*
 * hello.c: the smallest guest, booted through the Multiboot "a.out kludge"
 * (header flag bit 16): the file is a flat binary, not an ELF, so the loader
 * must take the load, bss and entry addresses from the header
 * (rt/mbheader_aout.S, Multiboot 0.6.96 §3.1.3).
 *
 * Checks what that loader path must get right: the entry point was reached
 * with the magic, the loaded data is intact (a non-zero initialised global on
 * the last data page), the bss up to bss_end_addr is zero, and the
 * information structure is where EBX says.
 */
#include "rt.h"

RT_GUEST("hello");

static volatile uint32_t data_word = 0xc0ffee42;
static volatile uint8_t bss_block[20000];
extern uint8_t _bss_end[], _load_end[];

void test_main(const struct rt_boot *boot)
{
    uint32_t i, nonzero = 0;

    rt_printf("Hello from a flat-binary multiboot kernel\n");
    for (i = 0; i < sizeof bss_block; i++)
        nonzero |= bss_block[i];
    rt_eq(data_word, 0xc0ffee42, "initialised .data word loaded");
    rt_eq(nonzero, 0, "bss (%u bytes) is zero", (unsigned)sizeof bss_block);
    rt_ok((uint32_t)boot->mbi != 0 && (uint32_t)boot->mbi < 0x100000 + 64u * 1024 * 1024,
          "multiboot info pointer 0x%08x inside RAM", (uint32_t)boot->mbi);
    rt_ok(boot->mbi->flags & 1, "mem_lower/mem_upper present (flags 0x%x)", boot->mbi->flags);
    rt_ok(boot->mbi->mem_upper >= 60 * 1024, "mem_upper %u KiB for -m 64M",
          boot->mbi->mem_upper);
    rt_ok((uint32_t)_bss_end > (uint32_t)_load_end, "bss follows the loaded image");
}
