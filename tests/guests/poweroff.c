/*
 * poweroff.c: the poweroff guest — finds the FADT through the RSDP and
 * RSDT (ACPI 6.4 §5.2.5, §5.2.7) and powers the machine off the way an
 * ACPI kernel does: SLP_TYP of \_S5 (0 on btvisor, as on QEMU's PIIX4)
 * with SLP_EN into PM1a_CNT (§4.8.3.2.1, §16.1.7).  The machine must stop
 * with exit status 0 right there; if the write returns, the guest fails
 * through the debug-exit port.  ctest guest.acpi_poweroff checks both.
 */
#include "rt.h"

RT_GUEST("poweroff");

static uint32_t rd32(uint32_t pa)
{
    asm("" : "+r"(pa));
    return *(const volatile uint32_t *)pa;
}

static uint32_t find_rsdp(void)
{
    for (uint32_t pa = 0xf0000; pa < 0x100000; pa += 16)
        if (rd32(pa) == 0x20445352 && rd32(pa + 4) == 0x20525450) /* "RSD PTR " */
            return pa;
    return 0;
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    uint32_t rsdp = find_rsdp(), pm1a = 0;
    rt_ok(rsdp != 0, "RSDP found");
    if (rsdp) {
        uint32_t rsdt = rd32(rsdp + 16), len = rd32(rsdt + 4);
        for (uint32_t p = rsdt + 36; p + 4 <= rsdt + len; p += 4)
            if (rd32(rd32(p)) == 0x50434146) /* "FACP" */
                pm1a = rd32(rd32(p) + 64);
    }
    rt_ok(pm1a != 0, "FADT PM1a_CNT at port 0x%x", pm1a);
    if (pm1a) {
        rt_printf("poweroff: S5 through PM1a_CNT\n");
        outw((uint16_t)pm1a, (uint16_t)((0u << 10) | (1u << 13)));
        rt_ok(0, "the machine is still running after SLP_EN with S5");
    }
}
