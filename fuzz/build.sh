#!/bin/sh
# build.sh — build the libFuzzer targets (run by `make fuzz`).
#
# Each target is linked with libruntime's sources compiled by clang under
# -fsanitize=fuzzer,address,undefined, so the fuzzer sees coverage inside
# the library and can reach its internal parsers.  That is why it compiles
# them again rather than reusing the library's objects: those are built by
# the configured compiler (often gcc) without coverage instrumentation.
# The list of sources is the library's own (LIB_SOURCES, from make), so the
# two cannot drift.  Needs clang and
# libclang-rt-14-dev (Debian).  Environment: top_srcdir, top_builddir,
# LIB_SOURCES, FUZZ_CC (default clang), FFI_CFLAGS, FFI_LIBS, PLUGINDIR.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${LIB_SOURCES:?}"
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
for rel in $LIB_SOURCES host/shellwords.c; do
  case $rel in *.c) ;; *) continue ;; esac
  src="$top_srcdir/$rel"
  o="$obj/$(echo "$rel" | tr / _ | sed 's/\.c$/.o/')"
  $cc $cflags -c "$src" -o "$o"
  objs="$objs $o"
done
for target in "$top_srcdir"/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  $cc $cflags -fsanitize=fuzzer "$target" $objs $libs -o "$out/$name"
  echo "fuzz: built $out/$name"
done
