#!/bin/sh
# exports.sh — libruntime.so.1 exports exactly the symbols its version
# script lists, each with the version of the node that lists it
# (RUNTIME_1.0, RUNTIME_1.1, ..., RUNTIME_PRIVATE_1.1 for the malloc
# override), and its SONAME is libruntime.so.1.
. "$top_srcdir/tests/helpers/tap.sh"

map="$top_srcdir/libruntime/libruntime.map"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Names listed in the map (comments stripped), sorted.
sed -e 's,/\*.*\*/,,g' "$map" | tr -d ' \t' | grep -E '^rt_[A-Za-z0-9_]+;$' |
  tr -d ';' | sort -u > "$tmp/want"
# Names the library defines and exports (dynamic symbol table).
${NM:-nm} -D --defined-only "$rt_lib" | awk '{print $3}' |
  sed 's/@.*//' | grep -v '^RUNTIME_' | sort -u > "$tmp/have"

if diff -u "$tmp/want" "$tmp/have" > "$tmp/diff"; then
  ok "exported symbols match libruntime.map ($(wc -l < "$tmp/have") symbols)"
else
  diag "exports differ from libruntime.map (- listed, + exported):"
  diag "$(cat "$tmp/diff")"
  fail "exported symbols match libruntime.map"
fi

bad=$(grep -v '^rt_' "$tmp/have" || true)
check "every exported symbol is rt_-prefixed" test -z "$bad"

# Each exported function carries the version of the node that lists it.
awk '/^[A-Za-z_][A-Za-z0-9_.]* *\{/ {node = $1}
     /^ *rt_[A-Za-z0-9_]+; *$/ {sub(/^ */, ""); sub(/; *$/, ""); print $0, node}' \
  "$map" | sort > "$tmp/want_ver"
objdump -T "$rt_lib" | grep -v '\*UND\*' | grep -E ' rt_[A-Za-z0-9_]+$' |
  awk '{print $NF, $(NF-1)}' | sort > "$tmp/have_ver"
exported=$(grep -c ' RUNTIME_1.0$' "$tmp/have_ver")
check "objdump -T shows the rt_ symbols versioned ($exported found)" test "$exported" -gt 0
if diff -u "$tmp/want_ver" "$tmp/have_ver" > "$tmp/vdiff"; then
  ok "every exported function has the version of its node in the map"
else diag "$(cat "$tmp/vdiff")"; fail "every exported function has the version of its node in the map"; fi

soname=$(readelf -d "$rt_lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
check "SONAME is libruntime.so.1 (got '$soname')" test "$soname" = libruntime.so.1
finish
