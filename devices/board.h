/*
 * board.h: the PC board btvisor emulates — its buses and its devices.
 *
 * One struct board lives in each struct vm.  board_init() creates every
 * device in a declared order and registers it on the port bus;
 * board_destroy() releases them (closing serial back ends, restoring the
 * terminal).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/pci.h"
#include "devices/portio.h"

struct vm;
struct uart;
struct pic;
struct pit;
struct rtc;
struct i8042;
struct lapic;
struct ioapic;
struct acpi_pm;
struct crtc;
struct vga_text;
struct fwcfg;
struct testdev;
struct hpet;
struct ide;

/* Where a serial port's bytes go (-serial). */
enum serial_backend_kind { SERIAL_STDIO, SERIAL_FILE, SERIAL_NULL };

struct serial_config {
    enum serial_backend_kind kind;
    const char *path; /* SERIAL_FILE: output file */
};

/* An IDE drive the command line gave (-drive, -hda ...). */
#define BOARD_MAX_DRIVES 4 /* index 0-1: primary master/slave, 2-3: secondary */
struct drive_config {
    bool present;          /* a drive at this index */
    const char *path;      /* raw image file */
    bool read_only;        /* readonly=on: the guest's writes are refused */
    bool snapshot;         /* snapshot=on: the guest's writes stay in memory */
};

struct board {
    struct port_bus bus;
    struct uart *com1;      /* 16550A at 0x3f8, IRQ 4 */
    uint8_t post_code;      /* last value written to port 0x80 (POST diagnostics) */
    uint8_t port92;         /* System Control Port A at 0x92: bit 1 A20 (kept, never applied) */
    struct pci_bus pci;     /* configuration mechanism #1 and the host bridge */
    struct pic *pic;        /* the 8259A pair at 0x20/0xa0, ELCR at 0x4d0 (devices/pic.h) */
    struct pit *pit;        /* the 8254 at 0x40-0x43 and port 0x61 (devices/pit.h) */
    struct rtc *rtc;        /* the MC146818 RTC and CMOS RAM at 0x70/0x71, IRQ 8 (devices/rtc.h) */
    struct i8042 *i8042;    /* the 8042 keyboard controller at 0x60/0x64, IRQ 1 (devices/i8042.h) */
    struct lapic *lapic;    /* the vCPU's local APIC at 0xfee00000 (devices/lapic.h) */
    struct ioapic *ioapic;  /* the I/O APIC at 0xfec00000 (devices/ioapic.h) */
    bool nmi_pending;       /* an NMI waits for the vCPU (devices/intr.c) */
    struct acpi_pm *acpi_pm; /* ACPI PM1 registers and PM timer at 0x600 (devices/acpi_pm.h) */
    struct crtc *crtc;      /* the CRT controller at 0x3d4/0x3d5, 0x3da (devices/crtc.h) */
    struct ide *ide;        /* the IDE controller at 0x1f0/0x170, IRQ 14/15 (devices/ide.h) */
    struct vga_text *vga;   /* the text screen at 0xb8000 and --vga-text (devices/vga_text.h) */
    struct fwcfg *fwcfg;    /* QEMU's firmware configuration at 0x510-0x51b (devices/fwcfg.h) */
    struct testdev *testdev; /* -device pc-testdev, NULL without (devices/testdev.h) */
    struct hpet *hpet;      /* the HPET at 0xfed00000 (devices/hpet.h) */
    /* Host time in nanoseconds that time-driven devices (the PIT) read at
     * every access: board_clock_monotonic unless a test installs a fake. */
    uint64_t (*clock_ns)(struct vm *vm);
};

/* Returns 0, or -1 with a message in err. */
int board_init(struct vm *vm, const struct serial_config *com1, char *err, size_t errlen);
void board_destroy(struct vm *vm);
/* Give devices a chance to move input (e.g. UART receive from stdin).  Called by
 * the run loop at exits to the monitor; never blocks. */
void board_poll(struct vm *vm);
/* The run has ended: devices finish their output (the text screen's last
 * sample) before the statistics are printed.  Called once by vm_run. */
void board_stop(struct vm *vm);

/* CLOCK_MONOTONIC in nanoseconds: the default board.clock_ns. */
uint64_t board_clock_monotonic(struct vm *vm);

/* Device constructors board_init() calls in its declared order; each
 * registers its ports on vm->board.bus.  Return 0, or -1 with a message. */
int pic_init(struct vm *vm, char *err, size_t errlen);        /* pic.c: 0x20, 0xa0, 0x4d0 */
int pit_init(struct vm *vm, char *err, size_t errlen);        /* pit.c: ports 0x40-0x43 */
int port61_init(struct vm *vm, char *err, size_t errlen);     /* sysctl_port61.c: port 0x61 */
int post_init(struct vm *vm, char *err, size_t errlen);       /* misc_ports.c: port 0x80 */
int port92_init(struct vm *vm, char *err, size_t errlen);     /* misc_ports.c: port 0x92 */
int debugexit_init(struct vm *vm, char *err, size_t errlen);  /* debugexit.c: port 0xf4 */
int pci_init(struct vm *vm, char *err, size_t errlen);        /* pci.c: ports 0xcf8-0xcff */
int rtc_init(struct vm *vm, char *err, size_t errlen);        /* rtc.c: ports 0x70-0x71 */
int i8042_init(struct vm *vm, char *err, size_t errlen);      /* i8042.c: ports 0x60, 0x64 */
