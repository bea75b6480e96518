#!/bin/sh
# uninstall.sh — `make install` then `make uninstall` leave the destination
# as they found it: a root whose /usr/local is laid out like Debian's (one
# holding another program's file), and a root that does not exist yet.
# ldconfig runs after a real install or uninstall by root (DESTDIR empty),
# never after a staged one or for a user who may not write its cache.
. "$top_srcdir/tests/helpers/tap.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A stand-in for ldconfig that records its calls.
# Its cache (-p) is empty: the library is on no loader path it knows.
printf '#!/bin/sh\n[ "$1" = -p ] && exit 0\necho "ldconfig $*" >> "%s/ldconfig.log"\n' \
  "$tmp" > "$tmp/ldconfig"
chmod +x "$tmp/ldconfig"
if [ "$(id -u)" = 0 ]; then is_root=yes; else is_root=no; fi

listing() { (cd "$1" && find . | LC_ALL=C sort); }
calls() { if [ -f "$tmp/ldconfig.log" ]; then wc -l < "$tmp/ldconfig.log"; else echo 0; fi; }
# run NAME ARG...: make ARG... in the build tree as one assertion.
run() {
  name=$1; shift
  if rt_install "$@" LDCONFIG="$tmp/ldconfig" > "$tmp/make.log" 2>&1; then
    ok "$name"
  else
    fail "$name"; diag "$(tail -20 "$tmp/make.log")"
  fi
}
# same NAME BEFORE-LISTING DIR: DIR's listing is BEFORE-LISTING again.
same() {
  listing "$3" > "$tmp/after"
  if printf '%s\n' "$2" | cmp -s - "$tmp/after"; then ok "$1"; else
    fail "$1"; diag "$(printf '%s\n' "$2" | diff - "$tmp/after")"
  fi
}

# 1. Staged into a root whose /usr/local is laid out like Debian's (the
# standard directories present, another program's file in bin).
root="$tmp/root"; p="$root/usr/local"
mkdir -p "$p/bin" "$p/include" "$p/lib" "$p/share/man" "$p/etc" "$p/src"
echo other > "$p/bin/other-tool"
before=$(listing "$root")
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/libruntime/runtime.pc")
s="$root$prefix"
run "make install DESTDIR=ROOT" install DESTDIR="$root"
check "libruntime.so.1 installed" test -n "$(find "$s" -name libruntime.so.1)"
check "headers installed in include/runtime" test -f "$s/include/runtime/module.h"
plugins=$(find "$s" -type d -path '*/libruntime/plugins')
check "plugins installed in lib/libruntime/plugins" test -f "$plugins/hello.so"
check "no plugin .la file installed" test -z "$(find "$plugins" -name '*.la')"
check "man3/rt_module_load.3 installed (a link to rt_module.3)" \
  grep -qx '.so man3/rt_module.3' "$s/share/man/man3/rt_module_load.3"
run "make uninstall DESTDIR=ROOT" uninstall DESTDIR="$root"
same "the root is as it was: file list before == after" "$before" "$root"
check "the other program's file is still there" test -f "$p/bin/other-tool"

# 2. Into a root that does not exist: uninstall removes all it created.
dest="$tmp/new/root"
run "make install into a new DESTDIR" install DESTDIR="$dest"
check "... which now exists" test -d "$dest"
mkdir "$tmp/empty"     # for 3: the directories, without files
(cd "$dest$prefix" && find . -type d) | (cd "$tmp/empty" && xargs mkdir -p)
run "make uninstall from it" uninstall DESTDIR="$dest"
check "the directories install created are gone, DESTDIR too" test ! -e "$dest"
check "... and nothing above it was left" test ! -e "$tmp/new"
check "neither staged install nor uninstall ran ldconfig" test "$(calls)" = 0

# 3. ldconfig after a real install (DESTDIR empty): the install hook, and
# an uninstall from a prefix of empty directories (nothing real touched).
note="is not on the loader's path: add it to a file in /etc/ld.so.conf.d/"
run "make install-exec-hook (DESTDIR empty)" install-exec-hook
if [ $is_root = yes ]; then
  check "it ran ldconfig (root, DESTDIR empty)" test "$(calls)" = 1
  check "... and noted a libdir the loader does not search" grep -q "$note" "$tmp/make.log"
else
  check "it did not run ldconfig (not root: silently skipped)" test "$(calls)" = 0
  check "... and printed nothing about it" sh -c "! grep -q 'ldconfig\|loader' '$tmp/make.log'"
fi
run "make uninstall prefix=EMPTY (DESTDIR empty)" uninstall prefix="$tmp/empty"
check "uninstall ran ldconfig too, as root only" \
  test "$(calls)" = "$([ $is_root = yes ] && echo 2 || echo 0)"
before=$(calls)
run "make install-exec-hook DESTDIR=..." install-exec-hook DESTDIR="$tmp/x"
check "a staged install hook did not run ldconfig" test "$(calls)" = "$before"
finish
