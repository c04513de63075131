/*
 * ide.h: the IDE (ATA) controller of a PC — two legacy channels, each
 * with a master and a slave drive, programmed I/O only.
 *
 *   channel    command block   control block   IRQ   drives (-drive index=)
 *   primary    0x1f0-0x1f7     0x3f6           14    0 (master), 1 (slave)
 *   secondary  0x170-0x177     0x376           15    2, 3
 *
 * The command block is the task file (ATA/ATAPI-6 §7): data (16 bits; a
 * 32-bit access moves two words), error/features, sector count, LBA low,
 * mid and high (sector, cylinder low and high in CHS), device/head,
 * status/command.  The control block is alternate status (a read that does
 * not clear the interrupt) and device control (nIEN, SRST).  0x3f7 is left
 * to the floppy controller, as on a PC.  A channel without drives is not
 * decoded at all, so its status reads 0xff (no device drives the bus);
 * with one drive, the other reads status 0 (ATA-6 §9.16.1).
 *
 * Commands (ide_cmd.c): IDENTIFY DEVICE, READ/WRITE SECTORS and MULTIPLE
 * with LBA28 or CHS addresses, SET MULTIPLE MODE, READ VERIFY, SEEK,
 * RECALIBRATE, INITIALIZE DEVICE PARAMETERS, FLUSH CACHE, EXECUTE DEVICE
 * DIAGNOSTIC, SET FEATURES and the power-management no-ops; anything else
 * (DMA, LBA48, ATAPI) is aborted.  Commands complete at once (the image is
 * a host file): by the time the guest's `out` to the command register
 * returns, the data is ready (DRQ) or the command is done, and INTRQ is
 * raised on the channel's ISA line (8259 and I/O APIC, devices/intr.h).
 *
 *   outb(0x1f6, 0xe0 | lba >> 24); ... outb(0x1f7, 0x20);   // guest: READ SECTORS
 *   insl(0x1f0, buf, 128);                                   // after IRQ 14
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/ide_disk.h"

struct vm;

#define IDE_NR_CHANNELS 2
#define IDE_MAX_MULTIPLE 16 /* sectors per DRQ block for READ/WRITE MULTIPLE */

/* Status register bits (ATA-6 §7.15). */
#define IDE_STATUS_ERR 0x01
#define IDE_STATUS_DRQ 0x08
#define IDE_STATUS_DSC 0x10 /* device seek complete (obsolete, set by drives) */
#define IDE_STATUS_DF 0x20
#define IDE_STATUS_DRDY 0x40
#define IDE_STATUS_BSY 0x80
/* Error register bits (§7.8). */
#define IDE_ERROR_ABRT 0x04
#define IDE_ERROR_IDNF 0x10
#define IDE_ERROR_UNC 0x40
/* Device control bits (§7.7). */
#define IDE_CONTROL_NIEN 0x02
#define IDE_CONTROL_SRST 0x04
/* Device/head register bits (§7.9). */
#define IDE_DEVICE_DEV 0x10
#define IDE_DEVICE_LBA 0x40

/* Register offsets in the command block. */
enum ide_reg {
    IDE_REG_DATA, IDE_REG_ERROR, IDE_REG_NSECT, IDE_REG_LBA_LOW,
    IDE_REG_LBA_MID, IDE_REG_LBA_HIGH, IDE_REG_DEVICE, IDE_REG_STATUS,
};

/* One drive on a channel. */
struct ide_drive {
    struct ide_disk *disk;    /* the image; NULL: no drive here */
    uint16_t cyls, heads, spt; /* default CHS geometry (IDENTIFY words 1, 3, 6) */
    uint16_t cur_heads, cur_spt; /* geometry set by INITIALIZE DEVICE PARAMETERS */
    unsigned multiple;        /* sectors per block for READ/WRITE MULTIPLE, 0: disabled */
    char serial[21];          /* IDENTIFY serial number */
};

/* A PIO data transfer under way on a channel. */
struct ide_xfer {
    uint8_t cmd;        /* the command moving data, 0: none */
    bool to_disk;       /* data-out (writes) */
    uint64_t lba;       /* first sector of the current block */
    uint32_t left;      /* sectors still to transfer, the current block included */
    unsigned block;     /* sectors per DRQ block */
    unsigned pos, len;  /* bytes of buf transferred / in the block */
    uint8_t buf[IDE_MAX_MULTIPLE * IDE_SECTOR_SIZE];
};

struct ide_channel {
    struct vm *vm;
    unsigned index;           /* 0 primary, 1 secondary */
    unsigned irq;             /* ISA line */
    struct ide_drive drive[2];
    /* The task file: both drives latch what is written. */
    uint8_t features, error, nsect, lba_low, lba_mid, lba_high, device;
    uint8_t status;           /* of the selected drive */
    uint8_t control;          /* device control as last written */
    bool intrq;               /* the selected drive's INTRQ (before nIEN) */
    struct ide_xfer xfer;
};

struct ide {
    struct ide_channel ch[IDE_NR_CHANNELS];
};

int ide_init(struct vm *vm, char *err, size_t errlen);
/* Close the images (flushing read-write ones) and free the controller. */
void ide_destroy(struct vm *vm);

/* ide.c, for ide_cmd.c */
struct ide_drive *ide_selected(struct ide_channel *c);
void ide_set_irq(struct ide_channel *c, bool level);
/* ide_cmd.c, for ide.c */
void ide_exec_command(struct ide_channel *c, uint8_t cmd);
uint32_t ide_data_read(struct ide_channel *c, unsigned size);
void ide_data_write(struct ide_channel *c, unsigned size, uint32_t value);
void ide_reset_drive_signature(struct ide_channel *c);
/* ide_identify.c: the 256 words of IDENTIFY DEVICE into buf (512 bytes). */
void ide_identify(const struct ide_drive *d, uint8_t *buf);
