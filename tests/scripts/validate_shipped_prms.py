"""Every parameter file shipped in prm/ must be accepted by its program's
--validate. The program is the one named on the file's "Run:" line, or the
step-N the file name starts with. A file written for a cluster (its comment
says "for a cluster") may instead be refused for its memory, with the
estimate, on a machine that is too small.

    validate_shipped_prms.py --bin BUILD/bin --prm-dir SOURCE/prm
"""
import argparse
import collections
import pathlib
import re
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True)
parser.add_argument("--prm-dir", required=True)
args = parser.parse_args()

files = collections.defaultdict(list)
for prm in sorted(pathlib.Path(args.prm_dir).glob("*.prm")):
    text = prm.read_text()
    run = re.search(r"Run:\s+(?:mpirun -np \d+\s+)?(?:\S*/)?(step-\d+)", text)
    name = re.match(r"(step-\d+)", prm.name)
    program = run.group(1) if run else name.group(1) if name else None
    if program is None:
        sys.exit(f"{prm}: no 'Run:' line and no step-N file name: which program?")
    files[program].append(prm)

failures = 0
for program, prms in files.items():
    # One start-up per program for the ordinary files; the cluster files
    # alone, since they may be refused here.
    cluster = [p for p in prms if "for a cluster" in p.read_text()]
    ordinary = [p for p in prms if p not in cluster]
    for group in [ordinary] + [[p] for p in cluster]:
        if not group:
            continue
        result = subprocess.run(
            [f"{args.bin}/{program}", "--validate"] + [str(p) for p in group],
            capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        names = " ".join(p.name for p in group)
        if result.returncode == 0:
            print(f"{program}: valid: {names}")
        elif group[0] in cluster and "GiB per MPI rank" in output:
            print(f"{program}: refused for its memory here, as documented: {names}")
        else:
            failures += 1
            print(f"{program}: FAILED (exit {result.returncode}) on {names}:\n{output}")
print(f"{sum(len(p) for p in files.values())} files, {failures} failed groups")
sys.exit(1 if failures else 0)
