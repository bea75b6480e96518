#!/bin/sh
# install_plugin.sh — `make install` into a temporary root; a plugin built
# outside the source tree with pkg-config's flags alone is listed and
# called by the installed rthost, next to the installed example plugins.
. "$top_srcdir/tests/helpers/tap.sh"

umask 022
staged_install
rthost=$(find "$dest" -path '*/bin/rthost' | head -n 1)
check "rthost installed" test -x "$rthost"
plugins=$(find "$dest" -type d -path '*/libruntime/plugins' | head -n 1)
check "plugin directory installed" test -d "$plugins"
for p in hello mathx strings dns wc counter callback; do
  check "plugin $p installed" test -f "$plugins/$p.so"
done
man1=$(find "$dest" -name rthost.1 | head -n 1)
check "rthost.1 installed" test -n "$man1"
check "runtime.3 installed" test -n "$(find "$dest" -name runtime.3)"

export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig"
mine="$tmp/myplugins"; mkdir "$mine"
cp "$top_srcdir/tests/install/plugin.c" "$tmp/plugin.c"
if (cd "$tmp" && ${CC:-cc} $RT_SAN_FLAGS -shared -fPIC plugin.c -o "$mine/outoftree.so" \
      $(pkg-config --cflags --libs runtime)) 2> "$tmp/cc.log"; then
  ok "out-of-tree plugin builds with pkg-config flags"
else
  diag "$(cat "$tmp/cc.log")"; fail "out-of-tree plugin builds with pkg-config flags"
fi

# The installed rthost, against the installed library only.
host() { LD_LIBRARY_PATH="$libdir" "$rthost" "$@" 2> "$tmp/err"; }
# has NAME TEXT PATTERN: TEXT matches the shell PATTERN.
has() { case "$2" in $3) ok "$1" ;; *) fail "$1"; diag "$2" ;; esac; }
out=$(host list "$mine" "$plugins")
has "installed rthost lists the out-of-tree plugin" "$out" \
  "*outoftree 0.1.0 (ABI 1.0)  $mine/outoftree.so*"
has "... with its exports" "$out" "*triple (i64) -> i64  three times x*"
has "... and the installed example plugins" "$out" \
  "*mathx 1.0.0 (ABI 1.0)  $plugins/mathx.so*"
out=$(host --plugin-path "$mine" call outoftree triple 14)
check "installed rthost calls it by name (got '$out')" test "$out" = 42
out=$(host call "$mine/outoftree.so" shout hey)
check "... and by path (got '$out')" test "$out" = "hey!"
out=$(host --plugin-path "$plugins" call mathx add 2 3)
check "installed rthost calls an installed example plugin (got '$out')" test "$out" = 5
used=$(LD_LIBRARY_PATH="$libdir" ldd "$rthost" | awk '/libruntime/ {print $3}')
case "$used" in
  "$dest"*) ok "the installed libruntime.so.1 is the one loaded ($used)" ;;
  *) fail "the installed libruntime.so.1 is the one loaded (got '$used')" ;;
esac
finish
