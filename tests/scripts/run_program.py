#!/usr/bin/env python3
"""Program tests: run a step program on a prm file and check what it did.

  run_program.py --program BIN --prm FILE --ranks N --workdir DIR --metrics REF
      runs `mpirun -np N BIN FILE` in DIR and compares summary.json's metrics
      with REF: one line per metric, "name value [relative tolerance]".

  run_program.py --program BIN --prm FILE --workdir DIR --bad-input CASES
      for every case in CASES (blocks "### name", "### expect: REGEX", then
      prm lines appended to FILE) checks that the program stops with a
      non-zero exit code, no signal, a message matching REGEX on stderr, and
      no output directory.

  run_program.py --program BIN --prm FILE --ranks N --workdir DIR --repeat
      runs the program twice (in DIR/run-1 and DIR/run-2) and checks that
      every metric of summary.json except the timings is bit for bit the
      same in both runs (determinism: same prm + seed -> same numbers).

Prints one line per check and "N passed, N failed" at the end.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys


def run(program, prm, ranks, workdir, timeout=600):
    command = ["mpirun", "-np", str(ranks), program, prm] if ranks > 0 else [program, prm]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)


def output_directory(prm_text):
    directory = "output"
    for line in prm_text.splitlines():
        m = re.match(r"\s*set\s+Output directory\s*=\s*(.*?)\s*(#.*)?$", line)
        if m:
            directory = m.group(1)
    return directory


def fresh(workdir):
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)


def check_metrics(args):
    fresh(args.workdir)
    prm = os.path.abspath(args.prm)
    result = run(args.program, prm, args.ranks, args.workdir)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        sys.stdout.write(result.stderr)
        print(f"FAILED: exit code {result.returncode}")
        return 1, 0
    with open(prm) as f:
        summary_file = os.path.join(args.workdir, output_directory(f.read()), "summary.json")
    with open(summary_file) as f:
        summary = json.load(f)
    for key in ("program", "version", "mpi_ranks", "threads", "parameters", "metrics", "timings"):
        if key not in summary:
            print(f"FAILED: summary.json has no '{key}'")
            return 1, 0
    passed = failed = 0
    with open(args.metrics) as f:
        for line in f:
            fields = line.split("#")[0].split()
            if not fields:
                continue
            name, expected = fields[0], float(fields[1])
            tolerance = float(fields[2]) if len(fields) > 2 else 1e-6
            value = summary["metrics"].get(name)
            ok = value is not None and math.isfinite(value) and \
                abs(value - expected) <= tolerance * max(abs(expected), 1e-300)
            print(f"{'ok' if ok else 'FAILED'}: {name} = {value}, expected {expected} "
                  f"(relative tolerance {tolerance})")
            passed, failed = passed + ok, failed + (not ok)
    return failed, passed


def is_timing(name):
    return "seconds" in name or "per_second" in name


def check_repeat(args):
    prm = os.path.abspath(args.prm)
    with open(prm) as f:
        output = output_directory(f.read())
    metrics = []
    for i in (1, 2):
        workdir = os.path.join(args.workdir, f"run-{i}")
        fresh(workdir)
        result = run(args.program, prm, args.ranks, workdir)
        if result.returncode != 0:
            sys.stdout.write(result.stderr)
            print(f"FAILED: run {i}: exit code {result.returncode}")
            return 1, 0
        with open(os.path.join(workdir, output, "summary.json")) as f:
            metrics.append(json.load(f)["metrics"])
    passed = failed = 0
    for name in sorted(set(metrics[0]) | set(metrics[1])):
        if is_timing(name):
            continue
        first, second = metrics[0].get(name), metrics[1].get(name)
        # Bit for bit: equal values (NaN only equals NaN).
        ok = first is not None and second is not None and (
            first == second or (first != first and second != second))
        print(f"{'ok' if ok else 'FAILED'}: {name}: {first!r} and {second!r}")
        passed, failed = passed + ok, failed + (not ok)
    if passed == 0:
        print("FAILED: no metric to compare")
        failed += 1
    return failed, passed


def check_bad_input(args):
    with open(args.prm) as f:
        base = f.read()
    cases, name = [], None
    with open(args.bad_input) as f:
        for line in f:
            if line.startswith("### expect:"):
                cases[-1][1] = line[len("### expect:"):].strip()
            elif line.startswith("###"):
                cases.append([line[3:].strip(), "", ""])
            elif cases:
                cases[-1][2] += line
    passed = failed = 0
    for name, expect, text in cases:
        workdir = os.path.join(args.workdir, name)
        fresh(workdir)
        prm = os.path.join(workdir, "case.prm")
        with open(prm, "w") as f:
            f.write(base + "\n" + text.replace("@WORKDIR@", workdir))
        result = run(args.program, prm, args.ranks, workdir, timeout=120)
        problems = []
        if result.returncode == 0:
            problems.append("exit code 0")
        if result.returncode < 0 or "signal" in result.stderr.lower():
            problems.append(f"killed by a signal ({result.returncode})")
        if "terminate called" in result.stderr or "Stacktrace" in result.stderr:
            problems.append("uncaught exception")
        if not re.search(expect, result.stderr):
            problems.append(f"stderr does not match '{expect}'")
        leftovers = [e for e in os.listdir(workdir) if e != "case.prm"]
        if leftovers:
            problems.append(f"wrote {leftovers}")
        message = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
        if problems:
            failed += 1
            print(f"FAILED: {name}: {'; '.join(problems)}\n  stderr: {result.stderr.strip()}")
        else:
            passed += 1
            print(f"ok: {name}: {message}")
    return failed, passed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", required=True)
    parser.add_argument("--prm", required=True)
    parser.add_argument("--ranks", type=int, default=0)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--metrics")
    parser.add_argument("--bad-input")
    parser.add_argument("--repeat", action="store_true")
    args = parser.parse_args()
    if args.repeat:
        failed, passed = check_repeat(args)
    elif args.bad_input:
        failed, passed = check_bad_input(args)
    else:
        failed, passed = check_metrics(args)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
