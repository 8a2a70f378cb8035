"""Benchmark digest against Hugo, Eleventy and Pelican on made-up corpora of several sizes.

Usage: python bench/run.py [--sizes 1000,4000,10000] [--big] [--runs 3]
       [--anchors hugo,eleventy,pelican] [--out bench/RESULTS.md]

For every size it generates a corpus (bench/make_corpus.py), then times digest's cold build,
a no-change rebuild and three one-change rebuilds (an entry's body, an entry's people, a
template). After each rebuild the output must be byte-identical to a cold build of the same
tree into a fresh folder, or the row says FAIL: a fast incremental build that is wrong is
worth nothing. The anchors get a cold build and a no-change rebuild of the same corpus,
converted by bench/anchors/prepare.py. Every figure is the median of --runs runs.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from anchors import prepare as anchors
from make_corpus import write_corpus
from measure import Measurement, measure
from report import ANCHOR_SCENARIOS, DIGEST_SCENARIOS, NAMES, Result, render_report, render_table

log = logging.getLogger("bench")

REPO = Path(__file__).resolve().parent.parent
THEME = REPO / "templates"
CACHE_DIR = ".digest-cache"
MANIFEST = ".digest-manifest.json"
BIG_SIZE = 40_000
# What each tool leaves in its work folder between builds; removed before a cold build.
ANCHOR_LEFTOVERS = ("resources", ".hugo_build.lock", ".cache", "cache", "__pycache__")


class BuildError(Exception):
    """A build exited non-zero; the rest of that run is skipped."""


def count_pages(out: Path) -> Counter[str]:
    """HTML files in `out` by kind of page, so page sets can be compared tool to tool."""
    kinds: Counter[str] = Counter()
    for path in out.rglob("*.html"):
        rel = path.relative_to(out).as_posix()
        if rel in ("index.html", "404.html"):
            kinds["home" if rel == "index.html" else "404"] += 1
        elif re.fullmatch(r"(people|topics|editions)/index\.html", rel):
            kinds[f"{rel.split('/')[0]} index"] += 1
        elif m := re.fullmatch(r"(people|topics|editions)/[^/]+/index\.html", rel):
            kinds[m.group(1)] += 1
        elif re.fullmatch(r"\d{4}/\d{2}/\d{2}/[^/]+/index\.html", rel):
            kinds["entries"] += 1
        else:
            kinds["other"] += 1
    return kinds


def tree_differences(a: Path, b: Path) -> list[str]:
    """Every path whose bytes differ between two output folders (the manifest aside)."""

    def files(root: Path) -> dict[str, Path]:
        found = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
        found.pop(MANIFEST, None)
        return found

    left, right = files(a), files(b)
    diffs = [f"only in the rebuild: {p}" for p in sorted(left.keys() - right.keys())]
    diffs += [f"missing from the rebuild: {p}" for p in sorted(right.keys() - left.keys())]
    diffs += [
        f"differs: {rel}"
        for rel in sorted(left.keys() & right.keys())
        if left[rel].read_bytes() != right[rel].read_bytes()
    ]
    return diffs


def entry_files(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


def edit_body(root: Path) -> None:
    """Rewrite the first paragraph of the middle entry."""
    files = entry_files(root)
    path = files[len(files) // 2]
    front, body = path.read_text("utf-8").split("\n---\n", 1)
    path.write_text(f"{front}\n---\nEdited for the benchmark. {body}", encoding="utf-8")


def edit_people(root: Path) -> None:
    """Swap the last person of an entry a third of the way in for someone not yet named."""
    files = entry_files(root)
    path = files[len(files) // 3]
    text = path.read_text("utf-8")
    match = re.search(r"^people: \[(.*)\]$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path}: no `people: [...]` line to edit")
    names = match.group(1).split(", ")
    registry = re.findall(
        r"^- name: (.+)$", (root / "content" / "people.yaml").read_text("utf-8"), re.M
    )
    names[-1] = next(n for n in registry if n not in names)
    path.write_text(
        text[: match.start()] + f"people: [{', '.join(names)}]" + text[match.end() :], "utf-8"
    )


def edit_template(root: Path) -> None:
    """Override the theme's entry.html with a one-character change to every headline."""
    text = (THEME / "entry.html").read_text("utf-8")
    if "</h1>" not in text:
        raise ValueError(f"{THEME / 'entry.html'} has no </h1> to change")
    target = root / "templates" / "entry.html"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text.replace("</h1>", "!</h1>", 1), encoding="utf-8")


EDITS: dict[str, Callable[[Path], None]] = {
    "body edit": edit_body,
    "people edit": edit_people,
    "template edit": edit_template,
}


class Bench:
    """Runs every measurement of one harness invocation inside one scratch folder."""

    def __init__(self, scratch: Path, digest: list[str], runs: int, keep: bool) -> None:
        self.scratch = scratch
        self.digest = digest
        self.runs = runs
        self.keep = keep  # leave every work folder in place, to look at a failure

    def discard(self, path: Path) -> None:
        if not self.keep:
            shutil.rmtree(path, ignore_errors=True)

    def build(self, cmd: list[str], name: str, cwd: Path | None = None) -> Measurement:
        logfile = self.scratch / "logs" / f"{name}.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        m = measure(cmd, cwd=cwd, log=logfile)
        if m.returncode != 0:
            tail = logfile.read_text("utf-8", "replace").splitlines()[-15:]
            log.error("%s exited %d; its output ends:\n%s", name, m.returncode, "\n".join(tail))
            raise BuildError(f"exit {m.returncode} (--keep keeps its log)")
        return m

    def digest_build(self, root: Path, out: Path, name: str) -> Measurement:
        return self.build([*self.digest, "build", str(root), "-o", str(out)], name)

    def run_digest(self, corpus: Path, size: int) -> Result:
        result = Result("digest", size)
        for run in range(1, self.runs + 1):
            work = self.scratch / f"digest-{size}-{run}"
            root, out = work / "root", work / "out"
            shutil.copytree(corpus, root)
            peak = 0
            try:
                for scenario in DIGEST_SCENARIOS:
                    log.info("digest %d entries, run %d: %s", size, run, scenario)
                    if scenario in EDITS:
                        EDITS[scenario](root)
                    before = _snapshot(out) if scenario == "no-change" else None
                    m = self.digest_build(root, out, f"digest-{size}-{run}-{scenario}")
                    result.add(scenario, m)
                    peak = max(peak, m.peak_kib)
                    if scenario == "cold":
                        result.pages = count_pages(out)
                    elif before is not None and _snapshot(out) != before:
                        result.failures.append(f"{scenario}: run {run}: the output changed")
                    elif scenario in EDITS:
                        self.verify(root, out, work / "reference", result, scenario, run)
            except BuildError as exc:
                result.failures.append(f"{scenario}: run {run}: {exc}")
            result.peaks.append(peak)
            self.discard(work)
        return result

    def verify(
        self, root: Path, out: Path, ref: Path, result: Result, scenario: str, run: int
    ) -> None:
        """Compare a rebuild with a cold build of a copy of the same tree (not timed)."""
        shutil.copytree(root, ref / "root", ignore=shutil.ignore_patterns(CACHE_DIR))
        name = f"digest-{result.size}-{run}-{scenario}-reference"
        self.digest_build(ref / "root", ref / "out", name)
        diffs = tree_differences(out, ref / "out")
        if diffs:
            shown = "; ".join(diffs[:3]) + ("; …" if len(diffs) > 3 else "")
            result.failures.append(
                f"{scenario}: run {run}: {len(diffs)} files are not what a cold build writes "
                f"({shown})"
            )
        if self.keep:
            ref.rename(ref.with_name(f"reference-{scenario.replace(' ', '-')}"))
        else:
            shutil.rmtree(ref)

    def run_anchor(self, tool: str, corpus: Path, size: int) -> Result:
        result = Result(tool, size)
        work = self.scratch / f"{tool}-{size}"
        log.info("%s %d entries: preparing", tool, size)
        anchors.prepare(tool, corpus, work)
        out = self.scratch / f"{tool}-{size}-out"
        cmd = anchors.build_command(tool, work, out, Path(sys.executable))
        for run in range(1, self.runs + 1):
            shutil.rmtree(out, ignore_errors=True)
            for leftover in ANCHOR_LEFTOVERS:
                path = work / leftover
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
            peak = 0
            try:
                for scenario in ANCHOR_SCENARIOS:
                    log.info("%s %d entries, run %d: %s", tool, size, run, scenario)
                    m = self.build(cmd, f"{tool}-{size}-{run}-{scenario}", cwd=work)
                    result.add(scenario, m)
                    peak = max(peak, m.peak_kib)
                result.pages = count_pages(out)
            except BuildError as exc:
                result.failures.append(f"{scenario}: run {run}: {exc}")
            result.peaks.append(peak)
        self.discard(work)
        self.discard(out)
        return result


def _snapshot(out: Path) -> dict[str, str]:
    """Every output file's hash, to tell whether a no-change rebuild changed anything."""
    if not out.is_dir():
        return {}
    return {
        p.relative_to(out).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file()
    }


def anchor_missing(tool: str) -> str | None:
    """Why an anchor cannot run here, with the command that installs it; None if it can."""
    if tool == "hugo" and not shutil.which("hugo"):
        return "hugo is not installed (apt-get install -y hugo)"
    if tool == "eleventy" and not (shutil.which("node") and anchors.ELEVENTY_CLI.exists()):
        return "Eleventy is not installed (cd bench/anchors/eleventy && npm ci)"
    if tool == "pelican":
        probe = subprocess.run([sys.executable, "-c", "import pelican"], capture_output=True)
        if probe.returncode != 0:
            return "Pelican is not installed (.venv/bin/pip install -e '.[bench]')"
    return None


def _output(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=60)
    except OSError:
        return "?"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def tool_versions(digest: list[str], tools: list[str]) -> dict[str, str]:
    commit = _output(["git", "describe", "--always", "--dirty"], cwd=REPO)
    command = shlex.join(digest)
    versions = {"digest": f"{_output([*digest, '--version'])} as `{command}` (repo at {commit})"}
    if "hugo" in tools:
        versions["hugo"] = _output(["hugo", "version"])
    if "eleventy" in tools:
        versions["eleventy"] = "Eleventy " + _output(
            ["node", str(anchors.ELEVENTY_CLI), "--version"]
        )
        versions["eleventy"] += f" on Node {_output(['node', '--version'])}"
    if "pelican" in tools:
        versions["pelican"] = "Pelican " + _output([sys.executable, "-m", "pelican", "--version"])
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,10000", help="entry counts, comma-separated")
    parser.add_argument("--big", action="store_true", help=f"also {BIG_SIZE:,} entries")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is kept)")
    parser.add_argument("--anchors", default="hugo,eleventy,pelican", help="'' for none")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--digest", default=str(REPO / ".venv" / "bin" / "digest"), help="command")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([BIG_SIZE] if args.big else [])
    wanted = [a for a in args.anchors.split(",") if a]
    unknown = set(wanted) - set(anchors.TOOLS)
    if unknown or args.runs < 1 or not sizes:
        parser.error(f"unknown anchors {sorted(unknown)}" if unknown else "need sizes and runs")
    tools: list[str] = []
    notes: list[str] = []
    for tool in wanted:
        missing = anchor_missing(tool)
        if missing:
            notes.append(f"{NAMES[tool]} skipped: {missing}")
            log.warning("%s", notes[-1])
        else:
            tools.append(tool)
    digest = shlex.split(args.digest)
    if not digest or not shutil.which(digest[0]):
        parser.error(
            f"cannot run digest as {args.digest!r}; run `make site` first or pass --digest"
        )
    versions = tool_versions(digest, tools)
    load = os.getloadavg()[0]
    if load > 0.5:
        log.warning("load average %.2f before the run: other work will skew the figures", load)
    notes.append(f"Load average (1 min) when the run started: {load:.2f}")
    scratch = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    bench = Bench(scratch, digest, args.runs, args.keep)
    sections: list[str] = []
    failed = False
    try:
        for size in sizes:
            corpus = scratch / f"corpus-{size}"
            log.info("corpus: %d entries", size)
            write_corpus(corpus, size)
            results = [bench.run_digest(corpus, size)]
            results += [bench.run_anchor(tool, corpus, size) for tool in tools]
            sections.append(render_table(size, results))
            failed = failed or any(r.failures for r in results)
            print(sections[-1], flush=True)
            bench.discard(corpus)
    finally:
        if args.keep:
            log.info("scratch folder kept: %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    report = render_report(sections, versions, notes, args.runs)
    args.out.write_text(report, encoding="utf-8")
    log.info("wrote %s", args.out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
