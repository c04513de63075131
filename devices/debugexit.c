/*
 * debugexit.c: QEMU's isa-debug-exit device at port 0xf4.
 *
 * Test kernels end a run with a verdict by writing a value v to port 0xf4;
 * btvisor then stops and exits with status (v << 1) | 1, exactly as QEMU
 * does with `-device isa-debug-exit,iobase=0xf4`, so the same test kernel
 * and the same harness work with both.  The result is always odd, which
 * tells a debug-exit apart from btvisor's own statuses (0, 2, 4, 70).
 *
 * The status is truncated to 8 bits here, because that is all a process
 * exit status can carry (the kernel keeps status & 0xff): writing 0x80
 * gives ((0x80 << 1) | 1) & 0xff = 1, not 257.  Doing it here keeps the
 * status in vm->exit_status equal to what the shell will see.
 *
 * Writes of any size (1, 2 or 4 bytes) are accepted; the value is what the
 * access carried.  Reads return all-ones like an empty ISA port.
 *
 *   outb(0xf4, 0x10);   // guest: btvisor exits with status 0x21 = 33
 */
#include <stdio.h>

#include "monitor/vm.h"

static uint32_t debugexit_read(void *dev, uint16_t port, unsigned size)
{
    (void)dev;
    (void)port;
    (void)size;
    return 0xffffffffu; /* portio_read() trims to the access size */
}

static void debugexit_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct vm *vm = dev;
    (void)port;
    (void)size;
    int status = (int)(((value << 1) | 1) & 0xff);
    vm_request_exit(vm, VMEXIT_DEBUG_EXIT, status, NULL);
}

int debugexit_init(struct vm *vm, char *err, size_t errlen)
{
    if (portio_register(&vm->board.bus, DEBUG_EXIT_PORT, 1, debugexit_read, debugexit_write, vm,
                        "isa-debug-exit") < 0) {
        snprintf(err, errlen, "board: cannot register isa-debug-exit at port 0x%x", DEBUG_EXIT_PORT);
        return -1;
    }
    return 0;
}
