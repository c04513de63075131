/*
 * uart.c: the register model of a 16550A UART.
 *
 * The guest sees the eight registers of the PC16550D data sheet at base..base+7
 * (COM1: 0x3f8, IRQ 4).  Bytes the guest transmits go to the host back end
 * (uart_backend.c) at once: there is no baud-rate clock, so the transmitter
 * is always idle again by the time the guest looks, and LSR.THRE/TEMT read
 * as 1.  Bytes from the host enter the receive FIFO in uart_poll(), which the
 * run loop calls at its exits to the monitor, only as far as the FIFO has
 * room, so host input is never overrun.
 *
 * What drivers rely on, and where it is modelled:
 *   - the divisor latch behind LCR.DLAB (uart_port_read/uart_port_write);
 *   - the 16-byte receive FIFO, its trigger level and reset bits (FCR);
 *   - interrupt identification with the 16550 priorities, line status >
 *     received data > THR empty > modem status (uart_pending_iid);
 *   - the THR-empty interrupt: pending when IER.ETBEI becomes set while the
 *     THR is empty, and each time a transmitted byte leaves the THR; cleared
 *     by reading IIR while it is the reported source, by writing THR, or by
 *     clearing ETBEI.  Because transmission is instantaneous, a write to THR
 *     clears it and the THR is empty again at once, so it is pending again:
 *     exactly what the Linux 8250 driver waits for before it writes the next
 *     chunk;
 *   - loopback (MCR.LOOP): transmitted bytes come back into the receiver, the
 *     modem inputs reflect the modem outputs (CTS=RTS, DSR=DTR, RI=OUT1,
 *     DCD=OUT2), which Linux's autoconfig checks (it expects MSR 0x90 after
 *     writing MCR = LOOP|OUT2|RTS), and host input is not received.
 * Received data below the trigger level reports the character-timeout
 * interrupt (IIR 0x0c) immediately instead of after four character times,
 * since there is no character clock; drivers treat 0x04 and 0x0c alike.
 *
 * On many PCs MCR.OUT2 gates the UART's interrupt line onto the ISA bus,
 * but not on all, and QEMU's UART does not model the gate: xv6 never sets
 * OUT2 and takes its serial input by interrupt.  btvisor follows QEMU: the
 * line is pending && !LOOP (in loopback the interrupt output is
 * disconnected, PC16550D data sheet, MCR bit 4).  Linux sets OUT2 anyway.
 *
 *   uint32_t lsr = uart_port_read(u, u->base + UART_LSR, 1);
 *   if (lsr & UART_LSR_THRE) uart_port_write(u, u->base + UART_THR, 1, 'A');
 */
#include "devices/uart.h"

#include <string.h>

#include "monitor/vm.h"

/* Modem inputs when not in loopback: a peer is present and ready. */
#define UART_MSR_LINES_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static bool uart_fifo_enabled(const struct uart *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static unsigned uart_rx_capacity(const struct uart *u)
{
    return uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

unsigned uart_rx_room(const struct uart *u)
{
    return uart_rx_capacity(u) - u->rx_count;
}

/* Receive trigger level from FCR bits 6-7 (PC16550D, FCR description). */
static unsigned uart_rx_trigger(const struct uart *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[(u->fcr & UART_FCR_TRIGGER_MASK) >> 6];
}

/* The highest-priority pending interrupt, as IIR bits 0-3. */
static uint8_t uart_pending_iid(const struct uart *u)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr & UART_LSR_ERRORS))
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
        if (!uart_fifo_enabled(u) || u->rx_count >= uart_rx_trigger(u))
            return UART_IIR_RDI;
        return UART_IIR_CTI;
    }
    if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

/* Recompute the interrupt line; call after every state change. */
static void uart_update_irq(struct uart *u)
{
    bool pending = uart_pending_iid(u) != UART_IIR_NO_INT;
    bool gate = !(u->mcr & UART_MCR_LOOP);
    int level = pending && gate;
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->irq_set)
        u->irq_set(u->irq_ctx, u->irq, level);
}

void uart_connect_irq(struct uart *u, void (*irq_set)(void *ctx, int irq, int level), void *ctx)
{
    u->irq_set = irq_set;
    u->irq_ctx = ctx;
    if (irq_set)
        irq_set(ctx, u->irq, u->irq_level);
}

static void uart_rx_clear(struct uart *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

bool uart_receive(struct uart *u, uint8_t byte)
{
    unsigned cap = uart_rx_capacity(u);
    bool ok = u->rx_count < cap;
    if (ok) {
        u->rx_fifo[(u->rx_head + u->rx_count) % cap] = byte;
        u->rx_count++;
    } else {
        /* Overrun: with FIFOs the byte in the shift register is lost and the
         * FIFO kept; without, the new byte overwrites the holding register
         * (PC16550D, LSR bit 1). */
        u->lsr |= UART_LSR_OE;
        if (!uart_fifo_enabled(u))
            u->rx_fifo[0] = byte;
    }
    uart_update_irq(u);
    return ok;
}

static uint8_t uart_read_rbr(struct uart *u)
{
    if (u->rx_count) {
        u->rbr = u->rx_fifo[u->rx_head];
        u->rx_head = (u->rx_head + 1) % uart_rx_capacity(u);
        u->rx_count--;
        uart_update_irq(u);
    }
    return u->rbr;
}

static uint8_t uart_read_iir(struct uart *u)
{
    uint8_t iid = uart_pending_iid(u);
    if (iid == UART_IIR_THRI) {
        u->thr_ipending = false; /* reading IIR acknowledges THRE only */
        uart_update_irq(u);
    }
    return iid | (uart_fifo_enabled(u) ? UART_IIR_FIFO_ENABLED : 0);
}

static uint8_t uart_read_lsr(struct uart *u)
{
    uint8_t v = u->lsr | (u->rx_count ? UART_LSR_DR : 0);
    if (u->lsr & UART_LSR_ERRORS) {
        u->lsr &= ~UART_LSR_ERRORS; /* error bits clear on read */
        uart_update_irq(u);
    }
    return v;
}

static uint8_t uart_read_msr(struct uart *u)
{
    uint8_t v = u->msr;
    if (u->msr & UART_MSR_DELTAS) {
        u->msr &= ~UART_MSR_DELTAS; /* delta bits clear on read */
        uart_update_irq(u);
    }
    return v;
}

static uint8_t uart_read_reg(struct uart *u, unsigned reg)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_RBR: return dlab ? u->dll : uart_read_rbr(u);
    case UART_IER: return dlab ? u->dlm : u->ier;
    case UART_IIR: return uart_read_iir(u);
    case UART_LCR: return u->lcr;
    case UART_MCR: return u->mcr;
    case UART_LSR: return uart_read_lsr(u);
    case UART_MSR: return uart_read_msr(u);
    default: return u->scr;
    }
}

/* The modem input lines for the current MCR, in MSR bits 4-7. */
static uint8_t uart_modem_lines(const struct uart *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_LINES_IDLE;
    /* Loopback wiring (PC16550D, MCR bit 4). */
    uint8_t lines = 0;
    if (u->mcr & UART_MCR_RTS) lines |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR) lines |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1) lines |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2) lines |= UART_MSR_DCD;
    return lines;
}

/* Set the modem input lines, recording changes in the delta bits. */
static void uart_set_modem_lines(struct uart *u, uint8_t lines)
{
    uint8_t old = u->msr & 0xf0, changed = old ^ lines, deltas = 0;
    if (changed & UART_MSR_CTS) deltas |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR) deltas |= UART_MSR_DDSR;
    if ((old & UART_MSR_RI) && !(lines & UART_MSR_RI)) deltas |= UART_MSR_TERI;
    if (changed & UART_MSR_DCD) deltas |= UART_MSR_DDCD;
    u->msr = lines | (u->msr & UART_MSR_DELTAS) | deltas;
}

static void uart_write_thr(struct uart *u, uint8_t byte)
{
    if (u->mcr & UART_MCR_LOOP)
        uart_receive(u, byte);
    else
        uart_backend_put(&u->be, byte);
    /* The byte left the THR at once: THRE/TEMT stay set and the THR-empty
     * interrupt, cleared by this write, is pending again. */
    u->thr_ipending = true;
    uart_update_irq(u);
}

static void uart_write_ier(struct uart *u, uint8_t v)
{
    uint8_t changed = (u->ier ^ v) & UART_IER_ETBEI;
    u->ier = v & UART_IER_MASK;
    if (changed)
        u->thr_ipending = (u->ier & UART_IER_ETBEI) && (u->lsr & UART_LSR_THRE);
    uart_update_irq(u);
}

static void uart_write_fcr(struct uart *u, uint8_t v)
{
    bool enable = v & UART_FCR_ENABLE;
    /* Changing FIFO mode resets the FIFOs; the other bits are only written
     * when bit 0 is set (PC16550D, FCR description).  The transmitter has
     * no FIFO to reset since it is always empty. */
    if (enable != uart_fifo_enabled(u) || (enable && (v & UART_FCR_CLEAR_RCVR)))
        uart_rx_clear(u);
    u->fcr = enable ? (v & (UART_FCR_ENABLE | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_MASK)) : 0;
    uart_update_irq(u);
}

static void uart_write_mcr(struct uart *u, uint8_t v)
{
    bool was_loop = u->mcr & UART_MCR_LOOP;
    u->mcr = v & UART_MCR_MASK;
    if (was_loop != !!(u->mcr & UART_MCR_LOOP))
        uart_rx_clear(u); /* the receiver switches between line and loop */
    uart_set_modem_lines(u, uart_modem_lines(u));
    uart_update_irq(u);
}

static void uart_write_reg(struct uart *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_THR: if (dlab) u->dll = v; else uart_write_thr(u, v); break;
    case UART_IER: if (dlab) u->dlm = v; else uart_write_ier(u, v); break;
    case UART_FCR: uart_write_fcr(u, v); break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR: uart_write_mcr(u, v); break;
    case UART_SCR: u->scr = v; break;
    default: break; /* LSR and MSR writes are factory test modes: ignored */
    }
}

/* An 8-bit device on the ISA bus: a wider access is split into byte accesses
 * to consecutive ports; bytes beyond the UART's eight ports read 0xff. */
uint32_t uart_port_read(void *dev, uint16_t port, unsigned size)
{
    struct uart *u = dev;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (uint16_t)(port + i) - u->base;
        uint32_t b = reg < UART_NR_PORTS ? uart_read_reg(u, reg) : 0xff;
        v |= b << (8 * i);
    }
    return v;
}

void uart_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct uart *u = dev;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (uint16_t)(port + i) - u->base;
        if (reg < UART_NR_PORTS)
            uart_write_reg(u, reg, (uint8_t)(value >> (8 * i)));
    }
}

/* Power-on state (PC16550D Table IV, "Reset" column). */
static void uart_reset(struct uart *u)
{
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    u->msr = UART_MSR_LINES_IDLE;
    u->scr = 0;
    u->dll = 1; /* not defined by the reset; 115200 baud */
    u->dlm = 0;
    u->fcr = 0;
    u->rbr = 0;
    u->thr_ipending = false;
    uart_rx_clear(u);
    u->irq_level = 0;
}

int uart_init(struct uart *u, struct vm *vm, uint16_t base, int irq,
              const struct serial_config *cfg, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->vm = vm;
    u->base = base;
    u->irq = irq;
    uart_reset(u);
    int r = uart_backend_open(&u->be, cfg, err, errlen);
    u->be.stats = vm ? &vm->stats : NULL; /* its host calls from now on */
    return r;
}

void uart_destroy(struct uart *u)
{
    uart_backend_close(&u->be);
}

void uart_poll(struct uart *u)
{
    uart_backend_flush(&u->be);
    uart_backend_fill(&u->be);
    if (u->be.quit_requested) {
        u->be.quit_requested = false;
        vm_request_exit(u->vm, VMEXIT_POWEROFF, EXIT_STATUS_OK, "terminated by Ctrl-A x");
    }
    if (u->mcr & UART_MCR_LOOP)
        return; /* in loopback the serial input is disconnected */
    uint8_t buf[UART_FIFO_SIZE];
    size_t n = uart_backend_take(&u->be, buf, uart_rx_room(u));
    for (size_t i = 0; i < n; i++)
        uart_receive(u, buf[i]);
}
