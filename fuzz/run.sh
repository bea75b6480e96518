#!/bin/sh
# run.sh SECONDS — run every fuzz target for SECONDS each over its seed
# corpus (fuzz/corpus/<target>) plus a scratch corpus; any crash fails.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
secs=${1:-60}
status=0
for bin in "$top_builddir"/fuzz/bin/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  seeds="$top_srcdir/fuzz/corpus/$name"
  [ -d "$seeds" ] || seeds=""
  work="$top_builddir/fuzz/work/$name"
  mkdir -p "$work"
  # The manifest reader's seeds are the plugins the test suite builds.
  if [ "$name" = fuzz_manifest ]; then
    for so in "$top_builddir"/tests/plugins/.libs/*.so \
              "$top_builddir"/plugins/.libs/*.so; do
      [ -f "$so" ] && cp "$so" "$work/seed-$(basename "$so")"
    done
  fi
  echo "fuzz: $name for ${secs}s"
  if ! (cd "$top_builddir/fuzz" && "$bin" -max_total_time="$secs" \
          -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
          "$work" $seeds > "$work.log" 2>&1); then
    echo "fuzz: $name FAILED; last lines of $work.log:" >&2
    tail -40 "$work.log" >&2
    status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$work.log" | tail -2
  fi
done
exit $status
