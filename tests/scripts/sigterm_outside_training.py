"""SIGTERM outside a training loop (mesh set-up, solvers, corrector loops)
ends a step program at once, as without a handler: no polling loop would
act on it. The run must end within a few seconds with the signal, and
write no summary.json.

    sigterm_outside_training.py --program BIN --prm FILE --workdir DIR
"""
import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--program", required=True)
parser.add_argument("--prm", required=True)
parser.add_argument("--workdir", required=True)
args = parser.parse_args()

work = pathlib.Path(args.workdir)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
prm = work / "run.prm"
prm.write_text(pathlib.Path(args.prm).read_text() +
               f"\nset Output directory = {work / 'output'}\n")

process = subprocess.Popen([args.program, str(prm)], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
# Wait for the header line: the program is past MPI set-up and working.
first_line = process.stdout.readline()
time.sleep(0.5)
if process.poll() is not None:
    sys.exit(f"the run ended before the signal:\n{first_line}{process.stdout.read()}")
sent = time.monotonic()
process.send_signal(signal.SIGTERM)
try:
    process.wait(timeout=20)
except subprocess.TimeoutExpired:
    process.kill()
    sys.exit("FAILED: still running 20 s after SIGTERM")
seconds = time.monotonic() - sent
print(f"exit status {process.returncode} after {seconds:.2f} s")
if process.returncode != -signal.SIGTERM:
    sys.exit(f"FAILED: expected the end by SIGTERM (-{int(signal.SIGTERM)})")
if (work / "output" / "summary.json").exists():
    sys.exit("FAILED: summary.json was written by an interrupted run")
print("PASSED")
