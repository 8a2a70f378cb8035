"""Mention finding against registries of growing size: one pass per text, not per name.

Usage: python bench/mentions.py [--entries 200] [--people 500,5000] [--runs 3]

For each registry size it generates a corpus (bench/make_corpus.py) whose registry has
that many people, compiles the matcher once and times `detect_entry` over every entry
(title, summary and an ~800-word body). If the finder were quadratic in the registry,
the time per entry would grow with it; it should stay about flat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from make_corpus import write_corpus

from generator.newsroom.mentions import build_matcher, detect_entry
from generator.source.parse import parse_entry
from generator.source.registry import parse_people, parse_topics


def measure(people: int, entries: int, runs: int) -> tuple[float, float]:
    """Seconds to compile the matcher, and median milliseconds per entry."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, entries, seed=1, people=people)
        registry = parse_people("people.yaml", (root / "content/people.yaml").read_text())
        topics = parse_topics("topics.yaml", (root / "content/topics.yaml").read_text())
        parsed = [
            parse_entry(p.name, p.read_bytes(), ZoneInfo("UTC"))
            for p in sorted((root / "content").rglob("*.md"))
        ]
    start = time.perf_counter()
    matcher = build_matcher(registry, topics)
    compile_seconds = time.perf_counter() - start
    per_entry = []
    for _ in range(runs):
        start = time.perf_counter()
        for entry in parsed:
            detect_entry(entry, matcher)
        per_entry.append((time.perf_counter() - start) / len(parsed) * 1000)
    return compile_seconds, statistics.median(per_entry)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--people", default="500,5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for size in (int(n) for n in args.people.split(",")):
        compiled, per_entry = measure(size, args.entries, args.runs)
        print(f"{size:>6,} people: matcher compiled in {compiled * 1000:.0f} ms; "
              f"{per_entry:.2f} ms per entry (median of {args.runs})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
