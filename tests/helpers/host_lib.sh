# host_lib.sh — shared by the rthost end-to-end tests (tests/host*.sh).
# Source it after nothing else: it sources tap.sh.
#
#   run ARG...          rthost ARG... with the bundled plugins, stdin empty
#   run_in TEXT ARG...  the same with TEXT on stdin
# set $out, $err (whole stdout and stderr, trailing newlines dropped) and
# $status; the expect_* helpers then assert on them.  Every run with
# --json also asserts that stdout is JSON: each line one document with
# "schema": 1 (and an "error" member if the run failed).
. "$top_srcdir/tests/helpers/tap.sh"

# Files the tests make must pass the loader's trust checks.
umask 022
rthost="$top_builddir/host/rthost"
plugdir="$top_builddir/plugins"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

[ -x "$rthost" ] || skip_all "rthost not built"
[ -f "$plugdir/mathx.so" ] || skip_all "plugins not built"

# The plugins that misbehave on purpose (tests/plugins/crash.c, ctor.c).
testplugdir="$top_builddir/tests/plugins/host"

# json_lines FILE: every line of FILE is one JSON document with
# "schema": 1; prints what is wrong, if anything.
json_lines() {
  python3 - "$1" << 'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8", errors="strict").read().split("\n")
if lines[-1] == "":
    lines.pop()
if not lines:
    sys.exit("no document at all")
for n, line in enumerate(lines, 1):
    try:
        d = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %r" % (n, e, line[:200]))
    if not isinstance(d, dict) or d.get("schema") != 1:
        sys.exit("line %d has no \"schema\": 1: %r" % (n, line[:200]))
    if "error" in d and not all(k in d for k in ("code", "name", "message")):
        sys.exit("line %d: error without code, name, message" % n)
PY
}

# After a run: with --json among the arguments, stdout must be JSON.
json_runs=0
check_json_run() {
  for a in "$@"; do
    [ "$a" = -- ] && return
    [ "$a" = --json ] || continue
    command -v python3 > /dev/null || return
    json_runs=$((json_runs + 1))
    if why=$(json_lines "$tmp/out" 2>&1); then
      ok "--json run $json_runs ($*): stdout is JSON documents"
    else
      fail "--json run $json_runs ($*): stdout is JSON documents"; diag "$why"
    fi
    return
  done
}

run() {
  "$rthost" --plugin-path "$plugdir" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  status=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  check_json_run "$@"
}

run_in() {
  input=$1; shift
  printf '%s\n' "$input" |
    "$rthost" --plugin-path "$plugdir" "$@" > "$tmp/out" 2> "$tmp/err"
  status=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  check_json_run "$@"
}

# show: the last run, in the test log, when an assertion fails.
show() {
  diag "status: $status" "stdout:" "$out" "stderr:" "$err"
}

expect_status() { # NAME STATUS
  if [ "$status" -eq "$2" ]; then ok "$1: exit $2"; else
    fail "$1: exit $2 (got $status)"; show; fi
}

expect_out() { # NAME TEXT: stdout is exactly TEXT
  if [ "$out" = "$2" ]; then ok "$1: stdout"; else
    fail "$1: stdout is '$2'"; show; fi
}

expect_out_match() { # NAME PATTERN: stdout matches the shell PATTERN
  case "$out" in $2) ok "$1: stdout" ;; *) fail "$1: stdout ~ '$2'"; show ;; esac
}

expect_err() { # NAME TEXT: stderr is exactly TEXT ('' for nothing)
  if [ "$err" = "$2" ]; then ok "$1: stderr"; else
    fail "$1: stderr is '$2'"; show; fi
}

expect_err_match() { # NAME PATTERN: stderr is one line matching PATTERN
  lines=$(printf '%s\n' "$err" | wc -l)
  case "$err" in
    $2) if [ "$lines" -eq 1 ]; then ok "$1: stderr"; else
          fail "$1: stderr is one line (got $lines)"; show; fi ;;
    *) fail "$1: stderr ~ '$2'"; show ;;
  esac
}

# expect NAME STATUS STDOUT STDERR-PATTERN: the whole outcome of a run.
expect() {
  expect_status "$1" "$2"
  expect_out "$1" "$3"
  if [ -z "$4" ]; then expect_err "$1" ""; else expect_err_match "$1" "$4"; fi
}
