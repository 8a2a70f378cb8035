"""Benchmark digest, alone and paired with Hugo, Eleventy and Pelican, on made-up corpora.

Usage: python bench/run.py [--sizes 1000,4000,10000] [--runs 3] [--pairs N]
       [--configs default,no-search] [--rebuilds no-change,body,people,template]
       [--anchors hugo-minimal,hugo,eleventy,pelican] [--big] [--strict-index]
       [--out bench/RESULTS.md] [--digest CMD] [--keep]

For every size it generates a corpus (bench/make_corpus.py), then for each configuration
of digest (the default, search on, and `--no-search`):

1. digest alone, --runs times on a fresh copy of the corpus: a cold build, a no-change
   rebuild and one-change rebuilds (an entry's body, an entry's people, a template), each
   a new `digest build` process. After each rebuild the output must be byte-identical to
   a cold build of the same tree into a fresh folder, or the row says FAIL: a fast
   incremental build that is wrong is worth nothing.
2. cold builds paired with each anchor (bench/anchors/prepare.py converts the corpus):
   digest, then the anchor, --pairs times; under the default configuration Hugo and
   Eleventy are followed by Pagefind, as their users add search.

--big adds 100,000 entries: digest alone, one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anchors import prepare as anchors
from make_corpus import write_corpus
from measure import Measurement, measure_steps
from pages import count_pages, in_index, snapshot, tree_differences
from report import (
    CONFIGS,
    NAMES,
    REBUILDS,
    Build,
    DigestResult,
    PairResult,
    render_report,
    render_size,
)

log = logging.getLogger("bench")

REPO = Path(__file__).resolve().parent.parent
THEME = REPO / "templates"
CACHE_DIR = ".digest-cache"
BIG_SIZE = 100_000
# What each tool leaves in its work folder between builds; removed before a cold build.
ANCHOR_LEFTOVERS = ("resources", ".hugo_build.lock", ".cache", "cache", "__pycache__")


class BuildError(Exception):
    """A build exited non-zero; the rest of that run is skipped."""


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


def stage_seconds(logfile: Path, stage: str) -> float | None:
    """A stage's seconds from the table `digest build --stats` prints, if it printed one."""
    try:
        text = logfile.read_text("utf-8", "replace")
    except OSError:
        return None
    found = re.findall(rf"^{re.escape(stage)}\s+([\d.]+)\s+\d+%\s*$", text, re.MULTILINE)
    return float(found[-1]) if found else None


@dataclass(frozen=True)
class Plan:
    """What to measure at one size."""

    size: int
    runs: int  # runs of digest alone
    pairs: int  # pairs per anchor and configuration
    configs: list[str]
    rebuilds: list[str]  # what follows each cold build of digest alone
    tools: list[str]  # anchors to pair digest with


class Bench:
    """Runs every measurement of one harness invocation inside one scratch folder."""

    def __init__(self, scratch: Path, digest: list[str], keep: bool, strict_index: bool) -> None:
        self.scratch = scratch
        self.digest = digest
        self.keep = keep  # leave every work folder in place, to look at a failure
        self.strict_index = strict_index  # a search index unlike a clean build's fails

    def discard(self, path: Path) -> None:
        if not self.keep:
            shutil.rmtree(path, ignore_errors=True)

    def logfile(self, name: str) -> Path:
        return self.scratch / "logs" / f"{name}.log"

    def build(self, cmds: list[list[str]], name: str, cwd: Path | None = None) -> Measurement:
        """Run one build (one command, or several in turn) and measure it; raise if it fails."""
        logfile = self.logfile(name)
        logfile.parent.mkdir(parents=True, exist_ok=True)
        m = measure_steps(cmds, cwd=cwd, log=logfile)
        if m.returncode != 0:
            tail = logfile.read_text("utf-8", "replace").splitlines()[-15:]
            log.error("%s exited %d; its output ends:\n%s", name, m.returncode, "\n".join(tail))
            raise BuildError(f"exit {m.returncode} (--keep keeps its log)")
        return m

    def digest_build(self, root: Path, out: Path, config: str, name: str) -> Build:
        """`digest build` as a new process, with its search stage's time from `--stats`."""
        cmd = [*self.digest, "build", str(root), "-o", str(out), "--stats", *CONFIGS[config]]
        m = self.build([cmd], name)
        return Build.of(m, stage_seconds(self.logfile(name), "search"))

    # -- digest alone -------------------------------------------------------------------

    def run_digest(self, corpus: Path, plan: Plan, config: str) -> DigestResult:
        """digest's cold build and rebuilds, `plan.runs` times, each run on a fresh copy."""
        result = DigestResult(config, plan.size)
        for run in range(1, plan.runs + 1):
            work = self.scratch / f"digest-{plan.size}-{config}-{run}"
            shutil.copytree(corpus, work / "root")
            self.sequence(work, result, run, plan.rebuilds)
            self.discard(work)
        return result

    def sequence(self, work: Path, result: DigestResult, run: int, rebuilds: list[str]) -> None:
        """One run: the cold build, then each rebuild, each checked against a clean build."""
        root, out = work / "root", work / "out"
        scenario = "cold"
        try:
            for scenario in ("cold", *rebuilds):
                log.info("digest %d entries, %s, run %d: %s",
                         result.size, result.config, run, scenario)  # fmt: skip
                if scenario in EDITS:
                    EDITS[scenario](root)
                before = snapshot(out) if scenario == "no-change" else None
                name = f"digest-{result.size}-{result.config}-{run}-{scenario.replace(' ', '-')}"
                result.add(scenario, self.digest_build(root, out, result.config, name))
                if scenario == "cold":
                    result.pages = count_pages(out)
                elif before is not None and snapshot(out) != before:
                    result.failures.append(f"{scenario}: run {run}: the output changed")
                elif scenario in EDITS:
                    self.verify(work, result, scenario, run)
        except BuildError as exc:
            result.failures.append(f"{scenario}: run {run}: {exc}")

    def verify(self, work: Path, result: DigestResult, scenario: str, run: int) -> None:
        """Compare a rebuild with a cold build of a copy of the same tree (not timed).

        Differences in the search index fail only with --strict-index: Pagefind writes a
        different index from the same pages today, so two clean builds differ there too."""
        ref = work / "reference"
        shutil.copytree(work / "root", ref / "root", ignore=shutil.ignore_patterns(CACHE_DIR))
        name = f"digest-{result.size}-{result.config}-{run}-{scenario.replace(' ', '-')}-ref"
        self.digest_build(ref / "root", ref / "out", result.config, name)
        diffs = tree_differences(work / "out", ref / "out")
        index = [] if self.strict_index else [d for d in diffs if in_index(d)]
        others = [d for d in diffs if d not in index]
        if others:
            shown = "; ".join(others[:3]) + ("; …" if len(others) > 3 else "")
            result.failures.append(
                f"{scenario}: run {run}: {len(others)} files are not what a cold build writes "
                f"({shown})"
            )
        if index:
            result.index_diffs.setdefault(scenario, []).append(len(index))
        if self.keep:
            ref.rename(ref.with_name(f"reference-{scenario.replace(' ', '-')}"))
        else:
            shutil.rmtree(ref)

    # -- paired with the anchors --------------------------------------------------------

    def run_pairs(self, corpus: Path, plan: Plan, config: str, tool: str) -> PairResult:
        """Cold builds of digest and of `tool`, alternated: D A D A …, `plan.pairs` pairs."""
        searched = config == "default" and tool in anchors.SEARCHED
        result = PairResult(config, tool, plan.size, searched)
        base = self.scratch / f"pairs-{plan.size}"
        root, out = base / "digest-root", base / "digest-out"
        if not root.exists():
            shutil.copytree(corpus, root)
        work, anchor_out = self.anchor_work(corpus, base, tool), base / f"{tool}-out"
        cmds = [anchors.build_command(tool, work, anchor_out, Path(sys.executable))]
        if searched:
            cmds.append(anchors.search_command(anchor_out))
        for i in range(1, plan.pairs + 1):
            name = f"pair-{plan.size}-{config}-{tool}-{i}"
            try:
                log.info("pair %d, %d entries: digest %s, then %s",
                         i, plan.size, config, result.label)  # fmt: skip
                _clean(out, root / CACHE_DIR)
                digest = self.digest_build(root, out, config, f"{name}-digest")
                _clean(anchor_out, *(work / leftover for leftover in ANCHOR_LEFTOVERS))
                m = self.build(cmds, f"{name}-{tool}", cwd=work)
            except BuildError as exc:
                result.failures.append(f"pair {i}: {exc}")
                break
            result.pairs.append((digest, Build.of(m, m.steps[1] if searched else None)))
            result.digest_pages, result.pages = count_pages(out), count_pages(anchor_out)
        return result

    def anchor_work(self, corpus: Path, base: Path, tool: str) -> Path:
        """The anchor's copy of the corpus, converted once per size (not timed)."""
        work = base / tool
        if not work.exists():
            log.info("%s %s: preparing", tool, base.name)
            anchors.prepare(tool, corpus, work)
        return work


def _clean(*paths: Path) -> None:
    """Remove what a cold build must not find: the output, caches, lock files."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def anchor_missing(tool: str) -> str | None:
    """Why an anchor cannot run here, with the command that installs it; None if it can."""
    if tool.startswith("hugo") and not shutil.which("hugo"):
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
    """Every tool's version line, and the repository's commit, for the report's header."""
    commit = _output(["git", "describe", "--always", "--dirty"], cwd=REPO)
    command = shlex.join(digest)
    versions = {"digest": f"{_output([*digest, '--version'])} as `{command}` (repo at {commit})"}
    try:
        versions["pagefind"] = _output([str(anchors.pagefind_binary()), "--version"])
    except FileNotFoundError as exc:
        versions["pagefind"] = str(exc)
    if any(tool.startswith("hugo") for tool in tools):
        versions["hugo"] = _output(["hugo", "version"])
    if "eleventy" in tools:
        versions["eleventy"] = "Eleventy " + _output(
            ["node", str(anchors.ELEVENTY_CLI), "--version"]
        )
        versions["eleventy"] += f" on Node {_output(['node', '--version'])}"
    if "pelican" in tools:
        versions["pelican"] = "Pelican " + _output([sys.executable, "-m", "pelican", "--version"])
    return versions


# `--rebuilds` names, and the scenarios they stand for.
REBUILD_NAMES = dict(zip(("no-change", "body", "people", "template"), REBUILDS, strict=True))


def _choices(
    parser: argparse.ArgumentParser, text: str, allowed: list[str], what: str
) -> list[str]:
    """A comma-separated option's items, each checked against `allowed` ('' for none)."""
    chosen = [item for item in text.split(",") if item]
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        parser.error(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return chosen


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[Plan]]:
    """The options, and what to measure at each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,10000", help="entry counts, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of digest alone (median kept)")
    parser.add_argument("--pairs", type=int, help="pairs per anchor (default: --runs)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="digest configurations")
    parser.add_argument(
        "--rebuilds", default=",".join(REBUILD_NAMES), help="what follows a cold build ('' none)"
    )
    parser.add_argument("--anchors", default=",".join(anchors.TOOLS), help="'' for none")
    parser.add_argument(
        "--big", action="store_true", help=f"also {BIG_SIZE:,} entries: digest alone, one run"
    )
    parser.add_argument(
        "--strict-index", action="store_true", help="a search index unlike a clean build's fails"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--digest", default=str(REPO / ".venv" / "bin" / "digest"), help="command")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    configs = _choices(parser, args.configs, list(CONFIGS), "configurations")
    rebuilds = _choices(parser, args.rebuilds, list(REBUILD_NAMES), "rebuilds")
    args.anchors = _choices(parser, args.anchors, list(anchors.TOOLS), "anchors")
    pairs = args.runs if args.pairs is None else args.pairs
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if not configs or min(args.runs, pairs) < 0 or not (sizes or args.big):
        parser.error("need sizes, configurations, and runs and pairs of at least 0")
    args.digest = shlex.split(args.digest)
    if not args.digest or not shutil.which(args.digest[0]):
        parser.error(
            f"cannot run digest as {args.digest!r}; run `make site` first or pass --digest"
        )
    full = [REBUILD_NAMES[r] for r in REBUILD_NAMES if r in rebuilds]  # in their usual order
    plans = [Plan(size, args.runs, pairs, configs, full, []) for size in sizes]
    if args.big:
        plans.append(Plan(BIG_SIZE, 1, 0, configs, full, []))
    return args, plans


def available(tools: list[str], notes: list[str]) -> list[str]:
    """The anchors that can run here; a note says how to install each missing one."""
    found = []
    for tool in tools:
        missing = anchor_missing(tool)
        if missing:
            notes.append(f"{NAMES[tool]} skipped: {missing}")
            log.warning("%s", notes[-1])
        else:
            found.append(tool)
    return found


def _plan_note(plan: Plan) -> str:
    """How many builds stand behind each figure at one size."""
    runs = f"{plan.runs} run{'s' if plan.runs != 1 else ''} of digest alone"
    pairs = f"{plan.pairs} pair{'s' if plan.pairs != 1 else ''} per anchor"
    return f"{plan.size:,} entries: {runs}, " + (pairs if plan.tools else "no anchors")


def measure_size(bench: Bench, plan: Plan) -> tuple[str, bool]:
    """Every measurement at one size: its report section, and whether anything failed."""
    corpus = bench.scratch / f"corpus-{plan.size}"
    log.info("corpus: %d entries", plan.size)
    write_corpus(corpus, plan.size)
    alone = [bench.run_digest(corpus, plan, c) for c in plan.configs] if plan.runs else []
    pairs = [bench.run_pairs(corpus, plan, c, t) for c in plan.configs for t in plan.tools]
    bench.discard(corpus)
    bench.discard(bench.scratch / f"pairs-{plan.size}")
    failed = any(r.failures for r in [*alone, *pairs])
    return render_size(plan.size, alone, pairs, plan.runs), failed


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args, plans = parse_args(argv)
    notes: list[str] = []
    tools = available(args.anchors, notes)
    plans = [Plan(p.size, p.runs, p.pairs, p.configs, p.rebuilds, tools if p.pairs else [])
             for p in plans]  # fmt: skip
    versions = tool_versions(args.digest, tools)
    load = os.getloadavg()[0]
    if load > 0.5:
        log.warning("load average %.2f before the run: other work will skew the figures", load)
    notes.append(f"Load average (1 min) when the run started: {load:.2f}")
    notes += [_plan_note(p) for p in plans]
    scratch = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    bench = Bench(scratch, args.digest, args.keep, args.strict_index)
    sections: list[str] = []
    failed = False
    try:
        for plan in plans:
            section, broke = measure_size(bench, plan)
            sections.append(section)
            failed = failed or broke
            print(section, flush=True)
    finally:
        if args.keep:
            log.info("scratch folder kept: %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    report = render_report(sections, versions, notes, any(p.tools for p in plans))
    args.out.write_text(report, encoding="utf-8")
    log.info("wrote %s", args.out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
