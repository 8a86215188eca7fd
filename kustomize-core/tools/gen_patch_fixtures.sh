#!/bin/sh
# Regenerates the oracle expectations of the patch fixtures
# (kustomize-core/tests/fixtures/smp-* and json6902-*): runs `kubectl kustomize` (Kustomize
# 5.5.0) on each fixture's input/, writes its output to expected.yaml (or its
# stderr to expected.err when it fails), and converts the case to case.json
# with patch_case_json.py, which the Rust tests read.
# Usage: kustomize-core/tools/gen_patch_fixtures.sh [FIXTURE_DIR...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../tests/fixtures"
[ $# -gt 0 ] || set -- "$fixtures"/smp-* "$fixtures"/json6902-*
for dir in "$@"; do
    rm -f "$dir/expected.yaml" "$dir/expected.err"
    if kubectl kustomize "$dir/input" >"$dir/expected.yaml" 2>"$dir/stderr.tmp"; then
        rm -f "$dir/stderr.tmp"
    else
        rm -f "$dir/expected.yaml"
        # Keep the message, less the timestamped log prefix and warnings.
        grep -v '^# Warning' "$dir/stderr.tmp" | sed 's/^E[0-9]* [0-9:.]* *[0-9]* [a-z_.]*:[0-9]*\] //' >"$dir/expected.err"
        rm -f "$dir/stderr.tmp"
    fi
    python3 "$here/patch_case_json.py" "$dir" >"$dir/case.json"
    echo "$(basename "$dir"): $(ls "$dir" | grep expected)"
done
