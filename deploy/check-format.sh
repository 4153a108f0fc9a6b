#!/usr/bin/env bash
# Fails, naming the files, when a tracked C++ source differs from what
# clang-format makes of it with the root .clang-format. Pinned to Debian 12's
# clang-format-14: another version formats some constructs differently.
# Fix with: git ls-files '*.cc' '*.h' | xargs clang-format-14 -i
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r -d '' f; do
  clang-format-14 --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files -z '*.cc' '*.h')
if [ ${#bad[@]} -gt 0 ]; then
  echo "not formatted (.clang-format, clang-format-14): ${bad[*]}" >&2
  echo "fix: git ls-files '*.cc' '*.h' | xargs clang-format-14 -i" >&2
  exit 1
fi
echo "format: every C++ source matches .clang-format"
