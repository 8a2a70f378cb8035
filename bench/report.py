"""Turn the harness's measurements into the Markdown tables of bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from measure import Measurement

DIGEST_SCENARIOS = ("cold", "no-change", "body edit", "people edit", "template edit")
ANCHOR_SCENARIOS = ("cold", "no-change")
NAMES = {"digest": "digest", "hugo": "Hugo", "eleventy": "Eleventy", "pelican": "Pelican"}


@dataclass
class Result:
    """One tool at one size: every run's measurements and every correctness failure."""

    tool: str
    size: int
    times: dict[str, list[float]] = field(default_factory=dict)
    peaks: list[int] = field(default_factory=list)
    pages: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def add(self, scenario: str, m: Measurement) -> None:
        self.times.setdefault(scenario, []).append(m.seconds)

    def median(self, scenario: str) -> float | None:
        values = self.times.get(scenario)
        return statistics.median(values) if values else None

    def failed(self, scenario: str) -> bool:
        return any(f.startswith(f"{scenario}:") for f in self.failures)

    @property
    def peak_mib(self) -> float | None:
        return statistics.median(self.peaks) / 1024 if self.peaks else None


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


def _seconds(result: Result, scenario: str) -> str:
    if result.failed(scenario):
        return "**FAIL**"
    value = result.median(scenario)
    return "–" if value is None else f"{value:.2f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def render_table(size: int, results: list[Result]) -> str:
    """The Markdown section for one corpus size: figures, ratios, page-set checks, failures."""
    head = ["tool", *DIGEST_SCENARIOS, "peak memory", "pages"]
    lines = [f"### {size:,} entries", "", "| " + " | ".join(head) + " |"]
    lines.append("|---" + "|---:" * (len(head) - 1) + "|")
    for r in results:
        cells = [_seconds(r, s) for s in DIGEST_SCENARIOS]
        peak = f"{r.peak_mib:.0f} MiB" if r.peak_mib else "–"
        lines.append(f"| {NAMES[r.tool]} | {' | '.join(cells)} | {peak} | {r.pages.total():,} |")
    digest, others = results[0], results[1:]
    if others:
        lines += [
            "",
            "| digest ÷ anchor | cold | no-change | peak memory |",
            "|---|---:|---:|---:|",
        ]
        for r in others:
            cold = _ratio(digest.median("cold"), r.median("cold"))
            still = _ratio(digest.median("no-change"), r.median("no-change"))
            lines.append(
                f"| {NAMES[r.tool]} | {cold} | {still} | {_ratio(digest.peak_mib, r.peak_mib)} |"
            )
    lines.append("")
    for r in others:
        if r.pages and r.pages != digest.pages:
            kinds = sorted(set(r.pages) | set(digest.pages))
            diff = ", ".join(
                f"{k} {r.pages[k]} vs {digest.pages[k]}"
                for k in kinds
                if r.pages[k] != digest.pages[k]
            )
            lines.append(f"- Page sets differ, {NAMES[r.tool]} vs digest: {diff}.")
        elif r.pages:
            lines.append(f"- {NAMES[r.tool]} wrote the same pages as digest, kind by kind.")
    lines += [f"- FAIL {NAMES[r.tool]} {f}" for r in results for f in r.failures]
    return "\n".join(lines) + "\n"


def render_report(
    sections: list[str], versions: dict[str, str], notes: list[str], runs: int
) -> str:
    """The whole results file: what ran where, then each size's section."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Each figure is the median of {runs} run{'s' if runs > 1 else ''}; "
        "see bench/README.md for what is measured and how.",
        "",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}",
        *(f"- {v}" for v in versions.values()),
        *(f"- {n}" for n in notes),
        "",
    ]
    return "\n".join(lines) + "\n" + "\n".join(sections)
