#!/bin/sh
# notests.sh — CMocka is needed for the tests only: configured where
# pkg-config cannot see CMocka, and again with --disable-tests, the tree
# builds the library, rthost and a plugin, configure says that make check
# needs CMocka, and `make check` stops with one line naming the package.
. "$top_srcdir/tests/helpers/tap.sh"

[ ! -f "$top_srcdir/config.status" ] ||
  skip_all "the source tree is configured in place; a second build of it needs an unconfigured tree"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A pkg-config directory with libffi only.
ffi=$(pkg-config --variable=pcfiledir libffi)/libffi.pc
mkdir "$tmp/pc" && cp "$ffi" "$tmp/pc/"
PKG_CONFIG_LIBDIR="$tmp/pc"; PKG_CONFIG_PATH=; export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
msg="make check needs CMocka: apt-get install libcmocka-dev"

# configure_in DIR ARG...: configure (compiling with -O0, to be quick).
configure_in() {
  dir=$1; shift
  mkdir "$dir" && (cd "$dir" && "$top_srcdir/configure" -C --cache-file="$tmp/cache" \
    CFLAGS="-O0 $RT_SAN_FLAGS" "$@") > "$dir/configure.out" 2>&1
}
# check_refused DIR: `make check` fails at once with the one-line message
# (-o all-am: the build itself is not what is tested here).
check_refused() {
  (cd "$1" && MAKEFLAGS= $MAKE -o all-am check) > "$1/check.out" 2> "$1/check.err"
  status=$?
  check "$2: make check fails" test "$status" -ne 0
  if [ "$(grep -c . "$1/check.err")" -le 2 ] && grep -qx "$msg.*" "$1/check.err" &&
     ! grep -q 'cmocka.h' "$1/check.err"; then
    ok "$2: ... with the one line '$msg...'"
  else
    fail "$2: ... with the one line '$msg...'"; diag "$(head -20 "$1/check.err")"
  fi
}

check "pkg-config cannot see cmocka here" sh -c '! pkg-config --exists cmocka'
check "configure succeeds without CMocka" configure_in "$tmp/none"
check "... and says make check needs it" grep -q "$msg" "$tmp/none/configure.out"
if (cd "$tmp/none" && MAKEFLAGS= $MAKE -j2 host/rthost plugins/plugins.stamp) > "$tmp/none/make.out" 2>&1; then
  ok "the library, rthost and the plugins build without CMocka"
else
  fail "the library, rthost and the plugins build without CMocka"; diag "$(tail -20 "$tmp/none/make.out")"
fi
out=$(cd "$tmp/none" && ./host/rthost call plugins/hello.so greeting world 2>&1)
check "... and rthost calls the plugin (got '$out')" test "$out" = "Hello, world!"
check_refused "$tmp/none" "without CMocka"

check "configure --disable-tests succeeds" configure_in "$tmp/off" --disable-tests
check "... and says make check needs CMocka" grep -q "$msg" "$tmp/off/configure.out"
check_refused "$tmp/off" "--disable-tests"

if configure_in "$tmp/on" --enable-tests; then
  fail "configure --enable-tests fails without CMocka"
else
  ok "configure --enable-tests fails without CMocka"
fi
check "... naming libcmocka-dev" grep -q 'libcmocka-dev' "$tmp/on/configure.out"
finish
