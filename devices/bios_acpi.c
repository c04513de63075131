/*
 * bios_acpi.c: the ACPI tables of this board (ACPI 6.4 chapter 5, written
 * in their 1.0 forms, which every ACPI kernel reads): RSDP → RSDT →
 * { FADT → FACS, DSDT; MADT }.
 *
 *   RSDP  revision 0 (20 bytes), in the BIOS area where Linux scans
 *   FADT  revision 1: the PM1a event/control blocks and PM timer of
 *         devices/acpi_pm.c, SCI on IRQ 9, no SMI command port (always in
 *         ACPI mode), no GPE blocks, C2/C3 not supported
 *   FACS  64 bytes, no waking vector (no S3)
 *   DSDT  AML for one object: Name (\_S5, Package () { 0, 0, 0, 0 }) —
 *         the SLP_TYP values that acpi_pm.c turns into a power-off
 *   MADT  the local APIC address; processor 0 with local APIC 0; the I/O
 *         APIC at 0xfec00000, GSI base 0; interrupt source overrides
 *         ISA IRQ 0 → GSI 2 (edge, as the bus) and IRQ 9 → GSI 9 (level,
 *         active high: the SCI); LINT1 is the NMI input; PCAT_COMPAT set,
 *         since the 8259s exist and start out in charge
 * Each table is built in a host buffer, checksummed and copied to the next
 * free 16-byte-aligned address from BIOS_ACPI_TABLES (the FACS is 64-byte
 * aligned, §5.2.10).
 *
 *   bios_write_acpi(vm);     // "RSD PTR " at 0xf0000
 */
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/bios.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "monitor/vm.h"

#define ACPI_HDR 36u
#define ACPI_TABLE_MAX 256u

struct acpi_writer {
    struct vm *vm;
    uint32_t next; /* next free guest-physical address for a table */
};

/* The common description header (§5.2.6); length and checksum are filled by acpi_finish. */
static void acpi_header(uint8_t *t, const char *sig, uint8_t revision)
{
    memcpy(t, sig, 4);
    t[8] = revision;
    memcpy(t + 10, "BTVSOR", 6);       /* OEM ID */
    memcpy(t + 16, "BTVISOR ", 8);     /* OEM table ID */
    bios_put32(t + 24, 1);             /* OEM revision */
    memcpy(t + 28, "BTVR", 4);         /* creator ID */
    bios_put32(t + 32, 1);             /* creator revision */
}

/* Set length and checksum, place the table, return its address. */
static uint32_t acpi_finish(struct acpi_writer *w, uint8_t *t, uint32_t len, uint32_t align)
{
    bios_put32(t + 4, len);
    t[9] = 0;
    t[9] = bios_checksum(t, len);
    uint32_t at = (w->next + align - 1) & ~(align - 1);
    if (at + len > BIOS_ACPI_TABLES_END)
        return 0;
    bios_copy_to_guest(w->vm, at, t, len);
    w->next = at + len;
    return at;
}

static uint32_t acpi_write_facs(struct acpi_writer *w)
{
    uint8_t t[64];
    memset(t, 0, sizeof t);
    memcpy(t, "FACS", 4);
    bios_put32(t + 4, sizeof t);
    uint32_t at = (w->next + 63) & ~63u;
    bios_copy_to_guest(w->vm, at, t, sizeof t);
    w->next = at + sizeof t;
    return at;
}

static uint32_t acpi_write_dsdt(struct acpi_writer *w)
{
    /* DefName(NameOp 0x08, "_S5_", DefPackage(PackageOp 0x12, PkgLength 6,
     * NumElements 4, ZeroOp x4)) (§20.2.5.1, §20.2.5.4) */
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
                                   ACPI_S5_SLP_TYP, ACPI_S5_SLP_TYP, 0x00, 0x00 };
    uint8_t t[ACPI_HDR + sizeof aml];
    memset(t, 0, sizeof t);
    acpi_header(t, "DSDT", 1);
    memcpy(t + ACPI_HDR, aml, sizeof aml);
    return acpi_finish(w, t, sizeof t, 16);
}

static uint32_t acpi_write_fadt(struct acpi_writer *w, uint32_t facs, uint32_t dsdt)
{
    uint8_t t[116];
    memset(t, 0, sizeof t);
    acpi_header(t, "FACP", 1);
    bios_put32(t + 36, facs);
    bios_put32(t + 40, dsdt);
    bios_put16(t + 46, ACPI_SCI_IRQ);
    bios_put32(t + 56, ACPI_PM1A_EVT);
    bios_put32(t + 64, ACPI_PM1A_CNT);
    bios_put32(t + 76, ACPI_PM_TMR);
    t[88] = 4;                         /* PM1_EVT_LEN */
    t[89] = 2;                         /* PM1_CNT_LEN */
    t[91] = 4;                         /* PM_TMR_LEN */
    bios_put16(t + 96, 0x0fff);        /* P_LVL2_LAT > 100: no C2 */
    bios_put16(t + 98, 0x0fff);        /* P_LVL3_LAT > 1000: no C3 */
    t[108] = 0x32;                     /* CMOS index of the century */
    /* WBINVD works (0), C1 via hlt (2), power and sleep buttons absent (4, 5) */
    bios_put32(t + 112, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5));
    return acpi_finish(w, t, sizeof t, 16);
}

static uint32_t acpi_write_madt(struct acpi_writer *w)
{
    uint8_t t[ACPI_TABLE_MAX];
    memset(t, 0, sizeof t);
    acpi_header(t, "APIC", 1);
    bios_put32(t + 36, LAPIC_DEFAULT_BASE);
    bios_put32(t + 40, 1);             /* PCAT_COMPAT: dual 8259s present */
    uint8_t *e = t + 44;
    e[0] = 0; e[1] = 8; e[2] = 0; e[3] = 0;        /* processor 0, local APIC 0 */
    bios_put32(e + 4, 1);                          /* enabled */
    e += 8;
    if (w->vm->board.ioapic) {
        e[0] = 1; e[1] = 12; e[2] = IOAPIC_ID;     /* I/O APIC */
        bios_put32(e + 4, IOAPIC_BASE);
        bios_put32(e + 8, 0);                      /* GSI base */
        e += 12;
        e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 0;   /* ISA IRQ 0 -> GSI 2, bus defaults */
        bios_put32(e + 4, 2);
        bios_put16(e + 8, 0);
        e += 10;
        e[0] = 2; e[1] = 10; e[2] = 0; e[3] = ACPI_SCI_IRQ; /* SCI: level, active high */
        bios_put32(e + 4, ACPI_SCI_IRQ);
        bios_put16(e + 8, 0x000d);
        e += 10;
    }
    e[0] = 4; e[1] = 6; e[2] = 0xff;               /* local APIC NMI: all processors, LINT1 */
    bios_put16(e + 3, 0);
    e[5] = 1;
    e += 6;
    return acpi_finish(w, t, (uint32_t)(e - t), 16);
}

static void acpi_write_rsdp(struct vm *vm, uint32_t rsdt)
{
    uint8_t r[20];
    memset(r, 0, sizeof r);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "BTVSOR", 6);
    r[15] = 0;                         /* revision 0: ACPI 1.0, RSDT only */
    bios_put32(r + 16, rsdt);
    r[8] = bios_checksum(r, sizeof r);
    bios_copy_to_guest(vm, BIOS_RSDP, r, sizeof r);
}

void bios_write_acpi(struct vm *vm)
{
    if (!vm->board.lapic || !vm->board.acpi_pm)
        return; /* ACPI here describes the APICs and the PM block */
    struct acpi_writer w = { .vm = vm, .next = BIOS_ACPI_TABLES };
    uint32_t facs = acpi_write_facs(&w);
    uint32_t dsdt = acpi_write_dsdt(&w);
    uint32_t fadt = acpi_write_fadt(&w, facs, dsdt);
    uint32_t madt = acpi_write_madt(&w);
    uint8_t rsdt[ACPI_HDR + 8];
    memset(rsdt, 0, sizeof rsdt);
    acpi_header(rsdt, "RSDT", 1);
    bios_put32(rsdt + ACPI_HDR, fadt);
    bios_put32(rsdt + ACPI_HDR + 4, madt);
    acpi_write_rsdp(vm, acpi_finish(&w, rsdt, sizeof rsdt, 16));
}
