/*
 * acpi_pm.c: the ACPI PM1 event and control registers and the PM timer
 * (ACPI 6.4 §4.8.3: fixed hardware registers), see acpi_pm.h.
 *
 * The system is always in ACPI mode: the FADT has no SMI command port, so
 * SCI_EN reads 1 (§4.8.3.2.1).  Writing PM1_CNT with SLP_EN set enters the
 * sleep state named by SLP_TYP; the one btvisor offers is S5 (soft off),
 * the \_S5 package of the DSDT, and entering it ends the run with status 0
 * as a power-off does.  Other sleep types are ignored (the machine stays
 * awake, as a firmware without S1-S4 would).
 *
 * The PM timer is, like the PIT, a function of host time: ticks since
 * start-up at 3.579545 MHz, modulo 2^24 (FADT TMR_VAL_EXT clear).  Its
 * overflow status is not latched and no SCI is ever raised: nothing on this
 * board needs one.
 *
 *   acpi_pm_init(vm, err, sizeof err);    // board_init does this
 */
#include "devices/acpi_pm.h"

#include <stdio.h>
#include <stdlib.h>

#include "monitor/vm.h"

uint32_t acpi_pm_timer_at(uint64_t now_ns)
{
    uint64_t s = now_ns / 1000000000u, ns = now_ns % 1000000000u;
    uint64_t ticks = s * ACPI_PM_TIMER_HZ + ns * ACPI_PM_TIMER_HZ / 1000000000u;
    return (uint32_t)(ticks & 0xffffffu);
}

static uint32_t acpi_pm_evt_read(void *dev, uint16_t port, unsigned size)
{
    struct acpi_pm *pm = dev;
    uint32_t both = pm->pm1_sts | ((uint32_t)pm->pm1_en << 16);
    (void)size;
    return both >> (8 * (port - ACPI_PM1A_EVT));
}

static void acpi_pm_evt_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct acpi_pm *pm = dev;
    unsigned off = port - ACPI_PM1A_EVT;
    uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t v = (value & mask) << (8 * off), m = mask << (8 * off);
    pm->pm1_sts &= (uint16_t)~(v & m & 0xffff); /* status bits: write 1 to clear */
    if (m >> 16)
        pm->pm1_en = (uint16_t)((pm->pm1_en & ~(m >> 16)) | (v >> 16));
}

static uint32_t acpi_pm_cnt_read(void *dev, uint16_t port, unsigned size)
{
    struct acpi_pm *pm = dev;
    (void)size;
    uint32_t v = (pm->pm1_cnt & ~ACPI_PM1_CNT_SLP_EN) | ACPI_PM1_CNT_SCI_EN;
    return v >> (8 * (port - ACPI_PM1A_CNT));
}

static void acpi_pm_cnt_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct acpi_pm *pm = dev;
    if (port != ACPI_PM1A_CNT) { /* the high byte alone */
        pm->pm1_cnt = (uint16_t)((pm->pm1_cnt & 0x00ff) | ((value & 0xff) << 8));
    } else if (size == 1) {
        pm->pm1_cnt = (uint16_t)((pm->pm1_cnt & 0xff00) | (value & 0xff));
    } else {
        pm->pm1_cnt = (uint16_t)value;
    }
    if ((pm->pm1_cnt & ACPI_PM1_CNT_SLP_EN) && ACPI_PM1_CNT_SLP_TYP(pm->pm1_cnt) == ACPI_S5_SLP_TYP)
        vm_request_exit(pm->vm, VMEXIT_POWEROFF, EXIT_STATUS_OK, NULL);
    pm->pm1_cnt &= (uint16_t)~ACPI_PM1_CNT_SLP_EN;
}

static uint32_t acpi_pm_tmr_read(void *dev, uint16_t port, unsigned size)
{
    struct acpi_pm *pm = dev;
    (void)size;
    uint32_t t = acpi_pm_timer_at(pm->vm->board.clock_ns(pm->vm));
    return t >> (8 * (port - ACPI_PM_TMR));
}

int acpi_pm_init(struct vm *vm, char *err, size_t errlen)
{
    struct acpi_pm *pm = calloc(1, sizeof *pm);
    if (!pm) {
        snprintf(err, errlen, "board: out of memory for the ACPI PM registers");
        return -1;
    }
    vm->board.acpi_pm = pm;
    pm->vm = vm;
    if (portio_register(&vm->board.bus, ACPI_PM1A_EVT, 4, acpi_pm_evt_read, acpi_pm_evt_write, pm,
                        "acpi-pm1-evt") < 0 ||
        portio_register(&vm->board.bus, ACPI_PM1A_CNT, 2, acpi_pm_cnt_read, acpi_pm_cnt_write, pm,
                        "acpi-pm1-cnt") < 0 ||
        portio_register(&vm->board.bus, ACPI_PM_TMR, 4, acpi_pm_tmr_read, NULL, pm, "acpi-pm-timer") < 0) {
        snprintf(err, errlen, "board: cannot register the ACPI PM registers at port 0x%x", ACPI_PM_BASE);
        return -1;
    }
    return 0;
}
