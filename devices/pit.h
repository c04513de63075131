/*
 * pit.h: the Intel 8254 programmable interval timer of a PC and system
 * control port B (0x61), which gates its channel 2 and shows that channel's
 * output.
 *
 * The counters are not ticked: their state is a function of host time.  Every
 * port access reads "now" from vm->board.clock_ns (CLOCK_MONOTONIC, or a fake
 * clock in tests) and derives the counter value and the OUT pins from when
 * the count was loaded.  Nothing here arms host timers: the run loop asks
 * pit_next_event_ns() when channel 0 will next raise IRQ 0, waits until then
 * however it likes, and calls pit_advance(), which drives IRQ 0 on the PIC.
 *
 *   uint64_t now = vm->board.clock_ns(vm);
 *   pit_advance(vm, now);                             // IRQ 0 edges up to now
 *   uint64_t at = pit_next_event_ns(vm, now);         // arm a host timer for `at`
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define PIT_HZ 1193182u      /* the PC's 14.31818 MHz crystal divided by 12 */
#define PIT_PORT_COUNTER0 0x40
#define PIT_PORT_CONTROL 0x43
#define PIT_NR_PORTS 4
#define PIT_NR_CHANNELS 3
#define PORT61 0x61          /* system control port B */

#define PORT61_GATE2 0x01    /* GATE input of channel 2 */
#define PORT61_SPEAKER 0x02  /* speaker data enable (channel 2 OUT to the speaker) */
#define PORT61_WRITABLE 0x0f /* bits 2-3: parity/IOCHK check disables, kept as written */
#define PORT61_REFRESH 0x10  /* toggles every DRAM refresh period (read only) */
#define PORT61_OUT2 0x20     /* OUT of channel 2 (read only) */

/* Access modes (control word bits 5-4, "RW"). */
enum pit_rw { PIT_RW_LATCH = 0, PIT_RW_LSB = 1, PIT_RW_MSB = 2, PIT_RW_WORD = 3 };

/* Where a channel's counting element stands. */
enum pit_phase {
    PIT_IDLE,     /* no count since the control word (or mode 0 between the bytes) */
    PIT_ARMED,    /* modes 1 and 5: count written, waiting for a GATE rising edge */
    PIT_COUNTING, /* a count is loaded and counts (unless GATE suspends it) */
};

/* One counter of the 8254. */
struct pit_channel {
    uint8_t mode_bits;      /* control word bits 3-1 as written (6, 7 = modes 2, 3) */
    uint8_t mode;           /* effective mode 0-5 */
    enum pit_rw rw;         /* access mode: LSB, MSB or LSB then MSB */
    bool bcd;               /* count in four BCD digits (modulus 10000) */
    bool gate;              /* GATE input level */
    enum pit_phase phase;   /* see enum pit_phase */
    uint32_t count;         /* count in the counting element, in ticks: 1-65536 (BCD: 1-10000) */
    uint32_t cr;            /* count register: the last count written (modes 1, 5 load it on a trigger) */
    uint32_t pending;       /* modes 2, 3: count written while counting, loaded at pending_at; 0: none */
    uint64_t pending_at;    /* elapsed tick at which `pending` replaces `count` (a period end) */
    bool running;           /* the counting element advances (GATE has not suspended it) */
    uint64_t start_ns;      /* host time the current run began */
    uint64_t ticks_before;  /* ticks counted in earlier runs since the count was loaded */
    uint16_t idle_value;    /* what the counter reads while no count is loaded */
    bool null_count;        /* a count was written but has not reached the counting element */
    bool write_msb_next;    /* LSB-then-MSB writes: the LSB is in write_lsb */
    uint8_t write_lsb;      /* first byte of a two-byte count */
    bool read_msb_next;     /* LSB-then-MSB reads: the next read returns the MSB */
    uint8_t latched_bytes;  /* count bytes still to read from `latch` (0: not latched) */
    uint16_t latch;         /* output latch (counter latch or read-back command) */
    bool status_latched;    /* a read-back status byte waits in `status` */
    uint8_t status;         /* the latched status byte */
    bool out;               /* OUT as of synced_ns (for channel 0: the IRQ 0 level driven) */
    uint64_t synced_ns;     /* host time OUT and edges were last brought up to */
    uint64_t synced_ticks;  /* elapsed ticks at synced_ns */
};

/* The 8254 and port 0x61. */
struct pit {
    struct vm *vm;                           /* for the clock and pic_set_irq() */
    struct pit_channel ch[PIT_NR_CHANNELS];  /* 0: IRQ 0; 1: refresh (output unused); 2: speaker */
    uint8_t port61;                          /* port 0x61 bits 0-3 as written */
    uint64_t irq0_edges;                     /* rising edges of channel 0's OUT */
    uint64_t irq0_merged;                    /* of those, edges merged into one PIC request */
};

/* Bring the PIT to now_ns: IRQ 0 rises and falls on the PIC as channel 0's
 * OUT did.  Several rising edges since the last call become one request. */
void pit_advance(struct vm *vm, uint64_t now_ns);
/* Host time of channel 0's next OUT rising edge after now_ns (the only
 * transition that can raise IRQ 0, which is edge-triggered); now_ns itself if
 * an edge is already due that pit_advance() has not delivered; UINT64_MAX if
 * OUT will never rise without a new count or control word. */
uint64_t pit_next_event_ns(const struct vm *vm, uint64_t now_ns);

/* GATE input of a channel (port 0x61 drives channel 2's). */
void pit_set_gate(struct vm *vm, unsigned channel, bool level, uint64_t now_ns);
/* OUT of a channel at now_ns (port 0x61 bit 5 shows channel 2's). */
bool pit_get_out(struct vm *vm, unsigned channel, uint64_t now_ns);

/* Port handlers; dev is the struct pit.  sysctl_port61.c has those of 0x61. */
uint32_t pit_port_read(void *dev, uint16_t port, unsigned size);
void pit_port_write(void *dev, uint16_t port, unsigned size, uint32_t value);

/* Tick/time conversions (exact: ticks = floor(ns * PIT_HZ / 1e9)). */
uint64_t pit_ns_to_ticks(uint64_t ns);
/* The first host nanosecond by which `ticks` ticks have elapsed. */
uint64_t pit_ticks_to_ns(uint64_t ticks);
