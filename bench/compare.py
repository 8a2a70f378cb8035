"""Two versions of digest, paired run by run on the same corpus: did a change make builds slower?

Usage: python bench/compare.py --before REV [--after REV|COMMAND] [--entries 4000] [--pairs 5]

`bench/run.py` compares digest with other tools; this compares digest with itself, for a
refactor that must not cost speed. Each pair runs the same step with A, then B (the order
alternates from pair to pair so neither always runs on a warmer machine), each in its own
copy of the corpus. A pair's ratio is B / A; the report gives the median ratio and the
range, for wall and for CPU time (every process of the build, Pagefind included), and
each version's largest single process.

Steps, all in the default configuration unless named:
- cold: `digest build` into an empty folder (search on, as a user gets it)
- cold --no-search: the same without the search index
- edit: one entry's body changed after a build, then `digest build` again as a process
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_corpus import write_corpus
from measure import Measurement, measure
from migrate import REPO, prepare_digest


@dataclass(frozen=True)
class Step:
    """What one measured run does: `prepare` readies the copy, `args` is the build."""

    name: str
    args: tuple[str, ...]
    prepare: Callable[[list[str], Path], None]


def _fresh(digest: list[str], copy: Path) -> None:
    shutil.rmtree(copy / "site", ignore_errors=True)
    shutil.rmtree(copy / ".digest-cache", ignore_errors=True)


def _built_then_edited(digest: list[str], copy: Path) -> None:
    """A built site whose first entry then gains a sentence, as an editor's save would."""
    ready = copy.parent / f"{copy.name}.edit-ready"
    if not ready.exists():  # after the --no-search step: a default build first, unmeasured
        measure([*digest, "build", str(copy)], log=copy.parent / f"{copy.name}.log")
        ready.touch()
    entry = sorted((copy / "content").rglob("*.md"))[0]
    with entry.open("a", encoding="utf-8") as out:
        out.write("\nOne more sentence from the comparison.\n")


STEPS = (
    Step("cold", ("build",), _fresh),
    Step("cold --no-search", ("build", "--no-search"), _fresh),
    Step("edit", ("build",), _built_then_edited),
)


def _ratio_cell(pairs: list[tuple[float, float]]) -> str:
    ratios = [b / a for a, b in pairs if a > 0]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


def compare(
    a: list[str], b: list[str], corpus: Path, scratch: Path, pairs: int
) -> list[tuple[str, list[Measurement], list[Measurement]]]:
    """For each step, `pairs` runs of A and of B, alternating which goes first."""
    copies = {}
    for label in ("a", "b"):
        copies[label] = scratch / label
        shutil.copytree(corpus, copies[label])
    results = []
    for step in STEPS:
        runs: dict[str, list[Measurement]] = {"a": [], "b": []}
        for n in range(pairs):
            order = ("a", "b") if n % 2 == 0 else ("b", "a")
            for label in order:
                digest = a if label == "a" else b
                copy = copies[label]
                step.prepare(digest, copy)
                cmd = [*digest, *step.args[:1], str(copy), *step.args[1:]]
                done = measure(cmd, log=scratch / f"{label}.log")
                if done.returncode != 0:
                    raise SystemExit(f"{' '.join(cmd)} failed: see {scratch / f'{label}.log'}")
                runs[label].append(done)
        results.append((step.name, runs["a"], runs["b"]))
    return results


def report(results: list[tuple[str, list[Measurement], list[Measurement]]], a: str, b: str,
           entries: int, pairs: int) -> str:  # fmt: skip
    lines = [
        f"A = {a}, B = {b}; {entries:,} entries, {pairs} pairs; ratio = B / A, median (range).",
        "",
        "| step | A wall s | B wall s | wall B/A | CPU B/A | largest process A / B MiB |",
        "|---|---|---|---|---|---|",
    ]
    for name, ra, rb in results:
        wall = list(zip((m.seconds for m in ra), (m.seconds for m in rb), strict=True))
        cpu = list(zip((m.cpu_seconds for m in ra), (m.cpu_seconds for m in rb), strict=True))
        peak_a = max(m.largest_kib for m in ra) // 1024
        peak_b = max(m.largest_kib for m in rb) // 1024
        lines.append(
            f"| {name} | {statistics.median(w for w, _ in wall):.2f} "
            f"| {statistics.median(w for _, w in wall):.2f} | {_ratio_cell(wall)} "
            f"| {_ratio_cell(cpu)} | {peak_a} / {peak_b} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision or digest command (A)")
    parser.add_argument("--after", default=str(REPO / ".venv/bin/digest"), help="B")
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digest-compare-") as tmp:
        scratch = Path(tmp)
        a, a_label = prepare_digest(args.before, scratch)
        b, b_label = prepare_digest(args.after, scratch)
        corpus = scratch / "corpus"
        write_corpus(corpus, args.entries)
        results = compare(a, b, corpus, scratch, args.pairs)
        for tree in scratch.glob("digest-*"):
            shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False)
    text = report(results, a_label, b_label, args.entries, args.pairs)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
