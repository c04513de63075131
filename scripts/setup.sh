#!/usr/bin/env bash
# Install what btvisor needs to build and test on a Debian/Ubuntu machine.
# Safe to run again: apt-get skips what is installed.
set -euo pipefail
packages=(build-essential cmake pkg-config gcc-multilib
          libzydis-dev libzycore-dev libcapstone-dev libcmocka-dev libunicorn-dev libseccomp-dev
          strace)   # strace: the independent count of host system calls (tests/guests/check_host_calls.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
