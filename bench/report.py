"""Turn the harness's measurements into the Markdown tables of bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from measure import Measurement

# digest's configurations: the extra `digest build` arguments, and how the tables name them.
CONFIGS = {"default": [], "no-search": ["--no-search"]}
CONFIG_NAMES = {"default": "default (search on)", "no-search": "`--no-search`"}
# What follows each run's cold build, in this order (`--rebuilds` picks some).
REBUILDS = ("no-change", "body edit", "people edit", "template edit")
NAMES = {
    "digest": "digest",
    "hugo-minimal": "Hugo, minimal",
    "hugo": "Hugo, like-for-like",
    "eleventy": "Eleventy",
    "pelican": "Pelican",
}
# Pages one tool writes and digest does not, by design; not a difference in page sets.
EXPECTED_EXTRA = {"page-1 redirects"}

ANCHOR_LEGEND = """\
The anchors build the same entries into the same page set as digest (bench/anchors/):

- **Hugo, minimal**: a bare theme, what a Hugo user gets without a theme of cards: list
  pages (home, people, topics, editions) show titles and dates only; entry pages show the
  title, date and body.
- **Hugo, like-for-like**: list pages render cards (summary, people and topic chips) like
  digest's; entry pages also list the entry's people, topics and edition.
- **Eleventy**: like-for-like (cards), Nunjucks templates.
- **Pelican**: like-for-like (cards); people are authors, topics tags, editions categories.
- **+ Pagefind**: with digest's default configuration (search on), Hugo and Eleventy are
  followed by `pagefind --site OUT`, the same Pagefind binary as digest's, timed as part of
  their build. Every anchor marks the entry article `data-pagefind-body`, so Pagefind
  indexes the same pages as digest's index; the like-for-like anchors also give it the
  person, topic and edition filters digest gives. Pelican has no search step of its own
  (a plugin would add one): it is built as is in every row.
"""


@dataclass(frozen=True)
class Build:
    """One timed build, as the tables show it."""

    wall: float
    cpu: float
    largest_kib: int
    total_kib: int
    search: float | None = None  # seconds of it spent on the search index, when known

    @classmethod
    def of(cls, m: Measurement, search: float | None = None) -> Build:
        return cls(m.seconds, m.cpu_seconds, m.largest_kib, m.total_kib, search)


@dataclass
class DigestResult:
    """digest alone at one size in one configuration: every run's builds, every failure."""

    config: str
    size: int
    builds: dict[str, list[Build]] = field(default_factory=dict)
    pages: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    # Per rebuild, how many files of the search index differed from a clean build's, per
    # run where any did (a failure only with --strict-index).
    index_diffs: dict[str, list[int]] = field(default_factory=dict)

    def add(self, scenario: str, build: Build) -> None:
        self.builds.setdefault(scenario, []).append(build)

    def failed(self, scenario: str) -> bool:
        return any(f.startswith(f"{scenario}:") for f in self.failures)


@dataclass
class PairResult:
    """Cold builds of digest (in one configuration) and one anchor, alternated in pairs."""

    config: str
    tool: str
    size: int
    searched: bool  # the anchor ran Pagefind after its build
    pairs: list[tuple[Build, Build]] = field(default_factory=list)
    pages: Counter[str] = field(default_factory=Counter)  # the anchor's
    digest_pages: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return NAMES[self.tool] + (" + Pagefind" if self.searched else "")


def machine() -> str:
    """CPU count and model, memory and kernel: what the figures depend on."""
    cpu, ram = "unknown CPU", "unknown RAM"
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        total = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
    except OSError:
        model = total = None
    if model:
        cpu = model[1]
    if total:
        ram = f"{int(total[1]) / 1024**2:.1f} GiB RAM"
    return f"{os.cpu_count()} CPUs ({cpu}), {ram}, {platform.system()} {platform.release()}"


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _mib(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:,.0f} MiB"


def _spread(values: list[float], unit: str = " s") -> str:
    """`median (min–max)`, or the one value."""
    if not values:
        return "–"
    mid = statistics.median(values)
    if len(values) == 1:
        return f"{mid:.2f}{unit}"
    return f"{mid:.2f}{unit} ({min(values):.2f}–{max(values):.2f})"


def _wall(builds: list[Build]) -> str:
    """Median wall time with its range, and the median search time inside it if any."""
    text = _spread([b.wall for b in builds])
    search = _median(b.search for b in builds)
    return text if search is None else f"{text}, search {search:.2f} s"


def render_digest(results: list[DigestResult], runs: int) -> list[str]:
    """digest alone: one row per configuration and build, every figure a median of runs."""
    lines = [
        f"#### digest alone (median of {runs} run{'s' if runs > 1 else ''})",
        "",
        "| config | build | wall (min–max) | CPU | largest process | all processes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for scenario in ("cold", *REBUILDS):
            builds = r.builds.get(scenario)
            if builds is None and not r.failed(scenario):
                continue
            name = CONFIG_NAMES[r.config]
            if r.failed(scenario) or not builds:
                lines.append(f"| {name} | {scenario} | **FAIL** | – | – | – |")
                continue
            lines.append(
                f"| {name} | {scenario} | {_wall(builds)} | {_s(_median(b.cpu for b in builds))}"
                f" | {_mib(_median(b.largest_kib for b in builds))}"
                f" | {_mib(_median(b.total_kib for b in builds))} |"
            )
    lines.append("")
    counts = {r.pages.total() for r in results if r.pages}
    if counts:
        lines.append(f"- {' or '.join(f'{n:,}' for n in sorted(counts))} HTML pages.")
    for r in results:
        lines += _index_note(r)
        lines += [f"- FAIL digest {CONFIG_NAMES[r.config]}, {f}" for f in r.failures]
    return lines


def _range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def _index_note(r: DigestResult) -> list[str]:
    """One line for every rebuild whose search index differed from a clean build's."""
    if not r.index_diffs:
        return []
    runs = max(len(b) for b in r.builds.values())
    said = ", ".join(
        f"{scenario} ({_range(n)} files, in {len(n)} of {runs} runs)"
        for scenario, n in r.index_diffs.items()
    )
    return [
        f"- {CONFIG_NAMES[r.config]}: the search index (`pagefind/`) differed from a clean "
        f"build's after {said}. Two clean builds of the same site differ there too today "
        "(Pagefind's file names); a failure only with `--strict-index`."
    ]


def _ratios(pairs: list[tuple[Build, Build]], figure: Callable[[Build], float]) -> str:
    """The median of the per-pair ratios digest ÷ anchor, with their range."""
    ratios = [figure(d) / figure(a) for d, a in pairs if figure(a)]
    return _spread(ratios, "×")


def render_pairs(results: list[PairResult]) -> list[str]:
    """Paired cold builds: absolute medians beside the median of the per-pair ratios."""
    if not results:
        return []
    lines = [
        "#### digest and the anchors, cold builds paired",
        "",
        "digest then the anchor, alternated run by run; each ratio is digest ÷ anchor within "
        "one pair, the median of the pairs (min–max). CPU is user + system time of every "
        "process of the build.",
        "",
        "| digest | anchor | pairs | digest wall | anchor wall | wall ratio "
        "| digest CPU | anchor CPU | CPU ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        digest, anchor = [d for d, _ in r.pairs], [a for _, a in r.pairs]
        lines.append(
            f"| {CONFIG_NAMES[r.config]} | {r.label} | {len(r.pairs)} | {_wall(digest)} "
            f"| {_wall(anchor)} | {_ratios(r.pairs, lambda b: b.wall)} "
            f"| {_s(_median(b.cpu for b in digest))} | {_s(_median(b.cpu for b in anchor))} "
            f"| {_ratios(r.pairs, lambda b: b.cpu)} |"
        )
    lines += [
        "",
        "Peak memory in the same builds: the largest single process, and the whole process "
        "tree at once (summed PSS, Pagefind and every other child included); medians, and "
        "the median of the per-pair ratios.",
        "",
        "| digest | anchor | digest largest | anchor largest | ratio "
        "| digest all | anchor all | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        digest, anchor = [d for d, _ in r.pairs], [a for _, a in r.pairs]
        lines.append(
            f"| {CONFIG_NAMES[r.config]} | {r.label} "
            f"| {_mib(_median(b.largest_kib for b in digest))} "
            f"| {_mib(_median(b.largest_kib for b in anchor))} "
            f"| {_ratios(r.pairs, lambda b: b.largest_kib)} "
            f"| {_mib(_median(b.total_kib for b in digest))} "
            f"| {_mib(_median(b.total_kib for b in anchor))} "
            f"| {_ratios(r.pairs, lambda b: b.total_kib)} |"
        )
    return lines


def page_set_notes(results: list[PairResult]) -> list[str]:
    """Per anchor, whether it wrote the same pages as digest, kind by kind."""
    lines: list[str] = []
    seen: set[str] = set()
    for r in results:
        if r.tool in seen or not r.pages:
            continue
        seen.add(r.tool)
        digest = r.digest_pages
        kinds = sorted((set(r.pages) | set(digest)) - EXPECTED_EXTRA)
        diff = ", ".join(
            f"{k} {r.pages[k]} vs {digest[k]}" for k in kinds if r.pages[k] != digest[k]
        )
        extra = ", ".join(f"{r.pages[k]:,} {k}" for k in sorted(EXPECTED_EXTRA) if r.pages[k])
        said = f"- {NAMES[r.tool]}: " + (
            f"page sets differ from digest's: {diff}" if diff else "the same pages as digest"
        )
        lines.append(said + (f" (besides {extra})." if extra else "."))
    return lines


def render_size(size: int, digest: list[DigestResult], pairs: list[PairResult], runs: int) -> str:
    """The Markdown section for one corpus size."""
    lines = [f"### {size:,} entries", ""]
    if digest:
        lines += [*render_digest(digest, runs), ""]
    if pairs:
        lines += [*render_pairs(pairs), ""]
        lines += page_set_notes(pairs)
        lines += [
            f"- FAIL {r.label} ({CONFIG_NAMES[r.config]}): {f}" for r in pairs for f in r.failures
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_report(
    sections: list[str], versions: dict[str, str], notes: list[str], anchors: bool
) -> str:
    """The whole results file: what ran where, then each size's section."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        "see bench/README.md for what is measured and how.",
        "",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}",
        *(f"- {v}" for v in versions.values()),
        *(f"- {n}" for n in notes),
        "",
    ]
    if anchors:
        lines += [ANCHOR_LEGEND]
    return "\n".join(lines) + "\n" + "\n".join(sections)
