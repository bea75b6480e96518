#!/bin/sh
# manpages.sh — the installed manual covers the API: every name exported
# through libruntime.map (every version node) has an installed page of its
# own or a .so link to the family page that documents it, every
# `.BR name (N)` reference in the pages reaches an installed page, `man`
# finds a function by name, the pages render without warnings, and their
# footers agree.
. "$top_srcdir/tests/helpers/tap.sh"

staged_install
mandir=$(dirname "$(dirname "$(find "$dest" -path '*/man3/runtime.3' | head -n 1)")")
check "the manual is installed (man3/runtime.3)" test -d "$mandir/man3"
map="$top_srcdir/libruntime/libruntime.map"

# page_of FILE: the page FILE stands for, following one .so link.
page_of() {
  target=$(sed -n '1s/^\.so  *//p' "$1")
  if [ -n "$target" ]; then echo "$mandir/$target"; else echo "$1"; fi
}
# name_section PAGE: the names in PAGE's NAME section, one a line.
name_section() {
  sed -n '/^\.SH NAME/,/^\.SH /{/^\.SH/d;p;}' "$1" | tr '\n' ' ' |
    sed 's/\\-.*//' | tr ', ' '\n\n' | sed '/^$/d'
}
# documents PAGE NAME: PAGE lists NAME in its NAME section and shows it
# again in its text (the synopsis or a description).
documents() {
  name_section "$1" | grep -qx "$2" &&
    sed '/^\.SH NAME/,/^\.SH /d' "$1" | grep -q "\\b$2\\b"
}

# 1. Every exported name: comments dropped, each "name;" of the map.
# rt__ names are internal (a private node for the project's own
# libraries), not API: they have no page.
names=$(sed 's|/\*.*\*/||' "$map" | grep -o '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*;' |
  tr -d ' ;' | grep -v '^rt__')
check "libruntime.map lists names" test -n "$names"
missing=0
for name in $names; do
  file="$mandir/man3/$name.3"
  if [ ! -f "$file" ]; then
    fail "$name(3): no manual page installed: add $name to the NAME section and SYNOPSIS of its family page in doc/ (e.g. doc/rt_module.3), or write doc/$name.3 and list it in dist_man_MANS"
    missing=$((missing + 1)); continue
  fi
  page=$(page_of "$file")
  if [ ! -f "$page" ]; then
    fail "$name(3): $(head -n 1 "$file") points to no installed page"
  elif documents "$page" "$name"; then
    ok "$name(3) -> $(basename "$page")"
  else
    fail "$name(3): $(basename "$page") does not document $name (NAME section and text)"
  fi
done
[ "$missing" -eq 0 ] || diag "$missing exported names have no manual page"

# 2. Every .BR name (N) reference in the installed pages.  libruntime's own
# must be installed; others (malloc(3), pkg-config(1)) are looked up on the
# system and only reported when absent, since their packages may not be.
pages=$(find "$mandir" -type f -name '*.[0-9]' | while read -r f; do
  [ "$(page_of "$f")" = "$f" ] && echo "$f"; done)
refs=$(for f in $pages; do
  sed -n 's/^\.B[RI]* *\([A-Za-z_][A-Za-z0-9_.+-]*\) (\([0-9]\)).*/\1 \2/p' "$f"
done | LC_ALL=C sort -u)
while read -r name sect; do
  [ -n "$name" ] || continue
  case "$name" in
    rt_*|RT_*|rthost|runtime)
      check "reference $name($sect) resolves to an installed page" \
        test -f "$mandir/man$sect/$name.$sect" ;;
    *)
      command -v man > /dev/null && man -w "$sect" "$name" > /dev/null 2>&1 ||
        diag "reference $name($sect): not installed on this system (not libruntime's)" ;;
  esac
done <<EOT
$refs
EOT

# 3. Footers: source and manual title the same on every page, the source
# naming this major version (the date is each page's own).
major=$(sed -n 's/^Version: *\([0-9]*\)\..*/\1/p' "$pc")
footers=$(for f in $pages; do sed -n '1s/^\.TH [^ ]* [0-9] [^ ]* //p' "$f"; done | sort -u)
check "every page has the same footer (got: $(echo $footers))" \
  test "$(printf '%s\n' "$footers" | wc -l)" = 1
case "$footers" in
  "\"libruntime $major."*"\" \"libruntime Manual\"") ok "the footer names libruntime $major.x" ;;
  *) fail "the footer names libruntime $major.x (got $footers)" ;;
esac

# 4. man itself: finds a function by name, renders every page cleanly.
if command -v man > /dev/null; then
  got=$(man -M "$mandir" -w rt_module_load 2>&1)
  case "$got" in
    "$mandir/man3/rt_module_load.3"|"$mandir/man3/rt_module.3")
      ok "man -M MANDIR -w rt_module_load finds the installed entry ($got)" ;;
    *) fail "man -M MANDIR -w rt_module_load finds the installed entry (got $got)" ;;
  esac
  for f in $pages; do
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 > /dev/null)
    check "$(basename "$f") renders without warnings" test -z "$warn"
    [ -z "$warn" ] || diag "$warn"
  done
  out=$(cd "$mandir" && MANWIDTH=80 man -l man3/rt_module_load.3 2>&1 | grep -c rt_module_load)
  check "the link man3/rt_module_load.3 renders the family page" test "$out" -gt 0
else
  diag "man is not installed: rendering not checked"
fi
finish
