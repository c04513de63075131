/*
 * ide_disk.h: a raw disk image behind an IDE drive (-drive file=F,
 * -hda F): whole 512-byte sectors read and written at an offset, nothing
 * else — the controller (ide.h) knows ATA, this file knows host files.
 *
 * Three ways to open an image, as with QEMU:
 *   - read-write (default): a completed guest write is pwrite()n to the
 *     file at once (other processes see it), fdatasync()ed on FLUSH CACHE
 *     and when the VM ends;
 *   - readonly=on: the file is opened read-only and the drive refuses
 *     writes (the guest sees the command aborted);
 *   - snapshot=on: the file is opened read-only and the guest's writes
 *     are kept in memory (copied per 64 KiB chunk on first write), so a
 *     test can never change its input.
 * An image must be a regular file holding a whole, non-zero number of
 * sectors that LBA28 can address (at most 2^28 sectors, 128 GiB);
 * anything else is refused with a one-line message naming the file.
 *
 *   struct ide_disk *d = ide_disk_open(&cfg, err, sizeof err);
 *   if (!d || ide_disk_read(d, lba, 1, buf) < 0) ...
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDE_SECTOR_SIZE 512u
#define IDE_LBA28_SECTORS (1u << 28)
#define IDE_DISK_CHUNK (64u << 10) /* snapshot copy-on-write unit */

struct drive_config;
struct stats;

struct ide_disk {
    const char *path;     /* the image file, for messages */
    int fd;               /* open image */
    uint64_t sectors;     /* image size in sectors */
    bool read_only;       /* readonly=on: writes refused */
    bool snapshot;        /* snapshot=on: writes go to `overlay` */
    uint8_t **overlay;    /* snapshot: chunk i's private copy, NULL while unwritten */
    uint64_t chunks;      /* entries in overlay */
    bool dirty;           /* written since the last flush (read-write images) */
    struct stats *stats;  /* where its host calls are counted (the VM's), NULL: nowhere */
};

/* Open cfg->path as cfg says.  NULL with a message in err. */
struct ide_disk *ide_disk_open(const struct drive_config *cfg, char *err, size_t errlen);
void ide_disk_close(struct ide_disk *d);
/* Transfer `count` sectors at `lba` (lba + count <= sectors).  0, or -1 on
 * a host I/O error (or a write to a read-only drive). */
int ide_disk_read(struct ide_disk *d, uint64_t lba, unsigned count, uint8_t *buf);
int ide_disk_write(struct ide_disk *d, uint64_t lba, unsigned count, const uint8_t *buf);
/* Make completed writes durable (FLUSH CACHE).  0, or -1 on error. */
int ide_disk_flush(struct ide_disk *d);
