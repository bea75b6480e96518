#!/bin/sh
# manlinks.sh PAGE... — the manual's link table: for every name in a page's
# NAME section other than the page's own, one line "NAME SECTION PAGE",
# e.g. "rt_module_load 3 rt_module".  `make install` writes each as a .so
# link (man3/rt_module_load.3 -> man3/rt_module.3), `make uninstall`
# removes them, and tests/build/manpages.sh checks them.
for page in "$@"; do
  base=$(basename "$page")
  sect=${base##*.}
  own=${base%.*}
  sed -n '/^\.SH NAME/,/^\.SH /{/^\.SH/d;p;}' "$page" | tr '\n' ' ' |
    sed 's/\\-.*//' | tr ', ' '\n\n' | sed '/^$/d' |
    while read -r name; do
      [ "$name" = "$own" ] || echo "$name $sect $own"
    done
done
