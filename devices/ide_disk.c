/*
 * ide_disk.c: raw disk images (see ide_disk.h).
 *
 * Reads and writes go straight to the file with pread/pwrite (short
 * transfers are retried; EINTR is retried, since the run loop's timer
 * signal may interrupt them).  A snapshot image reads a sector from its
 * chunk's private copy when the guest has written that chunk, else from
 * the file; the first write to a chunk copies the chunk from the file.
 *
 *   struct drive_config c = { .path = "fs.img", .present = true, .snapshot = true };
 *   struct ide_disk *d = ide_disk_open(&c, err, sizeof err);
 */
#include "devices/ide_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/board.h"
#include "monitor/hostcall.h"

static struct ide_disk *ide_disk_fail(struct ide_disk *d, char *err, size_t errlen, const char *fmt,
                                      const char *path, const char *why)
{
    snprintf(err, errlen, fmt, path, why);
    ide_disk_close(d);
    return NULL;
}

/* Check that the open image is a regular file of whole sectors; 0 or -1. */
static int ide_disk_check_size(struct ide_disk *d, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(d->fd, &st) < 0) {
        snprintf(err, errlen, "disk image '%s': %s", d->path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "disk image '%s' is not a regular file", d->path);
        return -1;
    }
    if (st.st_size == 0 || st.st_size % IDE_SECTOR_SIZE) {
        snprintf(err, errlen, "disk image '%s': its size (%lld bytes) is not a whole, non-zero number of 512-byte sectors",
                 d->path, (long long)st.st_size);
        return -1;
    }
    d->sectors = (uint64_t)st.st_size / IDE_SECTOR_SIZE;
    if (d->sectors > IDE_LBA28_SECTORS) {
        snprintf(err, errlen, "disk image '%s' is larger than LBA28 addresses (128 GiB)", d->path);
        return -1;
    }
    return 0;
}

struct ide_disk *ide_disk_open(const struct drive_config *cfg, char *err, size_t errlen)
{
    struct ide_disk *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory for disk image '%s'", cfg->path);
        return NULL;
    }
    d->path = cfg->path;
    d->read_only = cfg->read_only;
    d->snapshot = cfg->snapshot;
    bool writable = !d->read_only && !d->snapshot;
    d->fd = open(cfg->path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
    if (d->fd < 0)
        return ide_disk_fail(d, err, errlen, "cannot open disk image '%s': %s", cfg->path, strerror(errno));
    if (ide_disk_check_size(d, err, errlen) < 0) {
        ide_disk_close(d);
        return NULL;
    }
    if (d->snapshot) {
        d->chunks = (d->sectors * IDE_SECTOR_SIZE + IDE_DISK_CHUNK - 1) / IDE_DISK_CHUNK;
        d->overlay = calloc(d->chunks, sizeof *d->overlay);
        if (!d->overlay)
            return ide_disk_fail(d, err, errlen, "disk image '%s': %s", cfg->path, "out of memory");
    }
    return d;
}

void ide_disk_close(struct ide_disk *d)
{
    if (!d)
        return;
    if (d->fd >= 0) {
        ide_disk_flush(d);
        host_close(d->stats, d->fd);
    }
    for (uint64_t i = 0; i < d->chunks; i++)
        free(d->overlay[i]);
    free(d->overlay);
    free(d);
}

/* pread/pwrite all of it; 0 or -1.  Past the end of the file (which only
 * a concurrent truncation could cause) reads as zeros. */
static int ide_disk_pio(struct ide_disk *d, uint8_t *buf, size_t len, uint64_t off, bool write)
{
    while (len) {
        ssize_t n = write ? host_pwrite(d->stats, d->fd, buf, len, (off_t)off)
                          : host_pread(d->stats, d->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (write)
                return -1;
            memset(buf, 0, len);
            return 0;
        }
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* The chunk's private copy, made from the file on first use; NULL on error. */
static uint8_t *ide_disk_chunk(struct ide_disk *d, uint64_t chunk)
{
    if (!d->overlay[chunk]) {
        uint8_t *c = host_malloc(d->stats, IDE_DISK_CHUNK);
        if (!c)
            return NULL;
        uint64_t off = chunk * IDE_DISK_CHUNK, end = d->sectors * IDE_SECTOR_SIZE;
        uint64_t len = end - off < IDE_DISK_CHUNK ? end - off : IDE_DISK_CHUNK;
        if (ide_disk_pio(d, c, len, off, false) < 0) {
            free(c);
            return NULL;
        }
        d->overlay[chunk] = c;
    }
    return d->overlay[chunk];
}

/* One sector of a snapshot image. */
static int ide_disk_snapshot_io(struct ide_disk *d, uint64_t lba, uint8_t *buf, bool write)
{
    uint64_t off = lba * IDE_SECTOR_SIZE, chunk = off / IDE_DISK_CHUNK;
    if (!write && !d->overlay[chunk])
        return ide_disk_pio(d, buf, IDE_SECTOR_SIZE, off, false);
    uint8_t *c = ide_disk_chunk(d, chunk);
    if (!c)
        return -1;
    uint8_t *p = c + off % IDE_DISK_CHUNK;
    memcpy(write ? p : buf, write ? buf : p, IDE_SECTOR_SIZE);
    return 0;
}

int ide_disk_read(struct ide_disk *d, uint64_t lba, unsigned count, uint8_t *buf)
{
    if (lba + count > d->sectors)
        return -1;
    if (!d->snapshot)
        return ide_disk_pio(d, buf, (size_t)count * IDE_SECTOR_SIZE, lba * IDE_SECTOR_SIZE, false);
    for (unsigned i = 0; i < count; i++)
        if (ide_disk_snapshot_io(d, lba + i, buf + i * IDE_SECTOR_SIZE, false) < 0)
            return -1;
    return 0;
}

int ide_disk_write(struct ide_disk *d, uint64_t lba, unsigned count, const uint8_t *buf)
{
    if (d->read_only || lba + count > d->sectors)
        return -1;
    if (d->snapshot) {
        for (unsigned i = 0; i < count; i++)
            if (ide_disk_snapshot_io(d, lba + i, (uint8_t *)(buf + i * IDE_SECTOR_SIZE), true) < 0)
                return -1;
        return 0;
    }
    d->dirty = true;
    return ide_disk_pio(d, (uint8_t *)buf, (size_t)count * IDE_SECTOR_SIZE, lba * IDE_SECTOR_SIZE, true);
}

int ide_disk_flush(struct ide_disk *d)
{
    if (!d->dirty)
        return 0;
    d->dirty = false;
    return host_fdatasync(d->stats, d->fd) < 0 && errno != EINVAL ? -1 : 0;
}
