/*
 * mbfile.c: reading a kernel file into host memory for the Multiboot loader.
 *
 * The loader parses the image from one contiguous host buffer, so the whole
 * file is read up front.  A kernel can never be larger than guest RAM (it
 * would not fit), which bounds the allocation; empty files, directories,
 * devices and unreadable files are refused with the operating system's own
 * error text, e.g. "could not open kernel 'x': No such file or directory".
 *
 *   struct mb_image img = { .path = "kernel.elf", .ram_size = 64 << 20 };
 *   if (mb_file_read(&img, err, sizeof err) < 0) return -1;
 *   ...
 *   mb_file_free(&img);
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/mbimage.h"

int loader_read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO; /* the file shrank while we read it */
        done += (size_t)n;
    }
    return 0;
}

/* Check what fstat says about the file before allocating anything. */
static int mb_file_check_stat(const struct mb_image *img, const struct stat *st, char *err,
                              size_t errlen)
{
    char sz[32];
    if (S_ISDIR(st->st_mode))
        return mb_fail(err, errlen, "cannot read kernel '%s': %s", img->path, strerror(EISDIR));
    if (!S_ISREG(st->st_mode))
        return mb_fail(err, errlen, "kernel '%s' is not a regular file", img->path);
    if (st->st_size == 0)
        return mb_fail(err, errlen, "kernel '%s' is empty", img->path);
    if ((uint64_t)st->st_size > img->ram_size)
        return mb_fail(err, errlen, "kernel '%s' (%lld bytes) is larger than guest RAM (%s)",
                       img->path, (long long)st->st_size,
                       mb_format_size(img->ram_size, sz, sizeof sz));
    return 0;
}

int mb_file_read(struct mb_image *img, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO would block open() until a writer came; fstat
     * below rejects it (no effect on reading a regular file). */
    int fd = open(img->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return mb_fail(err, errlen, "could not open kernel '%s': %s", img->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return mb_fail(err, errlen, "cannot read kernel '%s': %s", img->path, strerror(e));
    }
    if (mb_file_check_stat(img, &st, err, errlen) < 0) {
        close(fd);
        return -1;
    }
    img->size = (size_t)st.st_size;
    img->data = malloc(img->size);
    if (!img->data) {
        close(fd);
        return mb_fail(err, errlen, "cannot read kernel '%s': %s", img->path, strerror(ENOMEM));
    }
    int e = loader_read_all(fd, img->data, img->size);
    close(fd);
    if (e) {
        mb_file_free(img);
        return mb_fail(err, errlen, "cannot read kernel '%s': %s", img->path, strerror(e));
    }
    return 0;
}

void mb_file_free(struct mb_image *img)
{
    free(img->data);
    img->data = NULL;
    img->size = 0;
}
