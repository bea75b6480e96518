#!/bin/sh
# exports.sh — libruntime.so.1 exports exactly the symbols its version
# script lists, each versioned by a node of it (RUNTIME_1.0, RUNTIME_1.1,
# ...), and its SONAME is libruntime.so.1.
. "$top_srcdir/tests/helpers/tap.sh"

map="$top_srcdir/libruntime/libruntime.map"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Names listed in the map (comments stripped), sorted.
sed -e 's,/\*.*\*/,,g' "$map" | tr -d ' \t' | grep -E '^rt_[A-Za-z0-9_]+;$' |
  tr -d ';' | sort -u > "$tmp/want"
# Names the library defines and exports (dynamic symbol table).
${NM:-nm} -D --defined-only "$rt_lib" | awk '{print $3}' |
  sed 's/@.*//' | grep -v '^RUNTIME_1' | sort -u > "$tmp/have"

if diff -u "$tmp/want" "$tmp/have" > "$tmp/diff"; then
  ok "exported symbols match libruntime.map ($(wc -l < "$tmp/have") symbols)"
else
  diag "exports differ from libruntime.map (- listed, + exported):"
  diag "$(cat "$tmp/diff")"
  fail "exported symbols match libruntime.map"
fi

bad=$(grep -v '^rt_' "$tmp/have" || true)
check "every exported symbol is rt_-prefixed" test -z "$bad"

# Defined dynamic symbols whose version is no RUNTIME_1.x node (the
# version nodes' own definitions excepted).
unversioned=$(objdump -T "$rt_lib" | grep -v '\*UND\*' | grep -E ' rt_[A-Za-z0-9_]+$' |
  awk '$(NF-1) !~ /^RUNTIME_1\.[0-9]+$/ {print $NF}')
exported=$(objdump -T "$rt_lib" | grep -c ' RUNTIME_1.0 *rt_')
check "objdump -T shows the rt_ symbols versioned ($exported found)" test "$exported" -gt 0
if [ -z "$unversioned" ]; then ok "every exported function is versioned RUNTIME_1.x"
else diag "unversioned: $unversioned"; fail "every exported function is versioned RUNTIME_1.x"; fi

soname=$(readelf -d "$rt_lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
check "SONAME is libruntime.so.1 (got '$soname')" test "$soname" = libruntime.so.1
finish
