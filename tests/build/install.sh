#!/bin/sh
# install.sh — `make install` into a temporary root, then build and run a
# program outside the source tree against the installed copy only, found
# through pkg-config.
. "$top_srcdir/tests/helpers/tap.sh"

staged_install
check "runtime.pc installed" test -n "$pc"
incdir=$(find "$dest" -path '*/include/runtime.h' | head -n 1)
check "runtime.h installed at the top of includedir" test -n "$incdir"
check "runtime/error.h installed beside it" test -f "$(dirname "$incdir")/runtime/error.h"
check "runtime/version.h installed beside it" test -f "$(dirname "$incdir")/runtime/version.h"
check "libruntime.so.1 installed" test -e "$libdir/libruntime.so.1"

export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig"
check "pkg-config knows 'runtime'" pkg-config --exists runtime
cp "$top_srcdir/tests/install/prog.c" "$tmp/prog.c"
if (cd "$tmp" && ${CC:-cc} $RT_SAN_FLAGS prog.c -o prog $(pkg-config --cflags --libs runtime)) 2> "$tmp/cc.log"; then
  ok "out-of-tree program compiles with pkg-config flags"
else
  diag "$(cat "$tmp/cc.log")"; fail "out-of-tree program compiles with pkg-config flags"
fi
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog" 2>&1)
want="libruntime $(sed -n 's/^Version: //p' "$pc")"
check "it runs against the installed library and prints '$want' (got '$out')" test "$out" = "$want"
used=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog" | awk '/libruntime/ {print $3}')
case "$used" in
  "$dest"*) ok "the installed libruntime.so.1 is the one loaded ($used)" ;;
  *) fail "the installed libruntime.so.1 is the one loaded (got '$used')" ;;
esac
finish
