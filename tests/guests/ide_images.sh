# ide_images.sh: sourced by the scripts that boot the ide guest
# (tests/guests/ide.c).  make_ide_images DIR writes DIR/master.img (2048
# sectors) and DIR/slave.img (16 sectors), whose dword i of sector n is
# SEED ^ n << 8 ^ i (SEED 0x5a000000 for the master, 0xa5000000 for the
# slave): what the guest expects to read.

# make_ide_image FILE SECTORS SEED
make_ide_image() {
  perl -e 'my ($n, $seed) = @ARGV; binmode STDOUT;
           for my $s (0 .. $n - 1) { print pack("V*", map { $seed ^ ($s << 8) ^ $_ } 0 .. 127) }' \
       "$2" "$3" >"$1"
}

make_ide_images() {
  make_ide_image "$1/master.img" 2048 $((0x5a000000))
  make_ide_image "$1/slave.img" 16 $((0xa5000000))
}
