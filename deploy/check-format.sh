#!/usr/bin/env bash
# Fails, naming the files, when a tracked C++ source differs from what
# clang-format makes of it with the root .clang-format. Pinned to Debian 12's
# clang-format-14: another version formats some constructs differently.
# Fix with: git ls-files -z '*.cc' '*.h' | xargs -0 clang-format-14 -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format-14 >/dev/null || { echo "check-format: clang-format-14 is not installed" >&2; exit 2; }
# Listed first, on their own: a failing git (not a checkout, "dubious
# ownership") must fail the check, not make it check nothing.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
git ls-files -z -- '*.cc' '*.h' > "$list"
mapfile -d '' files < "$list"
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: git lists no C++ sources" >&2
  exit 2
fi
bad=()
for f in "${files[@]}"; do
  clang-format-14 --dry-run --Werror -- "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "not formatted (.clang-format, clang-format-14): ${bad[*]}" >&2
  echo "fix: git ls-files -z '*.cc' '*.h' | xargs -0 clang-format-14 -i" >&2
  exit 1
fi
echo "format: all ${#files[@]} C++ sources match .clang-format"
