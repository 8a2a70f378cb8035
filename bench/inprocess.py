"""Time one-edit rebuilds inside a long-lived builder, as `digest serve` runs them.

Usage: python bench/inprocess.py [--entries 4000] [--runs 9] [--corpus DIR]

From the change being noticed to the pages written: the Builder the live preview uses
(in place, cache saved on exit only, told which file changed) rebuilds after each edit,
and the median of --runs edits is reported per kind of edit. Each result is checked
against a cold build of the same tree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from make_corpus import write_corpus

from generator.engine.build import Builder, build_site

MANIFEST = ".digest-manifest.json"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def _edits(entry: Path, person: str) -> dict[str, Callable[[int], None]]:
    original = entry.read_text()

    def body(i: int) -> None:
        entry.write_text(original + f"\n\nA new paragraph, edit number {i}.\n")

    def people(i: int) -> None:
        names = "[" + (person if i % 2 else f"{person}, Edited Person {i}") + "]"
        lines = [f"people: {names}" if ln.startswith("people:") else ln
                 for ln in original.split("\n")]  # fmt: skip
        entry.write_text("\n".join(lines))

    return {"body edit": body, "people edit": people}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--corpus", type=Path, help="use this corpus instead of a new one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.corpus or Path(tmp) / "corpus"
        if args.corpus is None:
            write_corpus(root, args.entries, seed=1)
        builder = Builder(
            root, root / "site", drafts=True, in_place=True, autosave=False, search=False
        )
        builder.build()
        entry = sorted((root / "content").rglob("*.md"))[
            len(list((root / "content").rglob("*.md"))) // 2
        ]
        person = next(ln for ln in entry.read_text().split("\n") if ln.startswith("people:"))
        person = person.split("[", 1)[1].split(",")[0].strip(" ]")
        rows = []
        rel = [entry.relative_to(root).as_posix()]  # what the watcher reports
        for name, edit in _edits(entry, person).items():
            times = []
            for i in range(args.runs):
                edit(i)
                start = time.perf_counter()
                builder.build(changed=rel)
                times.append(time.perf_counter() - start)
            clean = Path(tmp) / f"clean-{name.split()[0]}"
            build_site(root, clean, drafts=True, use_cache=False, search=False)
            same = _tree(root / "site") == _tree(clean)
            rows.append((name, statistics.median(times) * 1000, min(times) * 1000, same))
        for name, median, best, same in rows:
            verdict = "equal to a cold build" if same else "DIFFERS from a cold build"
            print(f"{name}: median {median:.0f} ms, best {best:.0f} ms, {verdict}")
        return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
