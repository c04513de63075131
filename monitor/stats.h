/*
 * stats.h: every counter btvisor keeps, defined once (an X-macro list).
 *
 * STATS_LIST(X) expands X(group, name, description) for each counter; the
 * struct, the text report and the JSON report are all generated from it, so
 * adding a counter is one line here plus the increment at the place it counts.
 *
 *   STAT_INC(vm, tc_lookups);
 *   STAT_ADD(vm, tc_guest_bytes, len);
 */
#pragma once
#include <stdint.h>
#include <stdio.h>

#define STATS_LIST(X)                                                                  \
    X(engine, engine_direct_exec, "1: guest user code ran directly on the CPU")         \
    X(engine, engine_softmmu, "1: guest memory through the soft MMU (in-process engine)") \
    X(engine, host_compat_mode, "1: the host runs 32-bit compatibility-mode code")      \
    X(engine, host_ldt, "1: the host loads LDT selectors")                             \
    X(engine, host_seccomp, "1: the host installs seccomp filters")                    \
    X(engine, confine_seccomp, "1: the monitor ran under its seccomp allow-list")      \
    X(engine, confine_no_caps, "1: the monitor ran without capabilities")              \
    X(tcache, tc_blocks_translated, "guest blocks translated")                          \
    X(tcache, tc_guest_bytes, "guest code bytes translated")                            \
    X(tcache, tc_host_bytes, "host code bytes emitted")                                 \
    X(tcache, tc_guest_insns, "guest instructions translated")                          \
    X(tcache, interp_insns, "real-mode and 16-bit instructions interpreted (monitor/run16.c)") \
    X(tcache, tc_lookups, "block lookups by the dispatcher")                            \
    X(tcache, tc_hits, "lookups that found a translation")                              \
    X(tcache, tc_misses, "lookups that had to translate")                               \
    X(tcache, tc_block_entries, "entries into translated code from the dispatcher")     \
    X(tcache, tc_chained_exits, "direct exits patched to jump block to block")          \
    X(tcache, tc_unchained_exits, "direct exits that returned to the dispatcher")       \
    X(tcache, tc_unlinks, "chained jumps undone by invalidation")                       \
    X(tcache, tc_hint_hits, "of the hits: the block an in-block callout went on to last time") \
    X(tcache, tc_ibl_hits, "indirect branches found in the inline table (counted inline)") \
    X(tcache, tc_ibl_misses, "indirect branches that missed the inline table")          \
    X(tcache, tc_smc_invalidations, "pages whose translations a write invalidated")     \
    X(tcache, tc_blocks_invalidated, "blocks invalidated by writes to their code")      \
    X(tcache, tc_flushes, "whole-cache flushes (arena full or forced)")                 \
    X(callout, co_total, "callouts: exits to the monitor to emulate an instruction")    \
    X(callout, co_segment, "callouts: segment register loads")                          \
    X(callout, seg_inline_loads, "segment loads done inline from the descriptor cache (counted inline)") \
    X(callout, seg_cache_fills, "segment-descriptor cache entries filled by slow loads") \
    X(callout, seg_cache_flushes, "segment-descriptor cache flushes (lgdt, CR0, TLB flushes)") \
    X(callout, fg_int_hits, "int n from user code delivered from the gate cache") \
    X(callout, fg_iret_hits, "iret to user code done from the gate cache") \
    X(callout, fg_fills, "gate cache entries filled by full deliveries and irets") \
    X(callout, co_far_transfer, "callouts: far jmp/call/ret, iret")                     \
    X(callout, co_interrupt, "callouts: int n, int3, into, icebp")                      \
    X(callout, co_io, "callouts: in/out/ins/outs")                                      \
    X(callout, co_flags, "callouts: cli/sti/pushf/popf outside ring 0")                 \
    X(callout, co_system, "callouts: descriptor tables, control and debug registers")   \
    X(callout, co_cpuid, "callouts: cpuid")                                             \
    X(callout, co_msr, "callouts: rdmsr/wrmsr")                                         \
    X(callout, co_hlt, "callouts: hlt")                                                 \
    X(callout, co_other, "callouts: every other emulated instruction")                  \
    X(callout, co_bounced, "emulated instructions the host ran on a copy of their memory operand") \
    X(callout, co_in_block, "callouts run from inside a block that went on after them") \
    X(callout, co_next_block, "callouts run from inside a block that went on into the next block") \
    X(callout, co_left_translated, "callouts run from inside a block that then left to the dispatcher") \
    X(event, ev_exceptions, "exceptions delivered to the guest")                        \
    X(event, ev_soft_ints, "software interrupts delivered to the guest")                \
    X(event, ev_double_faults, "double faults")                                         \
    X(event, ev_interrupts, "external interrupts delivered to the guest")                \
    X(event, ev_halt_waits, "host sleeps of a halted vCPU")                             \
    X(event, ev_host_signals, "host signals taken in translated code and user code")    \
    X(event, de_entries, "entries into directly executed guest user code")             \
    X(host, hc_total, "host system calls after set-up (the sum of the kinds below)")  \
    X(host, hc_writes, "host write/pwrite: serial output, disk writes, files, messages") \
    X(host, hc_reads, "host read/pread: terminal input, disk reads")                 \
    X(host, hc_polls, "host poll/ppoll: input checks, sleeps of a halted vCPU")       \
    X(host, hc_timers, "host timer_settime/timer_delete: the device timer")           \
    X(host, hc_maps, "host mmap/munmap/mprotect: host-mapped window, stitch pages")   \
    X(host, hc_sigreturns, "host rt_sigreturn: one per host signal handled")           \
    X(host, hc_allocator, "host brk calls of the memory allocator")                   \
    X(host, hc_other, "other host calls: arch_prctl, modify_ldt, ftruncate, fdatasync, close, ioctl") \
    X(host, hc_clock_reads, "host clock reads (vDSO; a system call only without a vDSO clock source)") \
    X(io, io_port_reads, "guest port reads")                                            \
    X(io, io_port_writes, "guest port writes")                                          \
    X(io, io_unassigned, "guest port accesses to nonexistent ports")                    \
    X(io, mmio_accesses, "guest accesses to memory-mapped devices (emulated)")          \
    X(io, mmio_unassigned, "guest accesses to physical addresses with nothing behind")  \
    X(io, ide_commands, "ATA commands written to the IDE controller")               \
    X(io, ide_sectors_read, "sectors the IDE controller read from disk images")       \
    X(io, ide_sectors_written, "sectors the IDE controller wrote to disk images")     \
    X(io, vga_screen_updates, "samples of the VGA text screen that found it changed")  \
    X(io, vga_cells_drawn, "VGA text cells found changed (sampled every 50 ms and at exit)") \
    X(mmu, sh_hidden_faults, "host faults filled from the guest page tables")           \
    X(mmu, sh_large_fills, "4 MiB guest pages mapped with one host mapping")            \
    X(mmu, sh_true_page_faults, "page faults delivered to the guest")                   \
    X(mmu, sh_dirty_faults, "first writes to clean pages (guest D bit set)")            \
    X(mmu, sh_trace_traps, "guest writes to its page tables, trapped and emulated")     \
    X(mmu, sh_adaptive_retranslations, "instructions retranslated into callouts")       \
    X(mmu, sh_cr3_switches, "CR3 loads")                                                \
    X(mmu, sh_entries_kept, "shadow groups kept across CR3 loads (same PDE)")           \
    X(mmu, sh_groups_rehomed, "shadow groups kept across CR3 loads (equal page table)")  \
    X(mmu, sh_groups_suspended, "shadow groups kept while the new directory lacks them")  \
    X(mmu, sh_groups_resumed, "suspended shadow groups resumed by a CR3 load back")     \
    X(mmu, sh_entries_dropped, "shadow mappings dropped (CR3, invlpg, tracing, evict)") \
    X(mmu, sh_drops_cr3, "of the drops: groups whose PDE differs after a CR3 load")    \
    X(mmu, sh_drops_invlpg, "of the drops: invlpg")                                     \
    X(mmu, sh_drops_traced, "of the drops: page-table and directory writes")            \
    X(mmu, sh_drops_user, "of the drops: supervisor pages hidden from user mode")      \
    X(mmu, sh_mappings_live, "host mappings live in the guest window (at exit)")        \
    X(mmu, sh_evictions, "shadow evictions to stay within the mapping budget")        \
    X(softmmu, sm_probes_emitted, "inline TLB probes emitted into translated code")    \
    X(softmmu, sm_tlb_misses, "TLB probes that missed and called the monitor")         \
    X(softmmu, sm_tlb_fills, "TLB entries filled from a guest page-table walk")        \
    X(softmmu, sm_page_crossings, "accesses crossing a page boundary (slow path)")      \
    X(softmmu, sm_string_helpers, "string instructions run by the in-block helper")  \
    X(softmmu, sm_stitches, "page pairs mapped side by side for crossing accesses")  \
    X(softmmu, sm_page_faults, "page faults the soft MMU raised")                      \
    X(softmmu, sm_code_writes, "writes to pages holding translated code")              \
    X(softmmu, sm_device_accesses, "accesses leaving translated code for a device")    \
    X(softmmu, sm_flushes_all, "whole-TLB flushes (CR0/CR4 changes)")                  \
    X(softmmu, sm_flushes_cr3, "CR3 loads (non-global entries flushed)")               \
    X(softmmu, sm_flushes_page, "invlpg flushes")                                      \
    X(softmmu, sm_write_tags_dropped, "write tags withdrawn when a page got code")

struct stats {
#define STATS_FIELD(group, name, desc) uint64_t name;
    STATS_LIST(STATS_FIELD)
#undef STATS_FIELD
};

#define STAT_INC(vm, name) ((vm)->stats.name++)
#define STAT_ADD(vm, name, n) ((vm)->stats.name += (n))

/* Zero every counter of one group (e.g. "host" when the run's counted
 * window of host system calls begins, monitor/hostcall.h). */
void stats_reset_group(struct stats *s, const char *group);
/* Human-readable report, one counter a line, with derived ratios (hit rate). */
void stats_print_text(const struct stats *s, FILE *out);
/* One JSON object: {"group": {"name": value, ...}, ...}. */
void stats_print_json(const struct stats *s, FILE *out);
