#!/bin/sh
# json_all.sh — with --json, stdout is exactly one JSON document per
# command whatever happens: successes, every kind of failure, a plugin
# that prints during its call, a crash under --isolate, and the shell's
# load, stats and help.  Every run below is checked by host_lib.sh's
# validator (each line a document with "schema": 1, errors with code,
# name and message); the fields are checked here.
. "$top_srcdir/tests/helpers/host_lib.sh"

command -v python3 > /dev/null || skip_all "python3 is needed to read JSON"
tp=$testplugdir

# doc NAME PYTHON-EXPRESSION: stdout is one document D for which the
# expression holds.
doc() {
  if printf '%s\n' "$out" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, "%d lines" % len(lines)
d = json.loads(lines[0])
sys.exit(0 if ('"$2"') else 1)' 2> "$tmp/py"; then ok "$1"
  else fail "$1"; diag "$(cat "$tmp/py")"; show; fi
}

run --json
expect_status "--json without a command" 2
doc "no command: an error document" 'd["error"] == "rthost" and d["code"] == 2 and d["name"] == "usage"'
run --json frob
doc "unknown command" 'd["code"] == 2 and d["error"] == "frob"'
run --json --frob list
doc "unknown option" 'd["code"] == 2 and d["error"] == "--frob"'
run --json --version
doc "--version" 'd["version"] and d["abi"] == "1.0"'
run --json call nosuch f
doc "plugin not found" 'd["code"] == 3 and d["name"] == "ENOTFOUND" and "nosuch" in d["message"]'
expect_err_match "plugin not found: the stderr line too" "rthost: nosuch: *"
run --json call mathx nope
doc "function not found" 'd["code"] == 4 and d["name"] == "ENOTFOUND"'
run --json call mathx add 1
doc "argument count" 'd["code"] == 2 and d["name"] == "usage"'
run --json call mathx add x 1
doc "argument text" 'd["code"] == 2'
run --json call mathx add 1 2 3
doc "too many arguments" 'd["code"] == 2'
run --json call wc count /nonexistent
doc "the call failed" 'd["code"] == 4 and d["error"] == "wc" and d["message"]'
run --json call hello greet you
doc "plugin output is captured, not on stdout" \
  'd["result"] is None or True and d["output"] == "Hello, you! (printed by the hello plugin)\n"'
run --json call callback apply @trace 5
doc "host callback output captured too" 'd["result"] == 5 and "trace(5)" in d["output"]'
run --json --plugin-path "$tp" --isolate call crash segv
doc "crash under --isolate" 'd["code"] == 4 and d["message"] == "crashed (SIGSEGV)"'
run --json info nosuch
doc "info of an unknown plugin" 'd["code"] == 3'
run --json info
doc "info without a plugin" 'd["code"] == 2'
run --json list "$tmp/missing"
doc "list of a missing directory" 'd["plugins"] == [] and d["schema"] == 1'
run --json check
doc "check without files" 'd["code"] == 2'
run --json --plugin-path "$tp" --timeout 1 check "$tp/ctor_hang.so"
doc "check of a hanging constructor" \
  'd["plugins"][0]["ok"] is False and "timed out after 1 s" in d["plugins"][0]["reason"]'
run --json help
doc "help" '"call" in d["commands"]'

# The shell: one line per command, whatever the command.
run_in 'load mathx
call mathx.add 1 2
call mathx.add 1
call nosuch.f
stats
help
list
info mathx
check '"$plugdir/mathx.so"'
call "unterminated
frob
call hello.greet x' --json shell
expect_status "--json shell" 3
check "--json shell: one line per command (12)" test "$(printf '%s\n' "$out" | wc -l)" -eq 12
printf '%s\n' "$out" > "$tmp/lines"
python3 - "$tmp/lines" << 'PY' && ok "--json shell: each document is the command's" || fail "--json shell: each document is the command's"
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert d[0]["loaded"][0]["name"] == "mathx", d[0]
assert d[1]["result"] == 3, d[1]
assert d[2]["code"] == 2, d[2]
assert d[3]["code"] == 3 and d[3]["name"] == "ENOTFOUND", d[3]
assert d[4]["heap"]["allocations"] > 0 and d[4]["plugins"] == ["mathx"], d[4]
assert "call" in d[5]["commands"], d[5]
assert any(p["name"] == "mathx" for p in d[6]["plugins"]), d[6]
assert d[7]["name"] == "mathx" and d[7]["path"].startswith("/"), d[7]
assert d[8]["plugins"][0]["ok"] is True, d[8]
assert d[9]["code"] == 2 and "unterminated" in d[9]["message"], d[9]
assert d[10]["code"] == 2 and d[10]["error"] == "frob", d[10]
assert d[11]["output"].startswith("Hello, x!"), d[11]
PY
finish
