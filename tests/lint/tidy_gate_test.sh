#!/usr/bin/env bash
# tidy_gate.py skips clang-tidy only for input it has seen pass: a recorded source is not
# checked again, even from another clone; a change to the source, to a header it includes, to
# a comment or to the .clang-tidy files it reads is; and a source with a gating finding fails.
# Usage: tidy_gate_test.sh PYTHON TIDY_GATE_PY CLANG_TIDY CHECKS
set -euo pipefail
python=$1 gate=$2 clang_tidy=$3 checks=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

make_clone() {   # $1: root; a project of one source and one header, with compile commands
  mkdir -p "$1/src" "$1/build"
  printf 'Checks: "-*"\nWarningsAsErrors: "bugprone-*"\n' >"$1/.clang-tidy"
  printf '#pragma once\ninline int twice(int x) { return 2 * x; }\n' >"$1/src/a.h"
  printf '#include "src/a.h"\nint four() { return twice(2); }\n' >"$1/src/a.cpp"
  cat >"$1/build/compile_commands.json" <<EOF
[{"directory": "$1/build", "file": "$1/src/a.cpp",
  "command": "clang++ -I$1 -std=c++20 -o a.o -c $1/src/a.cpp"}]
EOF
}

# A clang-tidy that says its version like the real one and fails if asked to check anything.
fake="$work/fake-clang-tidy"
cat >"$fake" <<EOF
#!/bin/sh
[ "\$1" = --version ] && exec "$clang_tidy" --version
touch "$work/fake-was-called"; exit 1
EOF
chmod +x "$fake"

gate() {   # $1: clang-tidy, $2: root; exit status of the gate
  "$python" "$gate" "$1" "$checks" "$2/build" "$2" "$2/src/a.cpp" "$work/record.txt" "$2/keys"
}

make_clone "$work/one"
: >"$work/record.txt"
gate "$clang_tidy" "$work/one" || fail "a clean source failed the real clang-tidy"
grep -q " src/a.cpp checked$" "$work/one/keys/src__a.cpp.key" || fail "no key for a checked source"
cut -d' ' -f1,2 "$work/one/keys/src__a.cpp.key" >"$work/record.txt"

gate "$fake" "$work/one" || fail "a recorded source was checked again"
[ ! -e "$work/fake-was-called" ] || fail "clang-tidy ran for a recorded source"
grep -q " recorded$" "$work/one/keys/src__a.cpp.key" || fail "a recorded source is not said so"

make_clone "$work/two"   # the same commit in another clone (CI's)
gate "$fake" "$work/two" || fail "the same source in another clone was not recognised"

printf '// NOLINT moved\n' >>"$work/two/src/a.cpp"
if gate "$fake" "$work/two"; then fail "a changed comment was not checked again"; fi
[ -e "$work/fake-was-called" ] || fail "clang-tidy did not run for a changed source"
rm "$work/fake-was-called"

make_clone "$work/three"
printf '#pragma once\ninline int twice(int x) { return x + x; }\n' >"$work/three/src/a.h"
if gate "$fake" "$work/three"; then fail "a changed header was not checked again"; fi
[ -e "$work/fake-was-called" ] || fail "clang-tidy did not run for a changed header"

rm "$work/fake-was-called"
make_clone "$work/four"   # a nearer .clang-tidy, which clang-tidy would read instead
printf 'Checks: "bugprone-*"\n' >"$work/four/src/.clang-tidy"
if gate "$fake" "$work/four"; then fail "a new .clang-tidy beside the source was not checked"; fi
[ -e "$work/fake-was-called" ] || fail "clang-tidy did not run for a new .clang-tidy"

# A gating finding fails with the real clang-tidy (bugprone-integer-division).
printf 'double half(int a) { return a / 2; }\nint four() { return 4; }\n' >"$work/three/src/a.cpp"
: >"$work/three/src/a.h"
if gate "$clang_tidy" "$work/three" >"$work/finding.log" 2>&1; then
  cat "$work/finding.log"; fail "a bugprone finding passed the gate"
fi
grep -q "bugprone-integer-division" "$work/finding.log" || fail "the finding is not named"
[ ! -e "$work/three/keys/src__a.cpp.key" ] || fail "a failing source left a key to record"
echo "tidy_gate: recorded sources skipped, changes and findings checked"
