/*
 * ide.c: the IDE controller's registers, channels and interrupt lines (see
 * ide.h); the commands are in ide_cmd.c, IDENTIFY's data in ide_identify.c.
 *
 * Reads of the status register clear the selected drive's INTRQ (ATA-6
 * §7.15); reads of alternate status do not.  nIEN in device control masks
 * INTRQ at the line.  Setting SRST resets both drives of the channel
 * (BSY); clearing it ends the reset with the ATA signature in the task
 * file (§9.2): sector count 1, LBA low 1, mid 0, high 0, error 1 (no
 * error, "device 0 passed").
 *
 *   ide_init(vm, err, sizeof err);   // board_init: channels with drives from cfg.drives[]
 */
#include "devices/ide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/intr.h"
#include "monitor/vm.h"

static const struct ide_channel_wiring {
    uint16_t base, ctl;
    unsigned irq;
} ide_wiring[IDE_NR_CHANNELS] = {
    { 0x1f0, 0x3f6, 14 },
    { 0x170, 0x376, 15 },
};

struct ide_drive *ide_selected(struct ide_channel *c)
{
    return &c->drive[(c->device & IDE_DEVICE_DEV) ? 1 : 0];
}

void ide_set_irq(struct ide_channel *c, bool level)
{
    c->intrq = level;
    isa_irq_set(c->vm, c->irq, level && !(c->control & IDE_CONTROL_NIEN));
}

/* Status as the selected drive reports it; 0 when there is no such drive. */
static uint8_t ide_status(struct ide_channel *c)
{
    return ide_selected(c)->disk ? c->status : 0;
}

static uint32_t ide_task_read(struct ide_channel *c, enum ide_reg reg)
{
    switch (reg) {
    case IDE_REG_ERROR: return c->error;
    case IDE_REG_NSECT: return c->nsect;
    case IDE_REG_LBA_LOW: return c->lba_low;
    case IDE_REG_LBA_MID: return c->lba_mid;
    case IDE_REG_LBA_HIGH: return c->lba_high;
    case IDE_REG_DEVICE: return c->device | 0xa0; /* bits 7 and 5 are obsolete ones */
    case IDE_REG_STATUS: {
        uint8_t s = ide_status(c);
        if (c->intrq)
            ide_set_irq(c, false);
        return s;
    }
    default: return 0xff;
    }
}

static uint32_t ide_cmd_block_read(void *dev, uint16_t port, unsigned size)
{
    struct ide_channel *c = dev;
    enum ide_reg reg = (enum ide_reg)(port & 7);
    if (reg == IDE_REG_DATA)
        return ide_data_read(c, size);
    return ide_task_read(c, reg);
}

static void ide_cmd_block_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct ide_channel *c = dev;
    uint8_t v = (uint8_t)value;
    switch ((enum ide_reg)(port & 7)) {
    case IDE_REG_DATA: ide_data_write(c, size, value); return;
    case IDE_REG_ERROR: c->features = v; return;
    case IDE_REG_NSECT: c->nsect = v; return;
    case IDE_REG_LBA_LOW: c->lba_low = v; return;
    case IDE_REG_LBA_MID: c->lba_mid = v; return;
    case IDE_REG_LBA_HIGH: c->lba_high = v; return;
    case IDE_REG_DEVICE: c->device = v; return;
    case IDE_REG_STATUS:
        if (ide_selected(c)->disk && !(c->control & IDE_CONTROL_SRST))
            ide_exec_command(c, v);
        return;
    }
}

static uint32_t ide_ctl_read(void *dev, uint16_t port, unsigned size)
{
    (void)port;
    (void)size;
    return ide_status(dev); /* alternate status: INTRQ stays */
}

/* Device control: nIEN takes effect on the line at once; SRST's falling
 * edge ends a software reset. */
static void ide_ctl_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct ide_channel *c = dev;
    (void)port;
    (void)size;
    uint8_t old = c->control;
    c->control = (uint8_t)value;
    if (value & IDE_CONTROL_SRST) {
        c->xfer.cmd = 0;
        c->status = IDE_STATUS_BSY;
        ide_set_irq(c, false);
    } else if (old & IDE_CONTROL_SRST) {
        ide_reset_drive_signature(c);
        c->device = 0;
        c->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
    }
    ide_set_irq(c, c->intrq);
}

/* Default CHS geometry for an image: 16 heads, 63 sectors per track, as
 * many cylinders as fit (at most 16383, ATA-6 §6.2.1). */
static void ide_drive_geometry(struct ide_drive *d)
{
    uint64_t cyls = d->disk->sectors / (16 * 63);
    d->heads = d->cur_heads = 16;
    d->spt = d->cur_spt = 63;
    d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
}

static int ide_channel_attach(struct vm *vm, struct ide_channel *c, char *err, size_t errlen)
{
    for (unsigned i = 0; i < 2; i++) {
        const struct drive_config *cfg = &vm->cfg.drives[c->index * 2 + i];
        if (!cfg->present)
            continue;
        struct ide_drive *d = &c->drive[i];
        d->disk = ide_disk_open(cfg, err, errlen);
        if (!d->disk)
            return -1;
        d->disk->stats = &vm->stats;
        ide_drive_geometry(d);
        snprintf(d->serial, sizeof d->serial, "BTV%04u%013u", c->index * 2 + i, 0u);
    }
    return 0;
}

static int ide_channel_init(struct vm *vm, struct ide *ide, unsigned index, char *err, size_t errlen)
{
    struct ide_channel *c = &ide->ch[index];
    const struct ide_channel_wiring *w = &ide_wiring[index];
    c->vm = vm;
    c->index = index;
    c->irq = w->irq;
    if (ide_channel_attach(vm, c, err, errlen) < 0)
        return -1;
    if (!c->drive[0].disk && !c->drive[1].disk)
        return 0; /* nothing on this channel: the ports float */
    ide_reset_drive_signature(c);
    c->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
    if (portio_register(&vm->board.bus, w->base, 8, ide_cmd_block_read, ide_cmd_block_write, c, "ide") < 0 ||
        portio_register(&vm->board.bus, w->ctl, 1, ide_ctl_read, ide_ctl_write, c, "ide-ctl") < 0) {
        snprintf(err, errlen, "board: cannot register IDE channel %u at ports 0x%x, 0x%x", index, w->base, w->ctl);
        return -1;
    }
    return 0;
}

int ide_init(struct vm *vm, char *err, size_t errlen)
{
    struct ide *ide = calloc(1, sizeof *ide);
    if (!ide) {
        snprintf(err, errlen, "board: out of memory for the IDE controller");
        return -1;
    }
    vm->board.ide = ide;
    for (unsigned i = 0; i < IDE_NR_CHANNELS; i++)
        if (ide_channel_init(vm, ide, i, err, errlen) < 0)
            return -1;
    return 0;
}

void ide_destroy(struct vm *vm)
{
    struct ide *ide = vm->board.ide;
    if (!ide)
        return;
    for (unsigned i = 0; i < IDE_NR_CHANNELS; i++)
        for (unsigned j = 0; j < 2; j++)
            ide_disk_close(ide->ch[i].drive[j].disk);
    free(ide);
    vm->board.ide = NULL;
}
