/*
 * ide.h: what the ide guest's files share — ATA register access on the
 * primary channel and the disk images' known contents (run_ide_guest.sh
 * writes them): dword i of sector n of the master image is
 * IDE_MASTER_SEED ^ n << 8 ^ i, of the slave image IDE_SLAVE_SEED ^ ...
 */
#pragma once
#include "rt.h"

#define ATA_DATA 0x1f0
#define ATA_ERROR 0x1f1
#define ATA_FEATURES 0x1f1
#define ATA_NSECT 0x1f2
#define ATA_LBA_LOW 0x1f3
#define ATA_LBA_MID 0x1f4
#define ATA_LBA_HIGH 0x1f5
#define ATA_DEVICE 0x1f6
#define ATA_STATUS 0x1f7
#define ATA_COMMAND 0x1f7
#define ATA_CONTROL 0x3f6
#define ATA_ALTSTATUS 0x3f6

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DRDY 0x40
#define ST_BSY 0x80
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define CTL_NIEN 0x02
#define CTL_SRST 0x04

#define CMD_READ 0x20
#define CMD_WRITE 0x30
#define CMD_READ_MULTIPLE 0xc4
#define CMD_WRITE_MULTIPLE 0xc5
#define CMD_SET_MULTIPLE 0xc6
#define CMD_FLUSH 0xe7
#define CMD_IDENTIFY 0xec

#define IDE_MASTER_SECTORS 2048u
#define IDE_SLAVE_SECTORS 16u
#define IDE_MASTER_SEED 0x5a000000u
#define IDE_SLAVE_SEED 0xa5000000u

/* Status once BSY is clear (0xff after a bounded wait: the drive hangs). */
uint8_t ata_wait(void);
/* Select drive (0/1), LBA28 address and count, then write the command. */
void ata_issue(unsigned drive, uint32_t lba, uint8_t count, uint8_t cmd);
/* Wait for DRQ and read/write one block of `dwords` dwords (rep insl/outsl). */
int ata_read_block(uint32_t *buf, unsigned dwords);
int ata_write_block(const uint32_t *buf, unsigned dwords);
/* Does buf hold sector n of the image with this seed? */
int ide_sector_ok(const uint32_t *buf, uint32_t seed, uint32_t n);

/* ide_irq.c: IRQ 14 through the 8259 and through the I/O APIC. */
void ide_test_irq_pic(void);
void ide_test_irq_ioapic(void);
