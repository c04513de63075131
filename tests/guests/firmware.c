/*
 * firmware.c: the firmware guest — reads what the BIOS left in memory the
 * way xv6 and Linux do, and validates it:
 *   - the BIOS data area (0x400): the EBDA segment at 0x40e and the base
 *     memory size at 0x413 agree (EBDA = base memory top);
 *   - the MP floating pointer "_MP_" (MP spec 1.4 §4.1), searched in the
 *     first KiB of the EBDA, then 0xf0000-0xfffff on 16-byte boundaries:
 *     its 16 bytes sum to 0, and the "PCMP" configuration table it points
 *     to (§4.2) sums to 0 and lists a processor and an I/O APIC (§4.3);
 *   - the ACPI RSDP "RSD PTR " (ACPI 6.4 §5.2.5.1, same search): its 20
 *     bytes sum to 0; the RSDT and every table it lists sum to 0 over their
 *     length (§5.2.6); the MADT ("APIC", §5.2.12) names a local APIC and
 *     an I/O APIC; the FADT ("FACP", §5.2.9) names a PM1a control block.
 * The same checks pass on QEMU (SeaBIOS builds its own tables).
 */
#include "rt.h"

RT_GUEST("firmware");

static uint8_t sum8(const volatile uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* Physical reads (paging is off); the empty asm hides constant low
 * addresses such as 0x40e from gcc's array-bounds analysis. */
static const volatile uint8_t *phys(uint32_t pa)
{
    asm("" : "+r"(pa));
    return (const volatile uint8_t *)pa;
}
static uint32_t rd32(uint32_t pa) { return *(const volatile uint32_t *)phys(pa); }
static uint16_t rd16(uint32_t pa) { return *(const volatile uint16_t *)phys(pa); }
static uint8_t rd8(uint32_t pa) { return *phys(pa); }

static int sig_at(uint32_t pa, const char *sig, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (rd8(pa + i) != (uint8_t)sig[i])
            return 0;
    return 1;
}

/* First 16-byte aligned match with a valid checksum over len bytes. */
static uint32_t scan(uint32_t from, uint32_t to, const char *sig, unsigned n, uint32_t len)
{
    for (uint32_t pa = from; pa + len <= to; pa += 16)
        if (sig_at(pa, sig, n) && sum8(phys(pa), len) == 0)
            return pa;
    return 0;
}

static uint32_t find(const char *sig, unsigned n, uint32_t len)
{
    uint32_t ebda = (uint32_t)rd16(0x40e) << 4;
    uint32_t pa = ebda ? scan(ebda, ebda + 1024, sig, n, len) : 0;
    return pa ? pa : scan(0xf0000, 0x100000, sig, n, len);
}

static void test_bda(void)
{
    uint32_t ebda = (uint32_t)rd16(0x40e) << 4;
    uint32_t base_kib = rd16(0x413);
    rt_ok(base_kib >= 512 && base_kib <= 640, "BDA base memory %u KiB is plausible", base_kib);
    rt_eq(ebda, base_kib << 10, "EBDA segment (0x40e) starts at the top of base memory (0x413)");
}

static void test_mp(void)
{
    uint32_t fp = find("_MP_", 4, 16);
    rt_ok(fp != 0, "MP floating pointer found with a valid checksum");
    if (!fp)
        return;
    uint32_t cfg = rd32(fp + 4);
    rt_ok(cfg != 0 && sig_at(cfg, "PCMP", 4), "MP configuration table at 0x%x says PCMP", cfg);
    if (!cfg || !sig_at(cfg, "PCMP", 4))
        return;
    uint16_t len = rd16(cfg + 4), count = rd16(cfg + 34);
    rt_eq(sum8(phys(cfg), len), 0, "MP configuration table checksum");
    unsigned cpus = 0, ioapics = 0;
    uint32_t e = cfg + 44;
    for (unsigned i = 0; i < count && e < cfg + len; i++) {
        uint8_t type = rd8(e);
        if (type == 0 && (rd8(e + 3) & 1))
            cpus++;
        if (type == 2 && (rd8(e + 3) & 1))
            ioapics++;
        e += type == 0 ? 20 : 8;
    }
    rt_eq(e, cfg + len, "MP entries fill the base table exactly");
    rt_ok(cpus >= 1, "MP table lists %u enabled processor(s)", cpus);
    rt_ok(ioapics >= 1, "MP table lists %u enabled I/O APIC(s)", ioapics);
}

static void test_madt(uint32_t t)
{
    uint32_t len = rd32(t + 4);
    unsigned lapics = 0, ioapics = 0;
    rt_ok(rd32(t + 36) != 0, "MADT local APIC address 0x%x", rd32(t + 36));
    for (uint32_t e = t + 44; e + 2 <= t + len && rd8(e + 1) >= 2; e += rd8(e + 1)) {
        if (rd8(e) == 0 && (rd32(e + 4) & 1))
            lapics++;
        if (rd8(e) == 1)
            ioapics++;
    }
    rt_ok(lapics >= 1, "MADT lists %u enabled local APIC(s)", lapics);
    rt_ok(ioapics >= 1, "MADT lists %u I/O APIC(s)", ioapics);
}

static void test_acpi(void)
{
    uint32_t rsdp = find("RSD PTR ", 8, 20);
    rt_ok(rsdp != 0, "ACPI RSDP found with a valid checksum");
    if (!rsdp)
        return;
    uint32_t rsdt = rd32(rsdp + 16);
    rt_ok(sig_at(rsdt, "RSDT", 4), "RSDT at 0x%x", rsdt);
    if (!sig_at(rsdt, "RSDT", 4))
        return;
    uint32_t len = rd32(rsdt + 4);
    rt_eq(sum8(phys(rsdt), len), 0, "RSDT checksum");
    int madt = 0, fadt = 0;
    for (uint32_t p = rsdt + 36; p + 4 <= rsdt + len; p += 4) {
        uint32_t t = rd32(p);
        char sig[5] = { (char)rd8(t), (char)rd8(t + 1), (char)rd8(t + 2), (char)rd8(t + 3), 0 };
        rt_eq(sum8(phys(t), rd32(t + 4)), 0, "%s checksum", sig);
        if (sig_at(t, "APIC", 4)) {
            madt = 1;
            test_madt(t);
        }
        if (sig_at(t, "FACP", 4)) {
            fadt = 1;
            rt_ok(rd32(t + 64) != 0, "FADT PM1a control block at port 0x%x", rd32(t + 64));
            rt_ok(rd8(t + 89) >= 2, "FADT PM1 control length %u", rd8(t + 89));
        }
    }
    rt_ok(madt, "RSDT lists a MADT");
    rt_ok(fadt, "RSDT lists a FADT");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_bda();
    test_mp();
    test_acpi();
}
