#!/usr/bin/env bash
# Assemble a Debian i386 Linux guest for btvisor: OUTDIR/bzImage (Debian's
# unmodified 686 kernel) and OUTDIR/initrd.gz (a busybox initramfs).
#
#   scripts/make-linux-guest.sh [--commands FILE] [--add PROG]... [OUTDIR]
#
#   --commands FILE  bake FILE in as /commands: /init runs it with sh, prints
#                    "BTVISOR-COMMANDS-DONE status=N" and powers off.  Without
#                    it /init starts a shell on the serial console.
#   --add PROG       copy PROG into /bin of the initramfs (repeatable).
#   OUTDIR           default build/linux.
#
# Everything comes from Debian's package registry through apt-get: the i386
# architecture is added to dpkg if missing, linux-image-686 is resolved to
# the versioned kernel package it depends on, and that package and
# busybox-static:i386 are downloaded (never installed) into OUTDIR/debs.
# tests/linux/forkpipe.c is built with gcc -m32 -static when the compiler
# can, and lands in /bin/forkpipe.  The initramfs is written in cpio newc
# format by this script itself (so /dev/console can be a device node without
# root), owned by root, with mtimes 0: the same inputs give the same bytes.
#
# Cached: the .debs, the extracted packages and a stamp of all inputs stay in
# OUTDIR, so a second run with the same inputs only checks the stamp.
#
#   scripts/make-linux-guest.sh --commands tests/linux/commands.sh
#   qemu-system-i386 -kernel build/linux/bzImage -initrd build/linux/initrd.gz \
#       -append console=ttyS0 -m 256M -nographic -no-reboot
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
commands=""
adds=()
outdir=""

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

while (($#)); do
    case "$1" in
    --commands) [ $# -ge 2 ] || usage; commands="$2"; shift 2 ;;
    --add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
    -h | --help) usage ;;
    -*) echo "make-linux-guest: unknown option $1" >&2; usage ;;
    *) [ -z "$outdir" ] || usage; outdir="$1"; shift ;;
    esac
done
outdir="${outdir:-$root/build/linux}"
for f in ${commands:+"$commands"} ${adds[@]+"${adds[@]}"}; do
    [ -f "$f" ] || { echo "make-linux-guest: no such file: $f" >&2; exit 2; }
done
mkdir -p "$outdir/debs" "$outdir/work"
outdir="$(cd "$outdir" && pwd)"
debs="$outdir/debs"
work="$outdir/work"

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

log() { echo "make-linux-guest: $*" >&2; }

# ---- packages ---------------------------------------------------------------

# i386 package lists: add the architecture and update only when they are missing.
ensure_i386_lists() {
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        log "adding the i386 architecture to dpkg"
        $sudo_cmd dpkg --add-architecture i386
    fi
    if ! ls /var/lib/apt/lists/*_binary-i386_Packages* >/dev/null 2>&1; then
        log "apt-get update (i386 package lists)"
        $sudo_cmd apt-get update -qq
    fi
}

# Resolve "kernel-package kernel-version busybox-version" with one apt-cache
# query (plus one if the kernel dependency carries no exact version): the
# versioned kernel package linux-image-686 depends on, and the versions apt
# would download.
resolve_packages_now() {
    apt-cache show --no-all-versions linux-image-686:i386 busybox-static:i386 2>/dev/null |
        awk '/^Package:/ { pkg = $2 }
             /^Version:/ && pkg == "busybox-static" { bver = $2 }
             /^Depends:/ && pkg == "linux-image-686" {
                 if (match($0, /linux-image-[0-9][^ ,]*( \(= [^)]*\))?/)) {
                     split(substr($0, RSTART, RLENGTH), d, /[ ()=]+/)
                     kpkg = d[1]; sub(/:i386$/, "", kpkg); kver = d[2]
                 }
             }
             END { if (kpkg != "" && bver != "") print kpkg, (kver == "" ? "-" : kver), bver }'
}

# resolve_packages_now, cached in $work/resolved for as long as apt's package
# lists stay the same (apt-cache parses every list on each call: seconds).
resolve_packages() {
    local key line
    key="lists $(stat -c %Y /var/lib/apt/lists) archs $(dpkg --print-foreign-architectures | tr '\n' ' ')"
    if [ "$(head -n 1 "$work/resolved" 2>/dev/null)" = "$key" ]; then
        sed -n 2p "$work/resolved"
        return
    fi
    line="$(resolve_packages_now)"
    [ -n "$line" ] || return 0
    set -- $line
    if [ "$2" = "-" ]; then
        set -- "$1" "$(apt-cache show --no-all-versions "$1:i386" 2>/dev/null |
            awk '/^Version:/ { print $2; exit }')" "$3"
        [ -n "$2" ] || return 0
    fi
    printf '%s\n%s %s %s\n' "$key" "$1" "$2" "$3" >"$work/resolved"
    echo "$1 $2 $3"
}

# Download pkg:i386 version ver into $debs unless it is there; print the .deb path.
fetch_deb() {
    local pkg="$1" ver="$2" file
    file="$debs/${pkg}_${ver//:/%3a}_i386.deb"
    if [ ! -s "$file" ]; then
        log "downloading $pkg:i386 $ver"
        # apt's _apt user may not write here; downloading as the caller is fine.
        (cd "$debs" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "$pkg:i386=$ver")
    fi
    [ -s "$file" ] || { log "download of $pkg left no $file"; return 1; }
    echo "$file"
}

# Extract a .deb into $work/<name> once (a stamp remembers which .deb it was).
extract_deb() {
    local deb="$1" dir="$work/$2"
    if [ "$(cat "$dir.from" 2>/dev/null)" != "$(basename "$deb")" ]; then
        log "extracting $(basename "$deb")"
        rm -rf "$dir" "$dir.from"
        mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        basename "$deb" >"$dir.from"
    fi
    echo "$dir"
}

ensure_i386_lists
resolved="$(resolve_packages)"
if [ -z "$resolved" ]; then
    log "apt-get update (cannot resolve linux-image-686:i386)"
    $sudo_cmd apt-get update -qq
    resolved="$(resolve_packages)"
fi
[ -n "$resolved" ] || { log "cannot resolve linux-image-686:i386 to a kernel package"; exit 1; }
read -r kpkg kver bver <<<"$resolved"
kdeb="$(fetch_deb "$kpkg" "$kver")"
bdeb="$(fetch_deb busybox-static "$bver")"
kdir="$(extract_deb "$kdeb" kernel)"
bdir="$(extract_deb "$bdeb" busybox)"

vmlinuz="$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -n 1)"
busybox="$bdir/bin/busybox"
[ -f "$vmlinuz" ] || { log "$kpkg has no /boot/vmlinuz-*"; exit 1; }
[ -x "$busybox" ] || { log "busybox-static has no /bin/busybox"; exit 1; }

# ---- the static test program ------------------------------------------------

forkpipe="$work/forkpipe"
forkpipe_src="$root/tests/linux/forkpipe.c"
if [ ! -x "$forkpipe" ] || [ "$forkpipe_src" -nt "$forkpipe" ]; then
    rm -f "$forkpipe"
    if gcc -m32 -static -O2 -Wall -Wextra -o "$forkpipe.tmp" "$forkpipe_src" 2>"$work/forkpipe.log"; then
        mv "$forkpipe.tmp" "$forkpipe"
    else
        log "gcc -m32 -static failed (gcc-multilib missing?): no /bin/forkpipe, see $work/forkpipe.log"
    fi
fi

# ---- the cache stamp --------------------------------------------------------

init_src="$root/tests/linux/init"
inputs() {
    echo "kernel $(basename "$kdeb")"
    echo "busybox $(basename "$bdeb")"
    sha256sum "$0" "$init_src" | awk '{ print "file", $1 }'
    [ ! -x "$forkpipe" ] || echo "forkpipe $(sha256sum <"$forkpipe" | cut -d' ' -f1)"
    [ -z "$commands" ] || echo "commands $(sha256sum <"$commands" | cut -d' ' -f1)"
    for f in ${adds[@]+"${adds[@]}"}; do
        echo "add $(basename "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
    done
}
stamp="$(inputs)"
if [ -s "$outdir/bzImage" ] && [ -s "$outdir/initrd.gz" ] &&
    [ "$(cat "$outdir/inputs.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "up to date: $outdir/bzImage $outdir/initrd.gz"
    exit 0
fi

# ---- the cpio newc writer ---------------------------------------------------
# Each entry: "070701", 13 fields of 8 hex digits (inode, mode, uid, gid,
# nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
# check), the name with its NUL, padding to 4 bytes, the data, padding to 4.

cpio_ino=1
cpio_pad() { # bytes so far -> zero bytes to the next multiple of 4
    local n=$(((4 - $1 % 4) % 4))
    ((n == 0)) || head -c "$n" /dev/zero
}
cpio_header() { # name mode size rdevmajor rdevminor nlink
    local name="$1" namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        "$cpio_ino" "$2" 0 0 "$6" 0 "$3" 0 0 "$4" "$5" "$namesize" 0 "$name"
    cpio_pad $((110 + namesize))
    cpio_ino=$((cpio_ino + 1))
}
cpio_dir() { cpio_header "$1" $((0040000 | 0755)) 0 0 0 2; }
cpio_file() { # name source mode
    local size
    size=$(stat -c %s "$2")
    cpio_header "$1" $((0100000 | $3)) "$size" 0 0 1
    cat "$2"
    cpio_pad "$size"
}
cpio_symlink() { # name target
    cpio_header "$1" $((0120000 | 0777)) ${#2} 0 0 1
    printf '%s' "$2"
    cpio_pad ${#2}
}
cpio_chardev() { cpio_header "$1" $((0020000 | $2)) 0 "$3" "$4" 1; } # name mode major minor
cpio_trailer() { cpio_header "TRAILER!!!" 0 0 0 0 1; }

# Applet links: ask the i386 busybox itself; if the host cannot run it, /init
# creates them at boot with busybox --install -s.
applets() {
    "$busybox" --list-full 2>/dev/null | grep -v '^bin/busybox$' || true
}

initramfs() {
    local d a
    for d in bin sbin usr usr/bin usr/sbin dev proc sys tmp root etc; do cpio_dir "$d"; done
    cpio_chardev dev/console 0600 5 1
    cpio_chardev dev/null 0666 1 3
    cpio_chardev dev/ttyS0 0600 4 64
    cpio_file init "$init_src" 0755
    cpio_file bin/busybox "$busybox" 0755
    while read -r a; do
        [ -n "$a" ] && [ "$a" != "bin/busybox" ] && cpio_symlink "$a" /bin/busybox
    done < <(applets)
    [ ! -x "$forkpipe" ] || cpio_file bin/forkpipe "$forkpipe" 0755
    [ -z "$commands" ] || cpio_file commands "$commands" 0644
    for a in ${adds[@]+"${adds[@]}"}; do cpio_file "bin/$(basename "$a")" "$a" 0755; done
    cpio_trailer
}

log "writing $outdir/initrd.gz"
initramfs | gzip -9n >"$outdir/initrd.gz.tmp"
mv "$outdir/initrd.gz.tmp" "$outdir/initrd.gz"
cp "$vmlinuz" "$outdir/bzImage.tmp"
mv "$outdir/bzImage.tmp" "$outdir/bzImage"
echo "$stamp" >"$outdir/inputs.stamp"
log "kernel $(basename "$vmlinuz") from $(basename "$kdeb")"
log "done: $outdir/bzImage $outdir/initrd.gz"
