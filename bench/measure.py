"""Time a command and find its CPU time and peak memory, counting every process it starts.

Usage: python bench/measure.py -- COMMAND [ARG ...]   (then prints the figures as JSON to stderr)

`getrusage(RUSAGE_CHILDREN)` in a long-lived harness only ever grows, so one run's peak
would hide the next one's. Instead each command is reaped with `os.wait4`, which returns
that child's own resource usage, its waited-for descendants included: the CPU time
(user + system) of the whole process tree, and in `ru_maxrss` the peak resident size of
the largest single process among them. While the command runs, every process of its tree
(workers, Pagefind, any child) is also sampled every SAMPLE_SECONDS: each one's own peak
(`VmHWM`, so a descendant nobody waited for still counts) and the sum of their
proportional set sizes (PSS: shared pages split between their users), whose peak is what
the whole build held at once.
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
    """One build: wall and CPU time, and peak memory of its largest process and of all."""

    seconds: float
    cpu_seconds: float  # user + system time of every process of the tree
    largest_kib: int  # peak resident size of the largest single process
    total_kib: int  # peak of the tree's summed PSS, never below `largest_kib`
    returncode: int
    steps: tuple[float, ...] = ()  # wall time of each command, when several ran in turn


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
    largest = max(usage.ru_maxrss, sampler.largest_kib)
    return Measurement(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        largest_kib=largest,
        total_kib=max(largest, sampler.total_kib),
        returncode=proc.returncode,
        steps=(seconds,),
    )


def measure_steps(
    cmds: Sequence[Sequence[str]], *, cwd: Path | None = None, log: Path | None = None
) -> Measurement:
    """Run commands one after another as one build (a site generator, then its search
    indexer): times add up, peaks are the largest of any step; stops at the first failure."""
    done: list[Measurement] = []
    for cmd in cmds:
        done.append(measure(cmd, cwd=cwd, log=log))
        if done[-1].returncode != 0:
            break
    return Measurement(
        seconds=sum(m.seconds for m in done),
        cpu_seconds=sum(m.cpu_seconds for m in done),
        largest_kib=max(m.largest_kib for m in done),
        total_kib=max(m.total_kib for m in done),
        returncode=done[-1].returncode,
        steps=tuple(m.seconds for m in done),
    )


class _TreeSampler(threading.Thread):
    """Every SAMPLE_SECONDS, read the process tree's memory; keep the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.total_kib = 0  # largest sum of PSS over the tree at one instant
        self.largest_kib = 0  # largest VmHWM (own peak RSS) of any one process seen
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            total = 0
            for pid in _tree(self.pid):
                pss, hwm = _memory_kib(pid)
                total += pss
                self.largest_kib = max(self.largest_kib, hwm)
            self.total_kib = max(self.total_kib, total)

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
            continue  # gone already, or no /proc: the rusage figures still stand
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """A process's PSS now and its own peak resident size so far (0 where unknown)."""
    return _field_kib(f"/proc/{pid}/smaps_rollup", "Pss:"), _field_kib(
        f"/proc/{pid}/status", "VmHWM:"
    )


def _field_kib(path: str, label: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(label):
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
