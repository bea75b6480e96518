#!/bin/sh
# completion.sh — host/rthost.bash-completion: commands, options, plugin
# names, PLUGIN.FUNCTION and FUNCTION, the names read from the manifests
# (rthost list --names), in a bash that has sourced the file.
. "$top_srcdir/tests/helpers/host_lib.sh"

command -v bash > /dev/null || skip_all "bash is needed"
comp="$top_srcdir/host/rthost.bash-completion"

# complete WORD...: the candidates for the last WORD of `rthost WORD...`,
# sorted, one a line.
complete() {
  bash -c '. "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _rthost; printf "%s\n" "${COMPREPLY[@]}" | sort' \
    complete "$comp" "$rthost" "$@"
}

# Installed where bash-completion says (pkg-config), relative to this
# install's datadir, so that a --prefix install stays under its prefix.
want=$(pkg-config --define-variable=prefix='${prefix}' \
  --define-variable=datadir='${datadir}' --variable=completionsdir \
  bash-completion 2>/dev/null)
have=$(sed -n 's/^BASH_COMPLETION_DIR = //p' "$top_builddir/Makefile")
check "installed under datadir, where bash-completion looks ($have)" \
  test "$have" = "${want:-\${datadir\}/bash-completion/completions}"

run list --names
expect_status "list --names" 0
expect_out_match "list --names: plugin names" "*
mathx
mathx.add
mathx.mul*"
case $out in *" "*) fail "list --names: names only"; show ;; *) ok "list --names: names only" ;; esac

run --json list --names
expect_status "list --names --json: the JSON document" 0
run_in 'list --names
list' shell
expect_status "list --names in the shell" 0
check "list --names is for one command only" \
  test "$(printf '%s\n' "$out" | grep -c '^mathx 1.0.0 (ABI')" -eq 1

got=$(complete "")
check "commands" test "$got" = "call
check
help
info
list
shell"
got=$(complete "--j")
check "options" test "$got" = "--json"
got=$(complete --plugin-path "$plugdir" call "ma")
check "call: plugin names" test "$got" = "mathx
mathx.add
mathx.dot
mathx.fib
mathx.hypot
mathx.mul
mathx.vadd"
got=$(complete --plugin-path "$plugdir" call "mathx.h")
check "call: PLUGIN.FUNCTION" test "$got" = "mathx.hypot"
got=$(complete --plugin-path "$plugdir" call strings "")
check "call PLUGIN: its functions" test "$(printf '%s\n' "$got" | head -n 1)" = "concat"
check "call PLUGIN: only its functions" test "$(printf '%s\n' "$got" | grep -c '\.')" -eq 0
got=$(complete --plugin-path "$plugdir" info "he")
check "info: plugin names only" test "$got" = "hello"
got=$(complete --plugin-path "$plugdir" --json info "")
check "options before the command are skipped" \
  test "$(printf '%s\n' "$got" | grep -c .)" -eq 7
finish
