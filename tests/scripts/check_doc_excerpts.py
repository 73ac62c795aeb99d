#!/usr/bin/env python3
"""Check that the code excerpts of the step pages are the current source.

  check_doc_excerpts.py --root SOURCE_DIR

Every ```cpp block in the "The commented program" section of doc/step-N.md
is an excerpt of source/steps/step-N.cc (or of the file its first line names
as "// file: <path>"): its lines, without "// ..." elisions, must occur in
that file in the same order, each as a whole line. A page whose excerpt no
longer matches fails with the first line that was not found.
"""
import argparse
import glob
import os
import re
import sys


def excerpts(page):
    text = open(page).read()
    start = text.find("## The commented program")
    if start < 0:
        return []
    end = text.find("\n## ", start + 1)
    section = text[start:end if end > 0 else len(text)]
    return re.findall(r"```cpp\n(.*?)```", section, re.S)


def check(block, source_lines, name):
    lines = block.rstrip("\n").split("\n")
    position = 0
    for line in lines:
        if line.strip() in ("// ...", "") or line.startswith("// file:"):
            continue
        while position < len(source_lines) and source_lines[position] != line:
            position += 1
        if position == len(source_lines):
            return f"{name}: line not found (in order): {line.strip()!r}"
        position += 1
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    failures, n_blocks = [], 0
    for page in sorted(glob.glob(os.path.join(args.root, "doc", "step-*.md"))):
        step = os.path.basename(page)[:-3]
        for block in excerpts(page):
            n_blocks += 1
            first = block.split("\n", 1)[0]
            path = (first[len("// file:"):].strip() if first.startswith("// file:")
                    else f"source/steps/{step}.cc")
            source = open(os.path.join(args.root, path)).read().split("\n")
            error = check(block, source, f"{step}.md excerpt from {path}")
            if error:
                failures.append(error)
    for failure in failures:
        print("FAILED:", failure)
    print(f"{n_blocks} excerpts, {len(failures)} out of date")
    return 1 if failures or n_blocks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
