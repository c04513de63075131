/*
 * drive.h: QEMU's -drive option and its -hda..-hdd short forms, parsed
 * into vm_config.drives[] (IDE index 0-3: primary master, primary slave,
 * secondary master, secondary slave).
 *
 *   char msg[160];
 *   if (drive_parse(cfg, "file=fs.img,index=1,media=disk,format=raw", -1, msg, sizeof msg) < 0) ...
 *   drive_parse(cfg, "xv6.img", 0, msg, sizeof msg);   // -hda xv6.img
 */
#pragma once
#include <stddef.h>

#include "monitor/vm.h"

/* spec: -drive's key=value list (forced_index < 0), or a plain file name
 * for the drive at forced_index (-hda = 0 ...).  Returns 0, or -1 with a
 * one-line reason in msg. */
int drive_parse(struct vm_config *cfg, const char *spec, int forced_index, char *msg, size_t msglen);
