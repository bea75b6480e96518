#!/bin/sh
# demo.sh BUILD_DIR — the scripted demo run by `./quickstart demo`.
set -e
build=${1:?usage: demo.sh BUILD_DIR}
rthost="$build/host/rthost"
echo "\$ rthost --version"
"$rthost" --version
echo "\$ rthost --help"
"$rthost" --help
