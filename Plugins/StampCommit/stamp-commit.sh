#!/bin/sh
# Writes a Swift file naming the git commit that the package in PACKAGE_DIR is built from (12 hex digits),
# or "unknown commit" when git or the repository is missing.
# The file is rewritten only when its text changes, so an unchanged commit recompiles nothing.
# Usage: stamp-commit.sh PACKAGE_DIR OUTPUT.swift   (run by the StampCommit plugin when HEAD moves)
dir=$1
out=$2
commit=$(git -C "$dir" rev-parse --short=12 HEAD 2>/dev/null) || commit=""
case $commit in
    "" | *[!0-9a-f]*) commit="unknown commit" ;;
esac
text="// Generated at build time by the StampCommit plugin (Plugins/StampCommit); not in git.
enum BuildCommit {
    static let description = \"$commit\"
}"
mkdir -p "${out%/*}" 2>/dev/null
[ "$(cat "$out" 2>/dev/null)" = "$text" ] || printf '%s\n' "$text" > "$out"
