/*
 * demo.c: the guest README's run command boots — it shows what the virtual
 * machine hands a Multiboot kernel and does some visible work.
 *
 * Prints a banner, the memory map, the command line and the boot loader
 * name from the Multiboot information structure, then counts the primes
 * below 10000 with a sieve and computes a CRC-32, checking both against
 * known answers (1229 primes summing to 5736396; CRC-32 of "123456789" is
 * 0xcbf43926, the standard check value), and powers off with status 0.
 *
 *   btvisor -kernel build/tests/guests/demo.elf -append "hello world" -serial stdio
 */
#include "rt.h"

RT_GUEST("demo");

#define SIEVE_LIMIT 10000

static uint8_t composite[SIEVE_LIMIT];

static void show_memory_map(const struct mb_info *mbi)
{
    uint32_t off, usable_kib = 0;
    if (mbi->flags & 1)
        rt_printf("memory: %u KiB low, %u KiB above 1 MiB\n", mbi->mem_lower, mbi->mem_upper);
    if (!(mbi->flags & (1u << 6))) {
        rt_printf("memory map: none\n");
        return;
    }
    rt_printf("memory map (%u bytes at 0x%08x):\n", mbi->mmap_length, mbi->mmap_addr);
    for (off = 0; off < mbi->mmap_length;) {
        const struct mb_mmap_entry *e = (const void *)(mbi->mmap_addr + off);
        rt_printf("  0x%08x%08x + 0x%08x%08x  type %u%s\n", e->base_hi, e->base_lo, e->len_hi,
                  e->len_lo, e->type, e->type == 1 ? " (available)" : "");
        if (e->type == 1)
            usable_kib += e->len_lo / 1024 + e->len_hi * 4u * 1024 * 1024;
        off += e->size + 4;
    }
    rt_ok(usable_kib > 0, "memory map lists %u KiB of available RAM", usable_kib);
}

static void show_strings(const struct mb_info *mbi)
{
    if (mbi->flags & (1u << 2))
        rt_printf("command line: \"%s\"\n", (const char *)mbi->cmdline);
    else
        rt_printf("command line: none\n");
    if (mbi->flags & (1u << 9))
        rt_printf("boot loader: %s\n", (const char *)mbi->boot_loader_name);
}

static void count_primes(void)
{
    uint32_t i, j, count = 0, sum = 0;
    for (i = 2; i < SIEVE_LIMIT; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        for (j = i * i; j < SIEVE_LIMIT; j += i)
            composite[j] = 1;
    }
    rt_printf("primes below %u: %u, sum %u\n", SIEVE_LIMIT, count, sum);
    rt_eq(count, 1229, "prime count below 10000");
    rt_eq(sum, 5736396, "prime sum below 10000");
}

static uint32_t crc32(const char *s)
{
    uint32_t crc = 0xffffffffu;
    int k;
    for (; *s; s++) {
        crc ^= (uint8_t)*s;
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

void test_main(const struct rt_boot *boot)
{
    rt_printf("\n  btvisor demo guest: a Multiboot kernel running in protected mode\n\n");
    show_memory_map(boot->mbi);
    show_strings(boot->mbi);
    count_primes();
    rt_eq(crc32("123456789"), 0xcbf43926, "CRC-32 check value");
    rt_printf("\nAll done, powering off.\n");
}
