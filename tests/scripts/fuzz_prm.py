#!/usr/bin/env python3
"""Fuzz a step program's parameter handling.

  fuzz_prm.py --program BIN --workdir DIR [--mutants 200] [--runs 10]
              [--seed 1] [--time-limit 20] [--jobs 2]

Takes the program's documented defaults (--print-parameters) and makes
mutated copies: entries deleted, duplicated, misspelled, values replaced by
wrong types, negatives, zero, huge numbers, NaN, empty strings, paths that do
not exist, subsections unbalanced, junk lines. Each copy is checked with
--validate (in batches of --batch files per process; a batch that crashes
is re-checked file by file); up to --runs of the copies that validate are also run for real.
Every run must end normally or with a clear "error:" message and a non-zero
exit code: no signal, no hang, no uncaught exception, and no output written
when it fails. Prints one line per failure, a summary by outcome, and
"N passed, N failed".
"""
import argparse
import collections
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys

BAD_VALUES = ["abc", "-1", "0", "-0.5", "1e308", "99999999999", "nan", "inf", "",
              "/does/not/exist.txt", "x" * 5000, "1, 2, 3", "true", "2 +", "$%&"]


def mutate(lines, rng):
    lines = list(lines)
    sets = [i for i, l in enumerate(lines) if l.strip().startswith("set ")]
    kind = rng.choice(["delete", "duplicate", "misspell", "value", "value", "value",
                       "unbalance", "junk"])
    i = rng.choice(sets)
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "misspell":
        name, value = lines[i].split("=", 1)
        chars = list(name.rstrip())
        k = rng.randrange(len("  set "), len(chars))
        chars[k] = rng.choice("abcdefghijklmnopqrstuvwxyz_ ")
        lines[i] = "".join(chars) + " =" + value
    elif kind == "value":
        name = lines[i].split("=", 1)[0]
        lines[i] = name + "= " + rng.choice(BAD_VALUES)
    elif kind == "unbalance":
        ends = [j for j, l in enumerate(lines) if l.strip() == "end"]
        if ends and rng.random() < 0.5:
            del lines[rng.choice(ends)]
        else:
            lines.insert(rng.randrange(len(lines)), rng.choice(["end", "subsection Mesh"]))
    else:
        lines.insert(rng.randrange(len(lines)), rng.choice(
            ["set", "= 3", "subsection", "include /does/not/exist.prm", "\x00\x01", "set = ="]))
    return kind, lines


def classify(result, workdir):
    """'ok', 'error', or a description of what went wrong."""
    err = result.stderr
    if result.returncode < 0:
        return f"signal {-result.returncode}"
    if "terminate called" in err or "Stacktrace" in err or "Segmentation" in err:
        return "uncaught exception or crash"
    if result.returncode == 0:
        return "ok"
    if "error:" not in err:
        return f"exit {result.returncode} without an error message"
    return classify_leftovers(workdir) if workdir else "error"


def classify_leftovers(workdir):
    leftovers = [e for e in os.listdir(workdir) if e != "case.prm"]
    if leftovers:
        return f"failed but wrote {leftovers}"
    return "error"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--mutants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20,
                        help="files per --validate process")
    args = parser.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    defaults = subprocess.run([args.program, "--print-parameters"], capture_output=True,
                              text=True, check=True).stdout
    # Real runs must not write next to the sources: outputs go to each case's
    # own folder, and fields are not written.
    defaults = re.sub(r"set Output directory\s*=.*", "set Output directory = output", defaults)
    defaults = re.sub(r"set Write vtu\s*=.*", "set Write vtu = false", defaults)
    base = defaults.splitlines()

    rng = random.Random(args.seed)
    cases = [mutate(base, rng) for _ in range(args.mutants)]

    case_files = []
    for n, (kind, lines) in enumerate(cases):
        os.makedirs(os.path.join(args.workdir, f"case-{n:04d}"))
        case_files.append(os.path.join(f"case-{n:04d}", "case.prm"))
        with open(os.path.join(args.workdir, case_files[-1]), "w") as f:
            f.write("\n".join(lines) + "\n")

    def validate_batch(batch):
        """--validate on several files in one process (one start-up); None
        where the batch cannot tell, e.g. when the process crashed."""
        try:
            result = subprocess.run([args.program, "--validate"] + [case_files[n] for n in batch],
                                    cwd=args.workdir, capture_output=True, text=True,
                                    timeout=args.time_limit * len(batch), errors="replace")
        except subprocess.TimeoutExpired:
            return {}
        if classify(result, None) not in ("ok", "error"):
            return {}
        verdicts = {}
        for n in batch:
            valid = f"'{case_files[n]}' is valid." in result.stdout
            failed = f"error: in parameter file '{case_files[n]}'" in result.stderr or \
                f"error: cannot open the parameter file '{case_files[n]}'" in result.stderr
            if valid != failed:
                verdicts[n] = "ok" if valid else "error"
        return verdicts

    def check(n, batch_verdict):
        kind, lines = cases[n]
        workdir = os.path.join(args.workdir, f"case-{n:04d}")
        modes = ["--validate"]
        try:
            verdict = batch_verdict
            if verdict is None:
                result = subprocess.run([args.program, "--validate", "case.prm"], cwd=workdir,
                                        capture_output=True, text=True,
                                        timeout=args.time_limit, errors="replace")
                verdict = classify(result, workdir)
            elif verdict == "error":
                verdict = classify_leftovers(workdir)
            # The first --runs valid cases (in case order) also run for real.
            if verdict == "ok" and n in real_runs:
                modes.append("run")
                result = subprocess.run([args.program, "case.prm"], cwd=workdir,
                                        capture_output=True, text=True,
                                        timeout=args.time_limit, errors="replace")
                verdict = classify(result, workdir)
        except subprocess.TimeoutExpired:
            verdict = "hang" if modes == ["--validate"] else "valid input, still running at the time limit"
        good = verdict in ("ok", "error", "valid input, still running at the time limit")
        if good:
            shutil.rmtree(workdir)
        return n, kind, modes, verdict, good

    # Which cases run for real is decided up front, so the outcome does not
    # depend on the order in which parallel jobs finish.
    real_runs = set()
    for n, (kind, lines) in enumerate(cases):
        if len(real_runs) < args.runs and kind in ("duplicate", "delete"):
            real_runs.add(n)

    batches = [list(range(k, min(k + args.batch, args.mutants)))
               for k in range(0, args.mutants, args.batch)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        batch_verdicts = {}
        for verdicts in pool.map(validate_batch, batches):
            batch_verdicts.update(verdicts)
        stray = sorted(set(os.listdir(args.workdir)) - {os.path.dirname(f) for f in case_files})
        if stray:
            print(f"FAILED: --validate wrote {stray}")
            return 1
        results = list(pool.map(lambda n: check(n, batch_verdicts.get(n)), range(args.mutants)))

    outcomes = collections.Counter()
    failures = 0
    for n, kind, modes, verdict, good in sorted(results):
        if good:
            outcomes[f"{' + '.join(modes)}: {verdict}"] += 1
        else:
            failures += 1
            outcomes[f"{' + '.join(modes)}: FAILED"] += 1
            print(f"FAILED case-{n:04d} ({kind}): {verdict}; kept in {os.path.join(args.workdir, f'case-{n:04d}')}")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {count:4d}  {outcome}")
    print(f"{args.mutants - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
