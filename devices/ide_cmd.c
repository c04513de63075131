/*
 * ide_cmd.c: the ATA commands of the IDE controller (see ide.h) and the
 * PIO data transfers they start.
 *
 * PIO data-in (READ SECTORS/MULTIPLE, IDENTIFY DEVICE, ATA-6 §9.7): for
 * each DRQ block the drive fills its buffer, sets DRQ and raises INTRQ;
 * the host reads the block from the data register; after the last block
 * DRQ clears with no further interrupt.  PIO data-out (WRITE
 * SECTORS/MULTIPLE, §9.8): DRQ is set for the first block without an
 * interrupt; after each block the drive writes it and raises INTRQ — with
 * DRQ again when blocks remain, without it at the end.  A block is one
 * sector, or the count SET MULTIPLE MODE chose for the MULTIPLE commands.
 * The sector count register's 0 means 256 (§8.27).  An address beyond the
 * image ends the command with IDNF, a host I/O error with UNC (reads) or
 * ABRT (writes), each with ERR and INTRQ; the task file then holds the
 * address that failed.
 *
 *   ide_exec_command(c, 0x20);           // READ SECTORS: DRQ, INTRQ
 *   uint32_t w = ide_data_read(c, 4);     // two data words
 */
#include <string.h>

#include "devices/ide.h"
#include "monitor/vm.h"

#define ATA_RECALIBRATE 0x10 /* 0x10-0x1f */
#define ATA_READ_SECTORS 0x20
#define ATA_READ_SECTORS_NORETRY 0x21
#define ATA_WRITE_SECTORS 0x30
#define ATA_WRITE_SECTORS_NORETRY 0x31
#define ATA_READ_VERIFY 0x40
#define ATA_READ_VERIFY_NORETRY 0x41
#define ATA_SEEK 0x70
#define ATA_EXECUTE_DIAGNOSTIC 0x90
#define ATA_INIT_DEVICE_PARAMS 0x91
#define ATA_READ_MULTIPLE 0xc4
#define ATA_WRITE_MULTIPLE 0xc5
#define ATA_SET_MULTIPLE 0xc6
#define ATA_STANDBY_IMMEDIATE 0xe0
#define ATA_IDLE_IMMEDIATE 0xe1
#define ATA_STANDBY 0xe2
#define ATA_IDLE 0xe3
#define ATA_CHECK_POWER_MODE 0xe5
#define ATA_FLUSH_CACHE 0xe7
#define ATA_IDENTIFY 0xec
#define ATA_SET_FEATURES 0xef

#define IDE_STATUS_READY (IDE_STATUS_DRDY | IDE_STATUS_DSC)

void ide_reset_drive_signature(struct ide_channel *c)
{
    c->nsect = 1;
    c->lba_low = 1;
    c->lba_mid = 0;
    c->lba_high = 0;
    c->error = 0x01; /* diagnostic code: no error */
}

/* The command ends without data: status ready (or with ERR and `error`), INTRQ. */
static void ide_finish(struct ide_channel *c, uint8_t error)
{
    c->xfer.cmd = 0;
    c->error = error;
    c->status = IDE_STATUS_READY | (error ? IDE_STATUS_ERR : 0);
    ide_set_irq(c, true);
}

/* Put lba into the task file in the form the command used (LBA or CHS). */
static void ide_set_task_address(struct ide_channel *c, const struct ide_drive *d, uint64_t lba)
{
    if (c->device & IDE_DEVICE_LBA) {
        c->lba_low = (uint8_t)lba;
        c->lba_mid = (uint8_t)(lba >> 8);
        c->lba_high = (uint8_t)(lba >> 16);
        c->device = (uint8_t)((c->device & 0xf0) | ((lba >> 24) & 0x0f));
        return;
    }
    uint64_t per_cyl = (uint64_t)d->cur_heads * d->cur_spt;
    uint64_t cyl = lba / per_cyl, rest = lba % per_cyl;
    c->lba_high = (uint8_t)(cyl >> 8);
    c->lba_mid = (uint8_t)cyl;
    c->device = (uint8_t)((c->device & 0xf0) | (rest / d->cur_spt));
    c->lba_low = (uint8_t)(rest % d->cur_spt + 1);
}

static void ide_fail_at(struct ide_channel *c, const struct ide_drive *d, uint64_t lba, uint8_t error)
{
    ide_set_task_address(c, d, lba);
    ide_finish(c, error);
}

/* The command's first sector from the task file; false for an impossible
 * CHS address (sector 0, or beyond the current geometry). */
static bool ide_task_address(const struct ide_channel *c, const struct ide_drive *d, uint64_t *lba)
{
    if (c->device & IDE_DEVICE_LBA) {
        *lba = ((uint64_t)(c->device & 0x0f) << 24) | ((uint64_t)c->lba_high << 16) |
               ((uint64_t)c->lba_mid << 8) | c->lba_low;
        return true;
    }
    unsigned cyl = (unsigned)c->lba_high << 8 | c->lba_mid, head = c->device & 0x0f, sect = c->lba_low;
    if (sect == 0 || sect > d->cur_spt || head >= d->cur_heads)
        return false;
    *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sect - 1;
    return true;
}

static unsigned ide_task_count(const struct ide_channel *c)
{
    return c->nsect ? c->nsect : 256;
}

/* Check the addressed range [lba, lba + count); false: the command failed (IDNF). */
static bool ide_check_range(struct ide_channel *c, struct ide_drive *d, uint64_t *lba, unsigned count)
{
    if (!ide_task_address(c, d, lba)) {
        ide_finish(c, IDE_ERROR_IDNF | IDE_ERROR_ABRT);
        return false;
    }
    if (*lba + count > d->disk->sectors) {
        ide_fail_at(c, d, *lba < d->disk->sectors ? d->disk->sectors : *lba, IDE_ERROR_IDNF);
        return false;
    }
    return true;
}

static unsigned ide_block_sectors(const struct ide_xfer *x)
{
    return x->left < x->block ? x->left : x->block;
}

/* Data-in: load the next block and offer it (DRQ, INTRQ). */
static void ide_read_block(struct ide_channel *c)
{
    struct ide_xfer *x = &c->xfer;
    struct ide_drive *d = ide_selected(c);
    unsigned n = ide_block_sectors(x);
    if (ide_disk_read(d->disk, x->lba, n, x->buf) < 0) {
        ide_fail_at(c, d, x->lba, IDE_ERROR_UNC);
        return;
    }
    STAT_ADD(c->vm, ide_sectors_read, n);
    x->pos = 0;
    x->len = n * IDE_SECTOR_SIZE;
    c->status = IDE_STATUS_READY | IDE_STATUS_DRQ;
    ide_set_irq(c, true);
}

/* Data-out: ask for the next block (DRQ; INTRQ except for the first). */
static void ide_want_block(struct ide_channel *c, bool interrupt)
{
    struct ide_xfer *x = &c->xfer;
    x->pos = 0;
    x->len = ide_block_sectors(x) * IDE_SECTOR_SIZE;
    c->status = IDE_STATUS_READY | IDE_STATUS_DRQ;
    if (interrupt)
        ide_set_irq(c, true);
}

static void ide_start_transfer(struct ide_channel *c, uint8_t cmd, bool to_disk, unsigned block)
{
    struct ide_drive *d = ide_selected(c);
    unsigned count = ide_task_count(c);
    uint64_t lba;
    if (block == 0 || (to_disk && d->disk->read_only)) {
        ide_finish(c, IDE_ERROR_ABRT); /* multiple mode off, or a write-protected image */
        return;
    }
    if (!ide_check_range(c, d, &lba, count))
        return;
    c->xfer = (struct ide_xfer){ .cmd = cmd, .to_disk = to_disk, .lba = lba, .left = count, .block = block };
    if (to_disk)
        ide_want_block(c, false);
    else
        ide_read_block(c);
}

/* The host has moved the whole current block. */
static void ide_block_done(struct ide_channel *c)
{
    struct ide_xfer *x = &c->xfer;
    unsigned n = x->len / IDE_SECTOR_SIZE;
    if (x->to_disk) {
        struct ide_drive *d = ide_selected(c);
        if (ide_disk_write(d->disk, x->lba, n, x->buf) < 0) {
            ide_fail_at(c, d, x->lba, IDE_ERROR_ABRT);
            return;
        }
        STAT_ADD(c->vm, ide_sectors_written, n);
    }
    x->lba += n;
    x->left -= n < x->left ? n : x->left;
    if (x->left == 0) {
        if (x->to_disk) {
            ide_finish(c, 0);
        } else {
            x->cmd = 0; /* data-in ends without an interrupt */
            c->status = IDE_STATUS_READY;
        }
    } else if (x->to_disk) {
        ide_want_block(c, true);
    } else {
        ide_read_block(c);
    }
}

uint32_t ide_data_read(struct ide_channel *c, unsigned size)
{
    struct ide_xfer *x = &c->xfer;
    if (!x->cmd || x->to_disk || !(c->status & IDE_STATUS_DRQ))
        return 0; /* no data-in under way: nothing drives the data lines */
    uint32_t v = 0;
    for (unsigned i = 0; i < size && x->pos < x->len; i++)
        v |= (uint32_t)x->buf[x->pos++] << (8 * i);
    if (x->pos >= x->len)
        ide_block_done(c);
    return v;
}

void ide_data_write(struct ide_channel *c, unsigned size, uint32_t value)
{
    struct ide_xfer *x = &c->xfer;
    if (!x->cmd || !x->to_disk || !(c->status & IDE_STATUS_DRQ))
        return;
    for (unsigned i = 0; i < size && x->pos < x->len; i++)
        x->buf[x->pos++] = (uint8_t)(value >> (8 * i));
    if (x->pos >= x->len)
        ide_block_done(c);
}

static void ide_cmd_identify(struct ide_channel *c)
{
    struct ide_xfer *x = &c->xfer;
    *x = (struct ide_xfer){ .cmd = ATA_IDENTIFY, .left = 1, .block = 1, .len = IDE_SECTOR_SIZE };
    ide_identify(ide_selected(c), x->buf);
    c->error = 0;
    c->status = IDE_STATUS_READY | IDE_STATUS_DRQ;
    ide_set_irq(c, true);
}

/* SET MULTIPLE MODE: a power of two up to IDE_MAX_MULTIPLE, or 0 to turn it off. */
static void ide_cmd_set_multiple(struct ide_channel *c)
{
    unsigned n = c->nsect;
    if (n > IDE_MAX_MULTIPLE || (n & (n - 1))) {
        ide_finish(c, IDE_ERROR_ABRT);
        return;
    }
    ide_selected(c)->multiple = n;
    ide_finish(c, 0);
}

static void ide_cmd_init_params(struct ide_channel *c)
{
    struct ide_drive *d = ide_selected(c);
    if (c->nsect == 0) {
        ide_finish(c, IDE_ERROR_ABRT);
        return;
    }
    d->cur_spt = c->nsect;
    d->cur_heads = (uint16_t)((c->device & 0x0f) + 1);
    ide_finish(c, 0);
}

static void ide_cmd_verify(struct ide_channel *c)
{
    uint64_t lba;
    if (ide_check_range(c, ide_selected(c), &lba, ide_task_count(c)))
        ide_finish(c, 0);
}

static void ide_cmd_diagnostic(struct ide_channel *c)
{
    ide_reset_drive_signature(c);
    c->device = 0;
    c->xfer.cmd = 0;
    c->status = IDE_STATUS_READY;
    ide_set_irq(c, true);
}

/* SET FEATURES: transfer mode, write cache and the other settings that
 * need no behaviour here are accepted (ATA-6 §8.37). */
static void ide_cmd_set_features(struct ide_channel *c)
{
    static const uint8_t accepted[] = { 0x02, 0x03, 0x55, 0x66, 0x82, 0xaa, 0xcc };
    bool ok = memchr(accepted, c->features, sizeof accepted) != NULL;
    ide_finish(c, ok ? 0 : IDE_ERROR_ABRT);
}

/* Commands that succeed at once with no data. */
static bool ide_cmd_is_noop(uint8_t cmd)
{
    return (cmd >= ATA_RECALIBRATE && cmd <= ATA_RECALIBRATE + 0x0f) || cmd == ATA_SEEK ||
           (cmd >= ATA_STANDBY_IMMEDIATE && cmd <= ATA_IDLE);
}

void ide_exec_command(struct ide_channel *c, uint8_t cmd)
{
    struct ide_drive *d = ide_selected(c);
    STAT_INC(c->vm, ide_commands);
    ide_set_irq(c, false); /* writing the command register clears INTRQ (§7.4) */
    switch (cmd) {
    case ATA_IDENTIFY: ide_cmd_identify(c); return;
    case ATA_READ_SECTORS:
    case ATA_READ_SECTORS_NORETRY: ide_start_transfer(c, cmd, false, 1); return;
    case ATA_WRITE_SECTORS:
    case ATA_WRITE_SECTORS_NORETRY: ide_start_transfer(c, cmd, true, 1); return;
    case ATA_READ_MULTIPLE: ide_start_transfer(c, cmd, false, d->multiple); return;
    case ATA_WRITE_MULTIPLE: ide_start_transfer(c, cmd, true, d->multiple); return;
    case ATA_SET_MULTIPLE: ide_cmd_set_multiple(c); return;
    case ATA_READ_VERIFY:
    case ATA_READ_VERIFY_NORETRY: ide_cmd_verify(c); return;
    case ATA_INIT_DEVICE_PARAMS: ide_cmd_init_params(c); return;
    case ATA_EXECUTE_DIAGNOSTIC: ide_cmd_diagnostic(c); return;
    case ATA_SET_FEATURES: ide_cmd_set_features(c); return;
    case ATA_FLUSH_CACHE: ide_finish(c, ide_disk_flush(d->disk) < 0 ? IDE_ERROR_ABRT : 0); return;
    case ATA_CHECK_POWER_MODE:
        c->nsect = 0xff; /* active or idle */
        ide_finish(c, 0);
        return;
    default:
        ide_finish(c, ide_cmd_is_noop(cmd) ? 0 : IDE_ERROR_ABRT); /* DMA, LBA48, ATAPI, NOP... */
        return;
    }
}
