#!/usr/bin/env python3
"""The clang-tidy gate for one source, skipped when nothing it reads has changed.

clang-tidy's verdict on a source is a function of what it reads: the source and every header
it includes, as they are on disk (comments, NOLINT and macros included), the compile flags, the
checks, every .clang-tidy from the source's directory up to the root, and clang-tidy itself.
This hashes all of them into a key; the preprocessor (-M) names the headers, as ccache's direct
mode does. tests/lint/tidy-clean.txt records the key of every source that passed (`deploy/local
lint` writes it); a source whose key is recorded there passed on exactly this input and is not
checked again. Any change to the source, a header it includes, the flags,
the configuration or the tool gives a new key, and clang-tidy runs. A miss costs one
preprocessor run more than before; a hit costs only that run (about a twentieth of clang-tidy's).
Issue 14: clang-tidy ran over every source on every test run, 526 CPU-s of a 2-core command.

Usage: tidy_gate.py CLANG_TIDY CHECKS BUILD_DIR ROOT SOURCE RECORD OUT_DIR
Exit status: clang-tidy's, or 0 for a recorded source. Each run leaves OUT_DIR/<source>.key
("KEY PATH checked|recorded") for the record and the run's summary.
"""

import hashlib
import json
import os
import shlex
import subprocess
import sys


def compile_args(build_dir, source):
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        for entry in json.load(f):
            if os.path.realpath(entry["file"]) == os.path.realpath(source):
                args = entry.get("arguments") or shlex.split(entry["command"])
                return entry["directory"], args
    sys.exit(f"tidy_gate: {source} is not in {build_dir}/compile_commands.json")


def without_output(args):
    """The compile command minus its outputs (object and dependency files), for the preprocessor.

    What remains is the same from one generator to another (Make, Ninja)."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif arg not in ("-c", "-MD", "-MMD"):
            out.append(arg)
    return out


def configs_of(root, source):
    """Every .clang-tidy that clang-tidy may read for `source`: its directory's and each parent's
    up to the root (a nearer one takes over from a farther one)."""
    top = os.path.realpath(root)
    at = os.path.dirname(os.path.realpath(source))
    found = []
    while True:
        candidate = os.path.join(at, ".clang-tidy")
        if os.path.isfile(candidate):
            found.append(candidate)
        if at == top or os.path.dirname(at) == at:
            return found
        at = os.path.dirname(at)


def key_of(clang_tidy, checks, build_dir, root, source):
    directory, args = compile_args(build_dir, source)
    args = without_output(args)
    deps = subprocess.run(args + ["-M", "-MT", "x"], cwd=directory, capture_output=True,
                          check=False)
    if deps.returncode != 0:
        return None  # the checker will say why
    # "x: a.cpp b.h \\\n c.h": every file the translation unit reads, in include order.
    files = deps.stdout.decode().replace("\\\n", " ").split()[1:]
    version = subprocess.run([clang_tidy, "--version"], capture_output=True, check=True).stdout

    # The clone's and the build's own paths are not part of the input: the same commit checked
    # out elsewhere (a CI clone) must give the same key.
    def portable(data):
        return data.replace(os.path.realpath(build_dir).encode(), b"@BUILD@").replace(
            os.path.realpath(root).encode(), b"@ROOT@")

    parts = [version, checks.encode(), portable(" ".join(args[1:]).encode())]
    for path in configs_of(root, source) + [os.path.join(directory, name) for name in files]:
        with open(path, "rb") as f:
            parts += [portable(os.path.realpath(path).encode()), f.read()]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def recorded_keys(record):
    try:
        with open(record, encoding="utf-8") as f:
            return {line.split()[0] for line in f if line.strip() and not line.startswith("#")}
    except FileNotFoundError:
        return set()


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    clang_tidy, checks, build_dir, root, source, record, out_dir = sys.argv[1:]
    relative = os.path.relpath(os.path.realpath(source), os.path.realpath(root))
    key = key_of(clang_tidy, checks, build_dir, root, source)
    if key is not None and key in recorded_keys(record):
        status, how = 0, "recorded"
    else:
        status = subprocess.run([clang_tidy, "--quiet", f"--checks={checks}", "-p", build_dir,
                                 source], check=False).returncode
        how = "checked"
    os.makedirs(out_dir, exist_ok=True)
    stamp = os.path.join(out_dir, relative.replace("/", "__") + ".key")
    if status == 0 and key is not None:
        with open(stamp, "w", encoding="utf-8") as f:
            f.write(f"{key} {relative} {how}\n")
    elif os.path.exists(stamp):
        os.remove(stamp)
    return status


if __name__ == "__main__":
    sys.exit(main())
