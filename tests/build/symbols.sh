#!/bin/sh
# symbols.sh — debian/libruntime1.symbols is in step with
# libruntime/libruntime.map (it is debian/symbols-from-map's output) and
# with the built library (every exported name with its version node), and
# the Debian package version is this release's, not older than any node.
. "$top_srcdir/tests/helpers/tap.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
symbols="$top_srcdir/debian/libruntime1.symbols"
sh "$top_srcdir/debian/symbols-from-map" "$top_srcdir/libruntime/libruntime.map" > "$tmp/want"
if diff -u "$symbols" "$tmp/want" > "$tmp/diff"; then
  ok "debian/libruntime1.symbols is generated from libruntime.map"
else
  fail "debian/libruntime1.symbols is generated from libruntime.map: run debian/symbols-from-map > debian/libruntime1.symbols"
  diag "$(cat "$tmp/diff")"
fi

# The built library: "name@@NODE" for each defined dynamic symbol, and
# "NODE@@NODE" for each version node (nm shows those as "A NODE").
${NM:-nm} -D --defined-only "$rt_lib" | awk '
  $2 == "A" { print $3 "@" $3; next }
  { s = $3; sub(/@@/, "@", s); print s }' | LC_ALL=C sort > "$tmp/built"
sed -n 's/^ \([^ ]*\) .*/\1/p' "$symbols" | LC_ALL=C sort > "$tmp/listed"
if diff -u "$tmp/listed" "$tmp/built" > "$tmp/diff"; then
  ok "the built libruntime.so.1 exports exactly the symbols file's names and nodes"
else
  fail "the built libruntime.so.1 exports exactly the symbols file's names and nodes (- listed only, + built only)"
  diag "$(cat "$tmp/diff")"
fi

version=$(sed -n '1s/^[^ ]* (\([^)-]*\).*/\1/p' "$top_srcdir/debian/changelog")
release=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")
check "debian/changelog's version ($version) is configure.ac's ($release): else add an entry (dch -v $release)" \
  test "$version" = "$release"
newest=$(sed -n 's/^ [A-Z][A-Z0-9_]*_\([0-9]*\.[0-9]*\)@.*/\1.0/p' "$symbols" | sort -V | tail -n 1)
check "the package version ($release) is not older than the newest version node ($newest): bump AC_INIT and libtool's -version-info" \
  test "$(printf '%s\n%s\n' "$newest" "$release" | sort -V | tail -n 1)" = "$release"
finish
