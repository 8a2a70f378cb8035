"""The benchmark harness (bench/): corpus shape, what a measurement counts, how pairs are
reported. No figure here depends on the machine's speed."""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import make_corpus  # noqa: E402
import measure  # noqa: E402
import pages  # noqa: E402
import report  # noqa: E402

# Python code that holds {n} MiB, every page touched, then runs {tail}.
ALLOCATE = "import time; x = bytearray({n} << 20); x[::4096] = b'1' * len(x[::4096]); {tail}"


def _bodies(count: int) -> list[str]:
    words = make_corpus.Words(random.Random(3))
    people = ["Ada Lovel", "Bo Tran"]
    return [make_corpus.make_body(words, people) for _ in range(count)]


@pytest.mark.parametrize("body", _bodies(40))
def test_corpus_body_is_shaped_like_a_real_entry(body: str) -> None:
    """About 750 words: paragraphs, one heading, one list, one quote, 3 to 5 links."""
    text = re.sub(r"\]\([^)]*\)", "]", body)  # link targets are not words
    blocks = body.strip().split("\n\n")
    assert 700 <= len(re.findall(r"[A-Za-z]+", text)) <= 850
    assert sum(b.startswith("## ") for b in blocks) == 1
    assert sum(b.startswith("- ") for b in blocks) == 1
    assert sum(b.startswith("> ") for b in blocks) == 1
    assert 3 <= body.count("](https://") <= 5
    assert sum(b[0].isalpha() for b in blocks) >= 8  # paragraphs


def test_corpus_leaves_search_at_its_default(tmp_path: Path) -> None:
    make_corpus.write_corpus(tmp_path / "root", 3)
    assert "search" not in re.sub(r"#.*", "", (tmp_path / "root" / "digest.toml").read_text())


def test_measurement_counts_a_waited_child_as_the_largest_process() -> None:
    """A parent of a few MiB whose child takes 80 MiB: the child is the largest process,
    and its CPU time is the build's."""
    child = ALLOCATE.format(n=80, tail="sum(range(3_000_000))")
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    m = measure.measure([sys.executable, "-c", parent])
    assert m.returncode == 0
    assert m.largest_kib >= 80 * 1024
    assert m.total_kib >= m.largest_kib
    assert m.cpu_seconds > 0.05  # the child's loop, not only the parent's start-up


def test_measurement_counts_a_child_nobody_waited_for() -> None:
    """A child its parent never reaps still shows in the largest-process figure (sampled)."""
    child = ALLOCATE.format(n=80, tail="time.sleep(1)")
    parent = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(2)"
    )
    m = measure.measure([sys.executable, "-c", parent])
    assert m.largest_kib >= 80 * 1024


def test_steps_add_up_and_keep_the_largest_peak() -> None:
    small = [sys.executable, "-c", ALLOCATE.format(n=10, tail="")]
    big = [sys.executable, "-c", ALLOCATE.format(n=60, tail="")]
    m = measure.measure_steps([small, big])
    assert len(m.steps) == 2
    assert m.seconds == pytest.approx(sum(m.steps))
    assert m.largest_kib >= 60 * 1024


def test_steps_stop_at_the_first_failure() -> None:
    fail = [sys.executable, "-c", "raise SystemExit(3)"]
    m = measure.measure_steps([fail, [sys.executable, "-c", "pass"]])
    assert (m.returncode, len(m.steps)) == (3, 1)


def _build(wall: float, cpu: float = 1.0, kib: int = 1024) -> report.Build:
    return report.Build(wall, cpu, kib, kib)


def test_pairs_report_the_median_of_per_pair_ratios() -> None:
    """Ratios within pairs (2, 1, 4), not the ratio of the medians (6 / 2 = 3)."""
    result = report.PairResult("no-search", "hugo-minimal", 100, searched=False)
    result.pairs = [
        (_build(4), _build(2)),
        (_build(6), _build(6)),
        (_build(8), _build(2)),
    ]
    row = next(line for line in report.render_pairs([result]) if "Hugo, minimal" in line)
    assert "| 2.00× (1.00–4.00) |" in row


def test_pairs_name_the_anchor_and_its_search_step() -> None:
    searched = report.PairResult("default", "hugo", 100, searched=True)
    assert searched.label == "Hugo, like-for-like + Pagefind"
    assert report.PairResult("default", "pelican", 100, searched=False).label == "Pelican"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("index.html", "home"),
        ("page/3/index.html", "home, pages 2+"),
        ("page/1/index.html", pages.REDIRECTS),
        ("people/ada-lovel/page/1/index.html", pages.REDIRECTS),
        ("people/ada-lovel/index.html", "people"),
        ("topics/x/page/2/index.html", "topics, pages 2+"),
        ("editions/page/2/index.html", "editions index, pages 2+"),
        ("editions/2025-w01/index.html", "editions"),
        ("search/index.html", "search"),
        ("2025/01/02/a-title/index.html", "entries"),
        ("about/index.html", "other"),
    ],
)
def test_page_kinds(path: str, kind: str) -> None:
    assert pages.page_kind(path) == kind


def test_page_sets_set_hugos_page_one_redirects_apart() -> None:
    result = report.PairResult("no-search", "hugo", 100, searched=False)
    result.pages = Counter({"home": 1, "entries": 5, pages.REDIRECTS: 3})
    result.digest_pages = Counter({"home": 1, "entries": 5})
    assert report.page_set_notes([result]) == [
        "- Hugo, like-for-like: the same pages as digest (besides 3 page-1 redirects)."
    ]
    result.pages["entries"] = 4
    assert "entries 4 vs 5" in report.page_set_notes([result])[0]


def test_search_time_is_read_from_digests_stats_table(tmp_path: Path) -> None:
    import run

    log = tmp_path / "build.log"
    log.write_text("1043 files in site/ …\n\nstage    seconds  share\nrender      0.99    65%\n"
                   "search      1.19    51%\ntotal       2.33   100%\n")  # fmt: skip
    assert run.stage_seconds(log, "search") == pytest.approx(1.19)
    log.write_text("no table\n")
    assert run.stage_seconds(log, "search") is None


def test_only_the_search_index_is_set_apart_from_failures(tmp_path: Path) -> None:
    for side, text in (("a", "1"), ("b", "2")):
        for rel in ("pagefind/pagefind-entry.json", "index.html"):
            (tmp_path / side / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / side / rel).write_text(text)
    diffs = pages.tree_differences(tmp_path / "a", tmp_path / "b")
    assert [pages.in_index(d) for d in diffs] == [False, True]
