#!/usr/bin/env python3
"""Kill-and-resume test of a training step program.

  kill_and_resume.py --program BIN --prm FILE --workdir DIR --signal TERM|KILL
                     --checkpoint PATH --resume-lines TEXT [--ranks N]

1. runs BIN on FILE to the end (the reference);
2. runs it again, waits until the checkpoint PATH (relative to the run's
   directory) exists, and sends the signal: SIGTERM to one process (rank 0's
   when run under mpirun: the ranks must agree to stop), which must then end
   with exit code 143 and the message that it stopped and wrote its
   checkpoint; or SIGKILL to every process, which must leave a readable
   checkpoint behind (checkpoints are written to a temporary name and
   renamed);
3. resumes with TEXT (prm lines, e.g. "subsection Training / set Resume =
   true / end", with '/' as line separator) appended to FILE,
and checks that the resumed run's metrics equal the reference's (bit for bit
by default; timings and speed-ups excluded) and, with --compare-files GLOB, that the output
files matching GLOB (in the output directory) are byte for byte the same.
4. with --finished-absent NAMES (comma-separated), resumes once more, now at
   the last iteration: the program only evaluates the network, the metrics
   NAMES of the training itself (rates, walker statistics) must be absent
   and the others equal the reference's.
"""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import time

from run_program import fresh, is_timing, output_directory


def command(args, prm):
    if args.ranks > 0:
        return ["mpirun", "-np", str(args.ranks), args.program, prm]
    return [args.program, prm]


def compare(expected, actual, tolerance, absent=()):
    """Prints one line per metric; returns the number of failed checks."""
    failed = 0
    for name, value in sorted(expected.items()):
        if name in absent:
            ok = name not in actual
            print(f"{'ok' if ok else 'FAILED'}: {name} absent after a resume at the end")
        elif is_timing(name) or "speedup" in name:
            continue
        else:
            got = actual.get(name)
            ok = got is not None and abs(got - value) <= tolerance * abs(value)
            print(f"{'ok' if ok else 'FAILED'}: {name}: resumed {got}, uninterrupted {value}")
        failed += not ok
    return failed


def metrics(workdir, prm_text):
    with open(os.path.join(workdir, output_directory(prm_text), "summary.json")) as f:
        return json.load(f)["metrics"]


def rank_processes(process, program):
    """The processes running the program: the process itself, or mpirun's children."""
    if process.args[0] != "mpirun":
        return [process.pid]
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline") as f:
                    argv0 = f.read().split("\0")[0]
            except OSError:
                continue
            if os.path.realpath(argv0) == os.path.realpath(program):
                pids.append(int(entry))
    return sorted(pids)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", required=True)
    parser.add_argument("--prm", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--signal", choices=["TERM", "KILL"], required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--resume-lines", required=True)
    parser.add_argument("--ranks", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.2,
                        help="seconds between the first checkpoint and the signal")
    parser.add_argument("--tolerance", type=float, default=0.0)
    parser.add_argument("--compare-files", default="",
                        help="glob of output files that must be identical")
    parser.add_argument("--finished-absent", default="",
                        help="metrics a run resumed at its end must not write")
    args = parser.parse_args()
    with open(args.prm) as f:
        prm_text = f.read()

    reference_dir = os.path.join(args.workdir, "uninterrupted")
    fresh(reference_dir)
    reference = subprocess.run(command(args, os.path.abspath(args.prm)), cwd=reference_dir,
                               capture_output=True, text=True, timeout=600)
    if reference.returncode != 0:
        print(f"FAILED: the uninterrupted run ended with {reference.returncode}\n{reference.stderr}")
        return 1

    run_dir = os.path.join(args.workdir, "interrupted")
    fresh(run_dir)
    process = subprocess.Popen(command(args, os.path.abspath(args.prm)), cwd=run_dir,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    checkpoint = os.path.join(run_dir, args.checkpoint)
    deadline = time.time() + 600
    while not os.path.exists(checkpoint) and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(args.delay)
    if process.poll() is not None:
        print("FAILED: the run ended before the signal could be sent "
              "(make the test's training longer)")
        return 1
    targets = rank_processes(process, args.program)
    if args.signal == "TERM":
        os.kill(targets[0], signal.SIGTERM)
    else:
        for pid in targets:
            os.kill(pid, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=600)
    failed = 0
    if args.signal == "TERM":
        ok = process.returncode == 128 + signal.SIGTERM or (
            args.ranks > 0 and process.returncode != 0)
        ok = ok and "stopped by SIGTERM" in stderr and "is written" in stderr
        print(f"{'ok' if ok else 'FAILED'}: SIGTERM -> exit code {process.returncode}, "
              f"stderr: {stderr.strip()}")
        failed += not ok
    else:
        print(f"ok: SIGKILL -> exit code {process.returncode}")
    if not os.path.exists(checkpoint):
        print(f"FAILED: no checkpoint '{args.checkpoint}' after the signal")
        return 1

    resumed_prm = os.path.join(run_dir, "resume.prm")
    with open(resumed_prm, "w") as f:
        f.write(prm_text + "\n" + args.resume_lines.replace("/", "\n") + "\n")
    resumed = subprocess.run(command(args, resumed_prm), cwd=run_dir,
                             capture_output=True, text=True, timeout=600)
    if resumed.returncode != 0:
        print(f"FAILED: the resumed run ended with {resumed.returncode}\n{resumed.stderr}")
        return 1
    expected = metrics(reference_dir, prm_text)
    failed += compare(expected, metrics(run_dir, prm_text), args.tolerance)
    if args.compare_files:
        output = output_directory(prm_text)
        names = sorted(os.path.basename(f) for f in glob.glob(
            os.path.join(reference_dir, output, args.compare_files)))
        if not names:
            print(f"FAILED: no output file matches '{args.compare_files}'")
            failed += 1
        for name in names:
            with open(os.path.join(reference_dir, output, name), "rb") as f:
                expected_bytes = f.read()
            try:
                with open(os.path.join(run_dir, output, name), "rb") as f:
                    actual_bytes = f.read()
            except OSError:
                actual_bytes = None
            ok = actual_bytes == expected_bytes
            print(f"{'ok' if ok else 'FAILED'}: {name} "
                  f"{'is identical' if ok else 'differs (or is missing)'}")
            failed += not ok
    if args.finished_absent:
        finished = subprocess.run(command(args, resumed_prm), cwd=run_dir,
                                  capture_output=True, text=True, timeout=600)
        if finished.returncode != 0:
            print(f"FAILED: the run resumed at its end ended with "
                  f"{finished.returncode}\n{finished.stderr}")
            return 1
        failed += compare(expected, metrics(run_dir, prm_text), args.tolerance,
                          set(args.finished_absent.split(",")))
    print("passed" if failed == 0 else f"{failed} checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
