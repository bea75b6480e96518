#!/bin/sh
# build.sh — build the libFuzzer targets (run by `make fuzz`).
#
# Each target is linked with libruntime's sources compiled by clang under
# -fsanitize=fuzzer,address,undefined, so the fuzzer sees coverage inside
# the library and can reach its internal parsers.  Needs clang and
# libclang-rt-14-dev (Debian).  Environment: top_srcdir, top_builddir,
# FUZZ_CC (default clang), FFI_CFLAGS, FFI_LIBS, PLUGINDIR.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
cc=${FUZZ_CC:-clang}
out="$top_builddir/fuzz/bin"
obj="$top_builddir/fuzz/obj"
mkdir -p "$obj" "$out"
command -v "$cc" >/dev/null 2>&1 || {
  echo "fuzz: $cc not found; install clang and libclang-rt-14-dev" >&2
  exit 1
}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link
  -I$top_builddir -I$top_builddir/libruntime -I$top_srcdir/libruntime
  -I$top_srcdir/host -DRT_PLUGINDIR=\"${PLUGINDIR:-/nonexistent}\" ${FFI_CFLAGS:-}"
libs="${FFI_LIBS:--lffi} -ldl -lpthread"

objs=""
for src in "$top_srcdir"/libruntime/*.c "$top_srcdir"/host/shellwords.c; do
  [ -f "$src" ] || continue
  o="$obj/$(basename "$src" .c).o"
  $cc $cflags -c "$src" -o "$o"
  objs="$objs $o"
done
for target in "$top_srcdir"/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  $cc $cflags -fsanitize=fuzzer "$target" $objs $libs -o "$out/$name"
  echo "fuzz: built $out/$name"
done
