/*
 * test_uart.c: the 16550A register model and its host back ends.
 *
 * Register behaviour is driven through uart_port_read/uart_port_write, as
 * the guest would; the back ends are checked against real files, a pipe
 * standing in for stdin, and a pseudo-terminal for raw mode and Ctrl-A x.
 * vm_request_exit() is replaced by a recorder so only the device links.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/uart.h"
#include "monitor/vm.h"

void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int status, const char *fmt, ...)
{
    if (vm->exit_reason != VMEXIT_NONE)
        return;
    vm->exit_reason = why;
    vm->exit_status = status;
    snprintf(vm->exit_message, sizeof vm->exit_message, "%s", fmt ? fmt : "");
}

/* Test fixture: a VM, a UART on the null back end, and an IRQ recorder. */
struct fixture {
    struct vm *vm;
    struct uart u;
    int irq_calls;  /* times the interrupt output changed */
    int irq_line;   /* irq number passed */
    int irq_level;  /* last level driven */
};

#define BASE UART_COM1_BASE

static uint8_t rd(struct fixture *f, unsigned reg)
{
    return (uint8_t)uart_port_read(&f->u, (uint16_t)(BASE + reg), 1);
}

static void wr(struct fixture *f, unsigned reg, uint8_t v)
{
    uart_port_write(&f->u, (uint16_t)(BASE + reg), 1, v);
}

static void irq_record(void *ctx, int irq, int level)
{
    struct fixture *f = ctx;
    f->irq_calls++;
    f->irq_line = irq;
    f->irq_level = level;
}

static int setup_kind(void **state, const struct serial_config *cfg)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    if (!f || !(f->vm = calloc(1, sizeof *f->vm)))
        return -1;
    if (uart_init(&f->u, f->vm, BASE, UART_COM1_IRQ, cfg, err, sizeof err) < 0)
        return -1;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_kind(state, &(struct serial_config){ .kind = SERIAL_NULL });
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    uart_destroy(&f->u);
    free(f->vm);
    free(f);
    return 0;
}

static void test_reset_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
    assert_int_equal(rd(f, UART_IER), 0);
    assert_int_equal(rd(f, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
    wr(f, UART_IER, 0xff);
    assert_int_equal(rd(f, UART_IER), 0x0f); /* bits 4-7 do not exist on a 16550A */
}

static void test_divisor_latch(void **state)
{
    struct fixture *f = *state;
    wr(f, UART_IER, UART_IER_ERBFI);
    wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
    wr(f, UART_DLL, 0x0c);
    wr(f, UART_DLM, 0x01);
    assert_int_equal(rd(f, UART_DLL), 0x0c);
    assert_int_equal(rd(f, UART_DLM), 0x01);
    assert_int_equal(rd(f, UART_LCR), UART_LCR_DLAB | 0x03);
    wr(f, UART_LCR, 0x03);
    assert_int_equal(rd(f, UART_IER), UART_IER_ERBFI); /* untouched by the DLM write */
    assert_int_equal(f->u.dll, 0x0c);
    assert_int_equal(f->u.dlm, 0x01);
    /* With DLAB set, offset 0 is the latch, not the receiver. */
    uart_receive(&f->u, 'z');
    wr(f, UART_LCR, UART_LCR_DLAB);
    assert_int_equal(rd(f, UART_RBR), 0x0c);
    assert_true(rd(f, UART_LSR) & UART_LSR_DR);
    wr(f, UART_LCR, 0);
    assert_int_equal(rd(f, UART_RBR), 'z');
}

static void test_lsr_data_ready_and_overrun(void **state)
{
    struct fixture *f = *state;
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    assert_true(uart_receive(&f->u, 'a'));
    assert_int_equal(rd(f, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
    /* Without FIFOs a second byte overruns the holding register and replaces it. */
    assert_false(uart_receive(&f->u, 'b'));
    assert_int_equal(rd(f, UART_LSR), UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
    assert_false(rd(f, UART_LSR) & UART_LSR_OE); /* cleared by the read */
    assert_int_equal(rd(f, UART_RBR), 'b');
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(f, UART_RBR), 'b'); /* empty: the last byte again */
}

static void test_loopback(void **state)
{
    struct fixture *f = *state;
    /* Linux's autoconfig: LOOP|OUT2|RTS must read back as DCD|CTS. */
    wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
    assert_int_equal(rd(f, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
    wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
    uint8_t msr = rd(f, UART_MSR);
    assert_int_equal(msr & 0xf0, UART_MSR_DSR | UART_MSR_RI);
    assert_int_equal(msr & UART_MSR_DELTAS, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
    assert_int_equal(rd(f, UART_MSR) & UART_MSR_DELTAS, 0); /* cleared by the read */
    wr(f, UART_MCR, UART_MCR_LOOP);
    assert_int_equal(rd(f, UART_MSR), UART_MSR_DDSR | UART_MSR_TERI); /* RI fell */
    wr(f, UART_THR, 'Q');
    assert_true(rd(f, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(f, UART_RBR), 'Q');
    /* Host input is not received in loopback. */
    f->u.be.in_queue[0] = 'h';
    f->u.be.in_len = 1;
    uart_poll(&f->u);
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    wr(f, UART_MCR, 0);
    uart_poll(&f->u);
    assert_int_equal(rd(f, UART_RBR), 'h');
}

static void test_fifo(void **state)
{
    struct fixture *f = *state;
    wr(f, UART_FCR, UART_FCR_ENABLE);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
    assert_int_equal(uart_rx_room(&f->u), UART_FIFO_SIZE);
    for (int i = 0; i < UART_FIFO_SIZE; i++)
        assert_true(uart_receive(&f->u, (uint8_t)('a' + i)));
    assert_false(uart_receive(&f->u, '!')); /* 17th: overrun, FIFO kept */
    assert_true(rd(f, UART_LSR) & UART_LSR_OE);
    for (int i = 0; i < UART_FIFO_SIZE; i++)
        assert_int_equal(rd(f, UART_RBR), 'a' + i);
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    /* Wrap around the ring, then reset the receive FIFO. */
    for (int i = 0; i < 5; i++)
        uart_receive(&f->u, (uint8_t)i);
    assert_int_equal(rd(f, UART_RBR), 0);
    wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RCVR);
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(f, UART_IIR) & UART_IIR_FIFO_ENABLED, UART_IIR_FIFO_ENABLED);
    /* Disabling the FIFOs empties them and falls back to one holding register. */
    uart_receive(&f->u, 'x');
    wr(f, UART_FCR, 0);
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
    assert_int_equal(uart_rx_room(&f->u), 1);
}

static void test_fifo_trigger_level(void **state)
{
    struct fixture *f = *state;
    wr(f, UART_FCR, UART_FCR_ENABLE | 0x80); /* trigger at 8 bytes */
    wr(f, UART_IER, UART_IER_ERBFI);
    for (int i = 0; i < 7; i++)
        uart_receive(&f->u, 'x');
    assert_int_equal(rd(f, UART_IIR) & UART_IIR_ID_MASK, UART_IIR_CTI);
    uart_receive(&f->u, 'x');
    assert_int_equal(rd(f, UART_IIR) & UART_IIR_ID_MASK, UART_IIR_RDI);
    rd(f, UART_RBR);
    assert_int_equal(rd(f, UART_IIR) & UART_IIR_ID_MASK, UART_IIR_CTI);
}

static void test_iir_priorities(void **state)
{
    struct fixture *f = *state;
    wr(f, UART_MCR, UART_MCR_RTS); /* a modem input changes: loopback off, so none */
    wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS); /* DCD and DSR drop: deltas */
    uart_receive(&f->u, 'a');
    uart_receive(&f->u, 'b'); /* overrun */
    wr(f, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_ELSI | UART_IER_EDSSI);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_RLSI);
    rd(f, UART_LSR);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_RDI);
    rd(f, UART_RBR);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_THRI);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_MSI); /* THRE was acknowledged */
    rd(f, UART_MSR);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
}

static void test_thre_semantics(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
    wr(f, UART_IER, UART_IER_ETBEI); /* THR empty: pending at once */
    assert_int_equal(rd(f, UART_IIR), UART_IIR_THRI);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT); /* the read acknowledged it */
    wr(f, UART_IER, UART_IER_ETBEI); /* no change: not raised again */
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
    wr(f, UART_THR, 'x'); /* sent at once, so the THR is empty again */
    assert_int_equal(rd(f, UART_IIR), UART_IIR_THRI);
    wr(f, UART_THR, 'y');
    wr(f, UART_IER, 0);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
    wr(f, UART_IER, UART_IER_ETBEI);
    /* Reading IIR acknowledges THRE only while it is the reported source. */
    uart_receive(&f->u, 'r');
    wr(f, UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_RDI);
    rd(f, UART_RBR);
    assert_int_equal(rd(f, UART_IIR), UART_IIR_THRI);
}

static void test_irq_output(void **state)
{
    struct fixture *f = *state;
    uart_connect_irq(&f->u, irq_record, f);
    assert_int_equal(f->irq_calls, 1); /* the current level is driven on connect */
    assert_int_equal(f->irq_line, UART_COM1_IRQ);
    assert_int_equal(f->irq_level, 0);
    wr(f, UART_IER, UART_IER_ETBEI);
    assert_int_equal(f->irq_calls, 2); /* OUT2 clear drives the line too (as QEMU; xv6 relies on it) */
    assert_int_equal(f->irq_level, 1);
    wr(f, UART_MCR, UART_MCR_OUT2);
    assert_int_equal(f->irq_calls, 2);
    rd(f, UART_IIR); /* acknowledges THRE */
    assert_int_equal(f->irq_level, 0);
    uart_receive(&f->u, 'a');
    wr(f, UART_IER, UART_IER_ERBFI);
    assert_int_equal(f->irq_level, 1);
    rd(f, UART_RBR);
    assert_int_equal(f->irq_level, 0);
    uart_receive(&f->u, 'b');
    assert_int_equal(f->irq_level, 1);
    wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP); /* loopback also gates it */
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(f->irq_calls, 7);
}

/* Read a whole small file into buf; returns its length. */
static size_t slurp(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return n;
}

static void test_file_backend(void **state)
{
    (void)state;
    char path[] = "/tmp/btvisor-uart-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "stale contents that must go", 27), 27);
    close(fd);
    void *s = NULL;
    assert_int_equal(setup_kind(&s, &(struct serial_config){ .kind = SERIAL_FILE, .path = path }), 0);
    struct fixture *f = s;
    static char expect[10000], got[12000];
    for (size_t i = 0; i < sizeof expect; i++)
        expect[i] = (char)(i % 61 == 60 ? '\n' : 'A' + i % 26);
    wr(f, UART_LCR, UART_LCR_DLAB);
    wr(f, UART_THR, '#'); /* divisor latch, not output */
    wr(f, UART_LCR, 0x03);
    for (size_t i = 0; i < sizeof expect; i++) {
        while (!(rd(f, UART_LSR) & UART_LSR_THRE))
            ;
        wr(f, UART_THR, (uint8_t)expect[i]);
    }
    teardown(&s); /* flushes and closes */
    assert_int_equal(slurp(path, got, sizeof got), sizeof expect);
    assert_memory_equal(got, expect, sizeof expect);
    unlink(path);
}

static void test_file_backend_bad_path(void **state)
{
    (void)state;
    struct uart u;
    char err[256] = "";
    struct serial_config cfg = { .kind = SERIAL_FILE, .path = "/nonexistent-dir/out" };
    assert_int_equal(uart_init(&u, NULL, BASE, 4, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/out"));
}

/* A write error is reported once on stderr, not per byte. */
static void test_write_error_reported_once(void **state)
{
    (void)state;
    char errpath[] = "/tmp/btvisor-uart-err-XXXXXX";
    int errfd = mkstemp(errpath), saved = dup(2);
    assert_true(errfd >= 0 && saved >= 0);
    void *s = NULL;
    assert_int_equal(setup_kind(&s, &(struct serial_config){ .kind = SERIAL_FILE, .path = "/dev/full" }), 0);
    struct fixture *f = s;
    fflush(stderr);
    dup2(errfd, 2);
    for (int i = 0; i < 3; i++) {
        wr(f, UART_THR, 'x');
        wr(f, UART_THR, '\n');
    }
    teardown(&s);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(errfd);
    char text[1024];
    slurp(errpath, text, sizeof text);
    unlink(errpath);
    assert_non_null(strstr(text, "/dev/full"));
    const char *first = strstr(text, "btvisor:");
    assert_non_null(first);
    assert_null(strstr(first + 1, "btvisor:"));
}

/* stdin as a pipe: bytes arrive as data, EOF just ends the input. */
static void test_stdin_pipe(void **state)
{
    (void)state;
    int p[2], saved = dup(0);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    dup2(p[0], 0);
    close(p[0]);
    void *s = NULL;
    assert_int_equal(setup_kind(&s, &(struct serial_config){ .kind = SERIAL_STDIO }), 0);
    struct fixture *f = s;
    assert_false(f->u.be.in_tty);
    uart_poll(&f->u); /* no FIFO: one byte at a time */
    assert_int_equal(rd(f, UART_RBR), 'h');
    wr(f, UART_FCR, UART_FCR_ENABLE);
    uart_poll(&f->u);
    char got[5] = { 0 };
    for (int i = 0; i < 4 && (rd(f, UART_LSR) & UART_LSR_DR); i++)
        got[i] = (char)rd(f, UART_RBR);
    assert_string_equal(got, "ello");
    uart_poll(&f->u); /* nothing there yet: no EOF, no blocking */
    assert_false(f->u.be.in_eof);
    close(p[1]);
    uart_poll(&f->u);
    assert_true(f->u.be.in_eof);
    assert_false(rd(f, UART_LSR) & UART_LSR_DR);
    assert_int_equal(f->vm->exit_reason, VMEXIT_NONE);
    teardown(&s);
    dup2(saved, 0);
    close(saved);
}

/* stdin as a terminal: raw mode while the UART lives, Ctrl-A x stops the VM. */
static void test_stdin_terminal(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct termios before, during, after;
    assert_int_equal(tcgetattr(slave, &before), 0);
    assert_true(before.c_lflag & ICANON);
    int saved = dup(0);
    dup2(slave, 0);
    void *s = NULL;
    assert_int_equal(setup_kind(&s, &(struct serial_config){ .kind = SERIAL_STDIO }), 0);
    struct fixture *f = s;
    assert_true(f->u.be.in_tty);
    tcgetattr(slave, &during);
    assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    wr(f, UART_FCR, UART_FCR_ENABLE);
    assert_int_equal(write(master, "ab\x01\x01" "c\x01x", 7), 7);
    usleep(20000);
    uart_poll(&f->u);
    char got[8] = { 0 };
    for (int i = 0; i < 7 && (rd(f, UART_LSR) & UART_LSR_DR); i++)
        got[i] = (char)rd(f, UART_RBR);
    assert_string_equal(got, "ab\x01" "c");
    assert_int_equal(f->vm->exit_reason, VMEXIT_POWEROFF);
    assert_int_equal(f->vm->exit_status, 0);
    assert_string_equal(f->vm->exit_message, "terminated by Ctrl-A x");
    teardown(&s);
    tcgetattr(slave, &after);
    assert_int_equal(after.c_lflag, before.c_lflag);
    assert_int_equal(after.c_iflag, before.c_iflag);
    dup2(saved, 0);
    close(saved);
    close(slave);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lsr_data_ready_and_overrun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_trigger_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iir_priorities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thre_semantics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irq_output, setup, teardown),
        cmocka_unit_test(test_file_backend),
        cmocka_unit_test(test_file_backend_bad_path),
        cmocka_unit_test(test_write_error_reported_once),
        cmocka_unit_test(test_stdin_pipe),
        cmocka_unit_test(test_stdin_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
