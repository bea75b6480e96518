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
check "libruntime-malloc.so.1 (the malloc override) installed beside it" \
  test -e "$libdir/libruntime-malloc.so.1"

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

# pkg-config: --cflags needs no libffi.pc (no public header includes
# ffi.h), and plugindir names the directory holding the installed plugins.
if got=$(PKG_CONFIG_LIBDIR="$libdir/pkgconfig" pkg-config --cflags runtime 2>&1); then
  case "$got" in
    "-I$dest"*/include*) ok "pkg-config --cflags runtime works without libffi.pc ($got)" ;;
    *) fail "pkg-config --cflags runtime works without libffi.pc (got '$got')" ;;
  esac
else
  fail "pkg-config --cflags runtime works without libffi.pc"; diag "$got"
fi
check "libffi is not in Requires.private" sh -c "! grep -q '^Requires.*libffi' '$pc'"
plugindir=$(pkg-config --variable=plugindir runtime)
check "pkg-config --variable=plugindir names the installed plugins ($plugindir)" \
  test -f "$plugindir/mathx.so"
check "no plugin .la file installed there" \
  test -d "$plugindir" -a -z "$(find "$plugindir" -name '*.la')"

# CMake: pkg_check_modules(RUNTIME REQUIRED IMPORTED_TARGET runtime) builds
# the application and a plugin (tests/install/CMakeLists.txt).
if command -v cmake > /dev/null; then
  cp "$top_srcdir/tests/install/CMakeLists.txt" "$top_srcdir/tests/install/app.c" \
    "$top_srcdir/tests/install/plugin.c" "$tmp/"
  # umask 022: the loader refuses a group-writable plugin or directory.
  if (umask 022 && cd "$tmp" && CFLAGS="$RT_SAN_FLAGS" LDFLAGS="$RT_SAN_FLAGS" cmake -S . -B cm &&
      cmake --build cm) > "$tmp/cmake.log" 2>&1; then
    ok "a CMake project builds an app and a plugin with IMPORTED_TARGET runtime"
  else
    fail "a CMake project builds an app and a plugin with IMPORTED_TARGET runtime"
    diag "$(tail -20 "$tmp/cmake.log")"
  fi
  out=$(LD_LIBRARY_PATH="$libdir" "$tmp/cm/app" "$tmp/cm/outoftree.so" triple 14 2>&1)
  case "$out" in
    "outoftree.triple(14) = 42") ok "the CMake-built app runs the CMake-built plugin" ;;
    *) fail "the CMake-built app runs the CMake-built plugin"; diag "$out" ;;
  esac
else
  ok "# SKIP cmake not installed (Debian: apt-get install cmake)"
fi
finish
