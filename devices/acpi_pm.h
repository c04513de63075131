/*
 * acpi_pm.h: the ACPI fixed-hardware registers of a PIIX4-style power
 * management block at I/O port 0x600 (where QEMU's PC has it): the PM1a
 * event block (status/enable), the PM1a control block (SCI_EN, SLP_TYP,
 * SLP_EN — the guest's power-off switch) and the 24-bit ACPI PM timer at
 * 3.579545 MHz.  The FADT (bios_acpi.c) tells the guest these addresses.
 *
 *   outw(0x604, (ACPI_S5_SLP_TYP << 10) | (1 << 13));   // guest: power off
 *   uint32_t t = inl(0x608) & 0xffffff;                 // PM timer ticks
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define ACPI_PM_BASE 0x600u
#define ACPI_PM1A_EVT (ACPI_PM_BASE + 0)  /* PM1_STS (16 bits), PM1_EN at +2 */
#define ACPI_PM1A_CNT (ACPI_PM_BASE + 4)  /* PM1_CNT, 16 bits */
#define ACPI_PM_TMR (ACPI_PM_BASE + 8)    /* PM_TMR, 32-bit reads, 24 bits valid */
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_SCI_IRQ 9u
#define ACPI_S5_SLP_TYP 0u                /* the value the DSDT's \_S5 names (QEMU's PIIX4 uses 0) */

/* PM1 control bits (ACPI 6.4 §4.8.3.2.1). */
#define ACPI_PM1_CNT_SCI_EN (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP(x) (((x) >> 10) & 7u)
#define ACPI_PM1_CNT_SLP_EN (1u << 13)

struct acpi_pm {
    struct vm *vm;
    uint16_t pm1_sts;  /* PM1 status (write 1 to clear) */
    uint16_t pm1_en;   /* PM1 enable */
    uint16_t pm1_cnt;  /* PM1 control as last written (SLP_EN reads 0) */
};

int acpi_pm_init(struct vm *vm, char *err, size_t errlen);
/* The PM timer's count at host time now_ns (24 bits). */
uint32_t acpi_pm_timer_at(uint64_t now_ns);
