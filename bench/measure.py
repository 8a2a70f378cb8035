"""Time one command and find its peak memory, correctly for every single run.

Usage: python bench/measure.py -- COMMAND [ARG ...]   (then prints the figures as JSON to stderr)

`getrusage(RUSAGE_CHILDREN)` in a long-lived harness only ever grows, so one run's peak
would hide the next one's. Instead each command is reaped with `os.wait4`, which returns
that child's own resource usage (its `ru_maxrss` covers the child and every descendant it
waited for). A build that fans out into worker processes uses more than its largest
process, so the process tree's proportional set size (PSS) is also sampled while it runs;
the reported peak is the larger of the two figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_kib: int
    returncode: int


def measure(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> Measurement:
    """Run `cmd` to completion; its output goes to `log` (appended), else to ours."""
    with open(log, "ab") if log else contextlib.nullcontext() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT if out else None
        )
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measurement(seconds, max(usage.ru_maxrss, sampler.peak_kib), proc.returncode)


class _TreeSampler(threading.Thread):
    """Sum the PSS of a process and its descendants every SAMPLE_SECONDS; keep the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(p) for p in _tree(self.pid)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    """The process and all its live descendants, read from /proc (empty where there is none)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(child) for child in f.read().split())
        except OSError:
            continue  # gone already, or no /proc: the rusage figure still stands
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    result = measure(args)
    print(json.dumps(asdict(result)), file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
