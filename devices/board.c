/*
 * board.c: assembles the PC board — creates each device in a declared order
 * and registers it on the port bus.
 *
 * The order is a table (board_devices[]) so that a reader sees the whole
 * machine in one place and a new device is one line: devices that others
 * depend on come first (the PICs before the devices that raise
 * interrupts).  If one constructor fails, board_init() undoes what was
 * built (board_destroy() copes with a partly built board) and fails.
 *
 * board_destroy() is the one place that puts the host back as it was:
 * serial output is flushed and the terminal leaves raw mode.  It is safe to
 * call twice.
 *
 *   if (board_init(vm, &vm->cfg.com1, err, sizeof err) < 0) die(err);
 *   while (running) { ...; board_poll(vm); }
 *   board_destroy(vm);
 */
#include "devices/board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/acpi_pm.h"
#include "devices/crtc.h"
#include "devices/fwcfg.h"
#include "devices/hpet.h"
#include "devices/ide.h"
#include "devices/intr.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/testdev.h"
#include "devices/uart.h"
#include "devices/vga_text.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"

static int board_init_com1(struct vm *vm, const struct serial_config *com1, char *err,
                           size_t errlen)
{
    struct uart *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "board: out of memory for the UART");
        return -1;
    }
    vm->board.com1 = u;
    if (uart_init(u, vm, UART_COM1_BASE, UART_COM1_IRQ, com1, err, errlen) < 0)
        return -1;
    if (portio_register(&vm->board.bus, UART_COM1_BASE, UART_NR_PORTS, uart_port_read,
                        uart_port_write, u, "com1") < 0) {
        snprintf(err, errlen, "board: cannot register COM1 at port 0x%x", UART_COM1_BASE);
        return -1;
    }
    uart_connect_irq(u, isa_irq_line, vm); /* IRQ 4: 8259 and I/O APIC */
    return 0;
}

uint64_t board_clock_monotonic(struct vm *vm)
{
    return host_clock_ns(vm ? &vm->stats : NULL, CLOCK_MONOTONIC);
}

static int board_init_pic(struct vm *vm, const struct serial_config *com1, char *err,
                          size_t errlen)
{
    (void)com1;
    return pic_init(vm, err, errlen);
}

static int board_init_pit(struct vm *vm, const struct serial_config *com1, char *err,
                          size_t errlen)
{
    (void)com1;
    return pit_init(vm, err, errlen);
}

static int board_init_port61(struct vm *vm, const struct serial_config *com1, char *err,
                             size_t errlen)
{
    (void)com1;
    return port61_init(vm, err, errlen);
}

static int board_init_post(struct vm *vm, const struct serial_config *com1, char *err,
                           size_t errlen)
{
    (void)com1;
    return post_init(vm, err, errlen);
}

static int board_init_port92(struct vm *vm, const struct serial_config *com1, char *err,
                             size_t errlen)
{
    (void)com1;
    return port92_init(vm, err, errlen);
}

static int board_init_debugexit(struct vm *vm, const struct serial_config *com1, char *err,
                                size_t errlen)
{
    (void)com1;
    return debugexit_init(vm, err, errlen);
}

static int board_init_pci(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen)
{
    (void)com1;
    return pci_init(vm, err, errlen);
}

static int board_init_rtc(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen)
{
    (void)com1;
    return rtc_init(vm, err, errlen);
}

static int board_init_i8042(struct vm *vm, const struct serial_config *com1, char *err,
                            size_t errlen)
{
    (void)com1;
    return i8042_init(vm, err, errlen);
}

static int board_init_lapic(struct vm *vm, const struct serial_config *com1, char *err,
                            size_t errlen)
{
    (void)com1;
    return lapic_init(vm, err, errlen);
}

static int board_init_ioapic(struct vm *vm, const struct serial_config *com1, char *err,
                             size_t errlen)
{
    (void)com1;
    return ioapic_init(vm, err, errlen);
}

static int board_init_acpi_pm(struct vm *vm, const struct serial_config *com1, char *err,
                              size_t errlen)
{
    (void)com1;
    return acpi_pm_init(vm, err, errlen);
}

static int board_init_crtc(struct vm *vm, const struct serial_config *com1, char *err,
                           size_t errlen)
{
    (void)com1;
    return crtc_init(vm, err, errlen);
}

static int board_init_vga_text(struct vm *vm, const struct serial_config *com1, char *err,
                               size_t errlen)
{
    (void)com1;
    return vga_text_init(vm, err, errlen);
}

static int board_init_fwcfg(struct vm *vm, const struct serial_config *com1, char *err,
                            size_t errlen)
{
    (void)com1;
    return fwcfg_init(vm, err, errlen);
}

static int board_init_testdev(struct vm *vm, const struct serial_config *com1, char *err,
                              size_t errlen)
{
    (void)com1;
    return testdev_init(vm, err, errlen); /* only with -device pc-testdev */
}

static int board_init_ide(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen)
{
    (void)com1;
    return ide_init(vm, err, errlen);
}

static int board_init_hpet(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen)
{
    (void)com1;
    return hpet_init(vm, err, errlen);
}

/* The board's devices, in the order they are created. */
static const struct board_device {
    const char *name;
    int (*init)(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen);
} board_devices[] = {
    { "pic", board_init_pic },       /* first: the devices below raise interrupts */
    { "pit", board_init_pit },
    { "port61", board_init_port61 }, /* gates the PIT's channel 2 */
    { "post", board_init_post },
    { "port92", board_init_port92 }, /* fast A20 and reset */
    { "isa-debug-exit", board_init_debugexit },
    { "com1", board_init_com1 },
    { "pci", board_init_pci },
    { "rtc", board_init_rtc },       /* IRQ 8 */
    { "i8042", board_init_i8042 },   /* IRQ 1; its reset line ends the run */
    { "lapic", board_init_lapic },   /* the CPU's local APIC at 0xfee00000 */
    { "ioapic", board_init_ioapic }, /* ISA lines reach it too (devices/intr.c) */
    { "acpi-pm", board_init_acpi_pm }, /* PM1 and PM timer; the FADT points here */
    { "crtc", board_init_crtc },     /* before the console, which reads its start address */
    { "vga-text", board_init_vga_text },
    { "fw_cfg", board_init_fwcfg },  /* after RAM exists: it publishes the RAM size */
    { "pc-testdev", board_init_testdev }, /* after the PICs and the I/O APIC it drives */
    { "hpet", board_init_hpet },     /* its main counter only; no ACPI table names it */
    { "ide", board_init_ide },       /* IRQ 14 and 15; opens the disk images */
};

int board_init(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen)
{
    uint64_t (*clock_ns)(struct vm *) = vm->board.clock_ns; /* a test's fake clock stays */
    memset(&vm->board, 0, sizeof vm->board);
    vm->board.clock_ns = clock_ns ? clock_ns : board_clock_monotonic;
    for (size_t i = 0; i < sizeof board_devices / sizeof board_devices[0]; i++) {
        if (board_devices[i].init(vm, com1, err, errlen) < 0) {
            board_destroy(vm); /* e.g. give the terminal back */
            return -1;
        }
    }
    return 0;
}

void board_destroy(struct vm *vm)
{
    if (vm->board.com1) {
        uart_destroy(vm->board.com1);
        free(vm->board.com1);
        vm->board.com1 = NULL;
    }
    free(vm->board.pit);
    vm->board.pit = NULL;
    free(vm->board.rtc);
    vm->board.rtc = NULL;
    free(vm->board.i8042);
    vm->board.i8042 = NULL;
    free(vm->board.pic);
    vm->board.pic = NULL;
    free(vm->board.lapic);
    vm->board.lapic = NULL;
    free(vm->board.ioapic);
    vm->board.ioapic = NULL;
    free(vm->board.acpi_pm);
    vm->board.acpi_pm = NULL;
    free(vm->board.crtc);
    vm->board.crtc = NULL;
    free(vm->board.vga);
    vm->board.vga = NULL;
    free(vm->board.hpet);
    vm->board.hpet = NULL;
    free(vm->board.testdev);
    vm->board.testdev = NULL;
    fwcfg_destroy(vm->board.fwcfg);
    free(vm->board.fwcfg);
    vm->board.fwcfg = NULL;
    ide_destroy(vm); /* flushes what the guest wrote */
}

void board_poll(struct vm *vm)
{
    if (vm->board.com1)
        uart_poll(vm->board.com1);
    vga_text_poll(vm);
}

void board_stop(struct vm *vm)
{
    vga_text_finish(vm);
}
