"""The progress line: silent off a terminal, throttled redraws on one, and the build's hooks."""

from __future__ import annotations

import io
import logging

import pytest

from generator.engine.build import Builder
from generator.engine.progress import CLEAR_LINE, Progress, terminal_progress
from generator.engine.workers import _map
from tests.conftest import WriteTree, entry_text


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal; what was drawn stays readable."""

    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def on_terminal(clock: FakeClock, **environ: str) -> tuple[Progress, FakeTerminal]:
    stream = FakeTerminal()
    return Progress(stream, clock=clock, environ={"TERM": "xterm", **environ}), stream


def test_writes_nothing_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream, clock=FakeClock(), environ={"TERM": "xterm"})
    progress.stage("parse", 10)
    progress.counter(10)(5)
    progress.advance(5)
    progress.clear()
    progress.finish()
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_the_default_reporter_shows_nothing_and_needs_no_stream() -> None:
    progress = Progress()
    progress.stage("render", 3)
    progress.advance(3)
    progress.finish()
    assert (progress.stage_name, progress.done, progress.total) == ("render", 3, 3)


def test_a_dumb_terminal_gets_no_redraws() -> None:
    progress, stream = on_terminal(FakeClock(), TERM="dumb")
    progress.stage("parse", 10)
    progress.advance(10)
    progress.finish()
    assert stream.getvalue() == ""


def test_no_color_keeps_the_line_which_has_no_colour_anyway() -> None:
    progress, stream = on_terminal(FakeClock(), NO_COLOR="1")
    progress.stage("parse", 10)
    assert stream.getvalue() == f"{CLEAR_LINE}parse 0/10 (0%)"
    assert stream.getvalue().replace(CLEAR_LINE, "").isprintable()


def test_redraws_one_line_with_stage_done_total_and_rate() -> None:
    clock = FakeClock()
    progress, stream = on_terminal(clock)
    progress.stage("parse", 200)
    clock.now += 2.0
    progress.advance(50)
    clock.now += 2.0
    progress.advance(50)
    drawn = stream.getvalue().split(CLEAR_LINE)
    assert drawn == ["", "parse 0/200 (0%)", "parse 50/200 (25%) 25/s", "parse 100/200 (50%) 25/s"]
    assert "\n" not in stream.getvalue()
    progress.finish()
    assert stream.getvalue().endswith(CLEAR_LINE)
    progress.advance(1)  # after finish, nothing more is drawn
    assert stream.getvalue().endswith(CLEAR_LINE)


def test_a_stage_without_a_total_shows_its_name_then_the_count_once_known() -> None:
    clock = FakeClock()
    progress, stream = on_terminal(clock)
    progress.stage("render")
    count = progress.counter(400)  # the plan says how many pages are stale
    clock.now += 1.0
    count(100)
    assert stream.getvalue().split(CLEAR_LINE)[1:] == [
        "render",
        "render 0/400 (0%)",
        "render 100/400 (25%) 100/s",
    ]


def test_redraws_are_throttled_but_stage_changes_show_at_once() -> None:
    clock = FakeClock()
    progress, stream = on_terminal(clock)
    progress.stage("parse", 1000)
    for _ in range(50):  # a burst within one interval: no redraw
        clock.now += 0.001
        progress.advance(1)
    assert stream.getvalue().count(CLEAR_LINE) == 1
    clock.now += 0.1
    progress.advance(1)
    assert stream.getvalue().count(CLEAR_LINE) == 2
    assert stream.getvalue().split(CLEAR_LINE)[-1].startswith("parse 51/1000 (5%) ")
    progress.advance(1)  # right after a redraw: not yet
    assert stream.getvalue().count(CLEAR_LINE) == 2
    progress.stage("scan")
    assert stream.getvalue().endswith(f"{CLEAR_LINE}scan")


def test_clearing_erases_the_line_and_the_next_update_redraws_it() -> None:
    clock = FakeClock()
    progress, stream = on_terminal(clock)
    progress.stage("parse", 10)
    progress.clear()
    assert stream.getvalue().endswith(CLEAR_LINE)
    progress.clear()  # nothing shown: nothing written
    assert stream.getvalue().count(CLEAR_LINE) == 2
    progress.advance(1)  # within the interval, but the line was wiped: draw it again
    assert stream.getvalue().endswith(f"{CLEAR_LINE}parse 1/10 (10%)")


def test_the_line_never_wraps() -> None:
    progress, stream = on_terminal(FakeClock())
    progress.stage("x" * 500)
    assert len(stream.getvalue()) == len(CLEAR_LINE) + 79  # no size known: 80 columns


def test_a_broken_terminal_does_not_stop_the_build() -> None:
    class Closed(FakeTerminal):
        def write(self, text: str) -> int:
            raise OSError("gone")

    progress = Progress(Closed(), clock=FakeClock(), environ={})
    progress.stage("parse", 10)
    progress.advance(10)
    assert not progress.enabled


def test_log_messages_and_errors_start_on_a_clean_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = FakeTerminal()
    monkeypatch.setenv("TERM", "xterm")
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with pytest.raises(RuntimeError), terminal_progress(stream) as progress:
            progress.stage("parse", 4)
            logging.getLogger("generator.engine.cache").warning("could not write the build cache")
            progress.stage("render", 4)
            raise RuntimeError("the build crashed")
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == (
        f"{CLEAR_LINE}parse 0/4 (0%){CLEAR_LINE}could not write the build cache\n"
        f"{CLEAR_LINE}render 0/4 (0%){CLEAR_LINE}"
    )
    assert not handler.filters  # the filter goes when the command ends


@pytest.mark.parametrize("threshold", [1, 10_000], ids=["workers", "in-process"])
def test_map_counts_every_item_as_chunks_arrive_and_keeps_their_order(threshold: int) -> None:
    counted: list[int] = []
    items = list(range(37))
    chunks = _map(_double, items, threshold, {}, counted.append)
    assert [x for chunk in chunks for x in chunk] == [2 * x for x in items]
    assert sum(counted) == len(items)


def _double(span: range) -> list[int]:
    from generator.engine.workers import _job

    return [2 * _job["items"][i] for i in span]


class Recorder(Progress):
    """Records what a build reports."""

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[str] = []
        self.counts: dict[str, tuple[int, int]] = {}  # stage -> (total, done)

    def stage(self, name: str, total: int | None = None) -> None:
        super().stage(name, total)
        self.stages.append(name)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        self.counts[self.stage_name] = (self.total or 0, self.done)


def test_a_build_reports_each_stage_and_counts_its_items(write_tree: WriteTree) -> None:
    root = write_tree({f"content/e{i}.md": entry_text(f"Entry {i}") for i in range(3)})
    recorder = Recorder()
    result = Builder(root, search=False, progress=recorder).build()
    assert recorder.stages == list(result.timings)
    assert recorder.stages[:6] == ["load", "parse", "scan", "index", "render", "write"]
    assert recorder.counts["parse"] == (3, 3)
    assert recorder.counts["render"] == (result.rendered, result.rendered)


def test_builder_without_a_reporter_prints_nothing(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"content/a.md": entry_text("Hello")})
    Builder(root, search=False).build()
    assert capsys.readouterr() == ("", "")
