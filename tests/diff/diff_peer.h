/*
 * diff_peer.h: a process that runs cases — the native runner (btv-diffrun,
 * exec'd) or the btvisor server (a forked child of btv-difftest that owns
 * one VM) or the Unicorn server (a forked child that owns one Unicorn
 * engine).  All speak the pipe protocol of diff_layout.h, so the driver
 * treats them alike: send a batch, read the results, and if the peer died
 * or hung, mark the batch broken and start a fresh one.  Running btvisor in
 * a child also keeps a translator crash from taking the tester down.
 *
 *   struct diff_peer p;
 *   diff_peer_start(&p, DIFF_PEER_NATIVE, "./btv-diffrun", NULL, err, sizeof err);
 *   diff_peer_run(&p, cases, codes, states, n);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diff_case.h"

enum diff_peer_kind { DIFF_PEER_NATIVE, DIFF_PEER_BTVISOR, DIFF_PEER_UNICORN };

struct diff_peer {
    enum diff_peer_kind kind;  /* what runs the cases */
    char runner[4096];         /* native: path of btv-diffrun */
    char dump_path[4096];      /* btvisor: translation dump file, "" for none */
    pid_t pid;                 /* the child, 0 when not running */
    int to_fd;                 /* cases go here (child's stdin) */
    int from_fd;               /* results come from here (child's stdout) */
    unsigned restarts;         /* how often it had to be restarted */
    bool verbose;              /* keep the btvisor child's stderr */
};

int diff_peer_start(struct diff_peer *p, enum diff_peer_kind kind, const char *runner,
                    const char *dump_path, char *err, size_t errlen);
void diff_peer_stop(struct diff_peer *p);
/* Run n cases; every state is filled (broken = true with a note if the
 * peer failed on it).  Returns the number of broken states. */
unsigned diff_peer_run(struct diff_peer *p, const struct diff_case *const *cases,
                       const struct diff_code *const *codes, struct diff_state *const *states,
                       unsigned n);

/* Write all len bytes to fd, retrying short writes and EINTR; 0 or -1.
 * Both ends of the pipe protocol use it (diff_peer.c, diff_btv.c). */
int diff_write_all(int fd, const void *buf, size_t len);

/* The btvisor side of the protocol: serve cases from in_fd on one VM until
 * EOF.  Runs in the forked child (diff_btv.c). */
int diff_btv_serve(int in_fd, int out_fd, const char *dump_path);
/* The Unicorn side: the same, on a Unicorn engine (diff_uc.c). */
int diff_uc_serve(int in_fd, int out_fd);
/* Name of a peer kind for reports: "native", "btvisor", "unicorn". */
const char *diff_peer_name(enum diff_peer_kind kind);
