#!/bin/sh
# Writes a Swift file holding every file under PROMPTS_DIR (its path inside the folder and its bytes in base64),
# in path order, so that the files ship inside the binary. Rewritten only when its text changes, so a folder that
# was touched but not changed recompiles nothing. Needs a POSIX shell, find, sort and base64 (coreutils).
# Usage: embed-prompts.sh PROMPTS_DIR OUTPUT.swift   (run by the EmbedPrompts plugin when prompts/ changes)
set -eu
export LC_ALL=C   # glob order is byte order, whatever the builder's locale
dir=$1
out=$2
text="// Generated at build time by the EmbedPrompts plugin (Plugins/EmbedPrompts) from prompts/; not in git.
extension ShippedPrompts {
    static let encoded: [(path: String, base64: String)] = ["
# Every regular file at any depth (task workspaces nest), hidden files and Python caches left out.
entries=$(find "$dir" -type f ! -name '.*' ! -path '*/__pycache__/*' | sort | while IFS= read -r f; do
    path=${f#"$dir"/}
    case $path in
        *\"* | *\\*) echo "embed-prompts.sh: $f has a quote or backslash in its name" >&2; exit 1 ;;
    esac
    printf '\n        ("%s", "%s"),' "$path" "$(base64 -w0 < "$f")"
done)
text="$text$entries"
text="$text
    ]
}"
mkdir -p "${out%/*}"
[ "$(cat "$out" 2>/dev/null)" = "$text" ] || printf '%s\n' "$text" > "$out"
