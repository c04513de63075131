/*
 * uart.h: a 16550A UART (the PC's COM ports) and its host back ends.
 *
 * The register model lives in uart.c, the host side (stdout/stdin, a file,
 * nothing; terminal raw mode; the Ctrl-A escape) in uart_backend.c.
 * Register and bit names follow the National Semiconductor PC16550D data
 * sheet, which is also what Linux's 8250 driver and QEMU's serial device
 * implement.
 *
 *   struct uart *u = calloc(1, sizeof *u);
 *   uart_init(u, vm, UART_COM1_BASE, UART_COM1_IRQ, &cfg.com1, err, sizeof err);
 *   portio_register(&vm->board.bus, u->base, UART_NR_PORTS, uart_port_read,
 *                   uart_port_write, u, "com1");
 *   ...
 *   uart_poll(u);      // at monitor exits: flush output, take input
 *   uart_destroy(u);   // flush, close, restore the terminal
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "devices/board.h"

struct vm;
struct stats;

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_NR_PORTS 8
#define UART_FIFO_SIZE 16          /* the 16550A's receive FIFO depth */
#define UART_OUT_BUF_SIZE 4096     /* host output buffer */
#define UART_IN_QUEUE_SIZE 4096    /* host input waiting for room in the receive FIFO */

/* Register offsets from the base port (PC16550D Table II). */
enum uart_reg {
    UART_RBR = 0, /* read, DLAB=0: receiver buffer */
    UART_THR = 0, /* write, DLAB=0: transmitter holding */
    UART_DLL = 0, /* DLAB=1: divisor latch, low byte */
    UART_IER = 1, /* DLAB=0: interrupt enable */
    UART_DLM = 1, /* DLAB=1: divisor latch, high byte */
    UART_IIR = 2, /* read: interrupt identification */
    UART_FCR = 2, /* write: FIFO control */
    UART_LCR = 3, /* line control */
    UART_MCR = 4, /* modem control */
    UART_LSR = 5, /* line status */
    UART_MSR = 6, /* modem status */
    UART_SCR = 7, /* scratch */
};

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */
#define UART_IER_MASK 0x0f  /* bits 4-7 are always 0 on a 16550A */

#define UART_IIR_NO_INT 0x01 /* bit 0 set: nothing pending */
#define UART_IIR_MSI 0x00    /* modem status (lowest priority) */
#define UART_IIR_THRI 0x02   /* transmitter holding register empty */
#define UART_IIR_RDI 0x04    /* received data available (trigger level reached) */
#define UART_IIR_RLSI 0x06   /* receiver line status (highest priority) */
#define UART_IIR_CTI 0x0c    /* character timeout: data below the trigger level */
#define UART_IIR_ID_MASK 0x0f
#define UART_IIR_FIFO_ENABLED 0xc0 /* bits 6-7: FIFOs enabled (16550A) */

#define UART_FCR_ENABLE 0x01       /* enable both FIFOs */
#define UART_FCR_CLEAR_RCVR 0x02   /* reset the receive FIFO (self-clearing) */
#define UART_FCR_CLEAR_XMIT 0x04   /* reset the transmit FIFO (self-clearing) */
#define UART_FCR_DMA_SELECT 0x08   /* DMA mode 1: no effect without DMA */
#define UART_FCR_TRIGGER_MASK 0xc0 /* receive trigger level: 1, 4, 8, 14 bytes */

#define UART_LCR_DLAB 0x80 /* divisor latch access */

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* on a PC: gates the interrupt line to the PIC */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01   /* data ready */
#define UART_LSR_OE 0x02   /* overrun error */
#define UART_LSR_PE 0x04   /* parity error */
#define UART_LSR_FE 0x08   /* framing error */
#define UART_LSR_BI 0x10   /* break interrupt */
#define UART_LSR_THRE 0x20 /* transmitter holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS 0x01 /* delta clear to send */
#define UART_MSR_DDSR 0x02 /* delta data set ready */
#define UART_MSR_TERI 0x04 /* trailing edge of ring indicator */
#define UART_MSR_DDCD 0x08 /* delta data carrier detect */
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

/* The host side of a serial port. */
struct uart_backend {
    enum serial_backend_kind kind; /* SERIAL_STDIO, SERIAL_FILE or SERIAL_NULL */
    const char *name;              /* "stdout" or the file path, for error messages */
    int out_fd;                    /* where transmitted bytes go, -1: discarded */
    bool out_owned;                /* out_fd was opened here: close it at the end */
    bool out_failed;               /* a write failed and was reported; output is dropped */
    uint8_t out_buf[UART_OUT_BUF_SIZE]; /* bytes not written yet */
    size_t out_len;                /* bytes in out_buf */

    int in_fd;                     /* where received bytes come from, -1: none */
    bool in_eof;                   /* in_fd reached end of file (or failed): stop reading */
    bool in_tty;                   /* in_fd is a terminal switched to raw mode */
    struct termios in_saved;       /* in_tty: the terminal settings to restore */
    bool in_escape;                /* in_tty: Ctrl-A was typed, the next key is a command */
    bool quit_requested;           /* in_tty: Ctrl-A x was typed */
    uint8_t in_queue[UART_IN_QUEUE_SIZE]; /* input read from in_fd, not yet received */
    size_t in_head;                /* index of the oldest byte in in_queue */
    size_t in_len;                 /* bytes in in_queue */
    struct stats *stats;           /* where its host calls are counted (the VM's), NULL: nowhere */
};

/* One 16550A. */
struct uart {
    struct vm *vm;   /* the machine, for vm_request_exit() (Ctrl-A x) */
    uint16_t base;   /* first I/O port (0x3f8 for COM1) */
    int irq;         /* ISA IRQ line (4 for COM1) */
    /* Interrupt output: called with the new level (0/1) whenever it changes.
     * NULL until an interrupt controller connects it. */
    void (*irq_set)(void *ctx, int irq, int level);
    void *irq_ctx;   /* first argument of irq_set */
    int irq_level;   /* the level last driven on the line */

    uint8_t ier;     /* interrupt enable (UART_IER_*) */
    uint8_t lcr;     /* line control; bit 7 = DLAB */
    uint8_t mcr;     /* modem control (UART_MCR_*) */
    uint8_t lsr;     /* line status except DR, which is computed from rx_count */
    uint8_t msr;     /* modem status: lines in bits 4-7, deltas in bits 0-3 */
    uint8_t scr;     /* scratch */
    uint8_t dll;     /* divisor latch low */
    uint8_t dlm;     /* divisor latch high */
    uint8_t fcr;     /* FIFO control as last programmed (enable, DMA, trigger) */
    uint8_t rbr;     /* the last byte read from the receiver (read again when empty) */
    bool thr_ipending; /* a THR-empty interrupt is pending (see uart.c) */

    uint8_t rx_fifo[UART_FIFO_SIZE]; /* receive FIFO (only slot 0 without FIFOs) */
    uint8_t rx_head;  /* index of the oldest received byte */
    uint8_t rx_count; /* received bytes not read yet */

    struct uart_backend be; /* host side */
};

/* Reset the UART and open its back end.  Returns 0, or -1 with a message in err. */
int uart_init(struct uart *u, struct vm *vm, uint16_t base, int irq,
              const struct serial_config *cfg, char *err, size_t errlen);
/* Flush output, close the back end and restore the terminal. */
void uart_destroy(struct uart *u);
/* Connect the interrupt output; drives the current level at once. */
void uart_connect_irq(struct uart *u, void (*irq_set)(void *ctx, int irq, int level), void *ctx);

/* Port handlers (port_read_fn / port_write_fn); dev is the struct uart. */
uint32_t uart_port_read(void *dev, uint16_t port, unsigned size);
void uart_port_write(void *dev, uint16_t port, unsigned size, uint32_t value);

/* A byte arrives on the serial line.  Returns false if it overran the receiver. */
bool uart_receive(struct uart *u, uint8_t byte);
/* Free receive slots (16 with FIFOs enabled, else 1 holding register). */
unsigned uart_rx_room(const struct uart *u);
/* Flush output; move pending host input into the receiver; never blocks. */
void uart_poll(struct uart *u);

/* uart_backend.c: the host side. */
int uart_backend_open(struct uart_backend *be, const struct serial_config *cfg, char *err,
                      size_t errlen);
void uart_backend_close(struct uart_backend *be);
void uart_backend_put(struct uart_backend *be, uint8_t byte);
void uart_backend_flush(struct uart_backend *be);
/* Read what the host has ready into the input queue (never blocks). */
void uart_backend_fill(struct uart_backend *be);
/* Take up to max queued input bytes; returns how many. */
size_t uart_backend_take(struct uart_backend *be, uint8_t *dst, size_t max);
