/*
 * linux_file.c: reading the bzImage and the initrd into host memory.
 *
 * Both files are parsed or copied from one contiguous host buffer.  Neither
 * can be larger than guest RAM (it could not fit), which bounds the
 * allocation; that check uses fstat, before anything is allocated.  Empty
 * files, directories, devices and unreadable files are refused with the
 * operating system's own error text, naming which file it was:
 * "could not open initrd 'x': No such file or directory".
 *
 *   struct linux_file f = { .path = "initrd.gz" };
 *   if (linux_file_read(&f, "initrd", 64 << 20, err, sizeof err) < 0) return -1;
 *   ...
 *   linux_file_free(&f);
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/linuximage.h"
#include "loader/mbimage.h"

/* Refuse what fstat shows cannot be loaded. */
static int linux_file_check_stat(const struct linux_file *f, const char *what,
                                 const struct stat *st, uint64_t max_size, char *err,
                                 size_t errlen)
{
    char sz[32];
    if (S_ISDIR(st->st_mode))
        return mb_fail(err, errlen, "cannot read %s '%s': %s", what, f->path, strerror(EISDIR));
    if (!S_ISREG(st->st_mode))
        return mb_fail(err, errlen, "%s '%s' is not a regular file", what, f->path);
    if (st->st_size == 0)
        return mb_fail(err, errlen, "%s '%s' is empty", what, f->path);
    if ((uint64_t)st->st_size > max_size)
        return mb_fail(err, errlen, "%s '%s' (%lld bytes) is larger than guest RAM (%s)", what,
                       f->path, (long long)st->st_size, mb_format_size(max_size, sz, sizeof sz));
    return 0;
}

/* fstat, check, allocate and read an open file. */
static int linux_file_read_fd(struct linux_file *f, int fd, const char *what, uint64_t max_size,
                              char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return mb_fail(err, errlen, "cannot read %s '%s': %s", what, f->path, strerror(errno));
    if (linux_file_check_stat(f, what, &st, max_size, err, errlen) < 0)
        return -1;
    f->size = (size_t)st.st_size;
    f->data = malloc(f->size);
    if (!f->data)
        return mb_fail(err, errlen, "cannot read %s '%s': %s", what, f->path, strerror(ENOMEM));
    int e = loader_read_all(fd, f->data, f->size);
    if (e) {
        linux_file_free(f);
        return mb_fail(err, errlen, "cannot read %s '%s': %s", what, f->path, strerror(e));
    }
    return 0;
}

int linux_file_read(struct linux_file *f, const char *what, uint64_t max_size, char *err,
                    size_t errlen)
{
    f->data = NULL;
    f->size = 0;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return mb_fail(err, errlen, "could not open %s '%s': %s", what, f->path, strerror(errno));
    int rc = linux_file_read_fd(f, fd, what, max_size, err, errlen);
    close(fd);
    return rc;
}

void linux_file_free(struct linux_file *f)
{
    free(f->data);
    f->data = NULL;
    f->size = 0;
}

int linux_is_bzimage(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return mb_fail(err, errlen, "could not open kernel '%s': %s", path, strerror(errno));
    uint8_t magic[4];
    ssize_t n = pread(fd, magic, sizeof magic, BP_HDR_END_BASE);
    close(fd);
    /* A directory makes pread fail: not a bzImage, the Multiboot loader says why. */
    return n == (ssize_t)sizeof magic && mb_get32(magic) == BP_HDRS_MAGIC;
}
