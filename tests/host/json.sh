#!/bin/sh
# host_json.sh — rthost --json: each document is valid JSON (checked by
# python3's json module) with the fields the text output has.
. "$top_srcdir/tests/helpers/host_lib.sh"

command -v python3 > /dev/null || skip_all "python3 is needed to read JSON"

# json_check NAME PYTHON-EXPRESSION: the document on stdout parses, and the
# expression over it (as `d`) is true.
json_check() {
  if printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if ('"$2"') else 1)' 2> "$tmp/py"; then
    ok "$1"
  else
    fail "$1"; diag "$(cat "$tmp/py")"; show
  fi
}

run --json list
expect_status "list --json" 0
json_check "list --json: all seven plugins" \
  'sorted(p["name"] for p in d["plugins"]) == ["callback", "counter", "dns", "hello", "mathx", "strings", "wc"]'
json_check "list --json: exports with signatures" \
  '{"name": "add", "signature": "(i32, i32) -> i32", "doc": "sum of two integers (wraps around)"} in [p for p in d["plugins"] if p["name"] == "mathx"][0]["exports"]'
json_check "list --json: abi and ok" 'all(p["ok"] and p["abi"] == "1.0" for p in d["plugins"])'

bad="$tmp/bad"; mkdir "$bad"
printf 'not "ELF"\n' > "$bad/q\"uote.so"
run list --json "$bad"
expect_status "list --json of a broken file" 0
json_check "list --json: the broken file with its reason" \
  'd["plugins"][0]["ok"] is False and d["plugins"][0]["path"].endswith("q\"uote.so") and d["plugins"][0]["error"].startswith("E") and d["plugins"][0]["reason"]'

run info --json mathx
expect_status "info --json" 0
json_check "info --json" 'd["name"] == "mathx" and d["version"] == "1.0.0" and len(d["exports"]) == 6'

run --json check "$plugdir/wc.so" "$bad/q\"uote.so"
expect_status "check --json with one bad file" 3
json_check "check --json: one ok, one refused" \
  '[p["ok"] for p in d["plugins"]] == [True, False] and d["plugins"][0]["name"] == "wc"'
expect_err_match "check --json still prints the error line" "rthost: $bad/q\"uote.so: *"

run --json call mathx add 2 3
expect "call --json" 0 '{"schema":1,"plugin":"mathx","function":"add","signature":"(i32, i32) -> i32","result":5,"output":""}' ""
json_check "call --json: the result is a number" 'd["result"] == 5'
run --json call mathx vadd "{1,2}" "{0.5,-0}"
json_check "call --json: a struct is an array" 'd["result"] == [1.5, 2]'
run --json call mathx hypot inf 1
json_check "call --json: inf is a string" 'd["result"] == "inf"'
run --json call strings concat 'tab	and "quotes"' '\'
json_check "call --json: strings are escaped" 'd["result"] == "tab\tand \"quotes\"\\"'
run --json call strings reverse "$(printf 'ab\001')"
json_check "call --json: control characters are escaped" 'd["result"] == "\x01ba"'
run --json call counter reset
json_check "call --json: void is null" 'd["result"] is None'
run --json call callback apply @square 3
json_check "call --json: callback" 'd["result"] == 9'

run_in 'call mathx.add 1 2
call strings.upper x' --json shell
expect_status "shell --json" 0
first=$(printf '%s\n' "$out" | head -n 1); second=$(printf '%s\n' "$out" | tail -n 1)
out=$first; json_check "shell --json: one document per line (1)" 'd["result"] == 3'
out=$second; json_check "shell --json: one document per line (2)" 'd["result"] == "X"'
finish
