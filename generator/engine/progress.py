"""How a build is going and how it went: a status line on a terminal, a stats table.

On a terminal the line is redrawn in place (`\\r`, then clear to the end of the line):
the stage, items done out of the stage's total, and the rate. Piped into a file or a CI
log it writes nothing at all, so logs hold only the messages and the final summary.
`digest build --stats` adds a table of time per stage, page counts and peak memory.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from time import monotonic
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from generator.engine.result import BuildResult

INTERVAL = 0.1  # seconds between redraws: often enough to look alive, cheap enough to ignore
CLEAR_LINE = "\r\x1b[K"  # back to column 0, erase to the end of the line


class Progress:
    """Report stages and item counts; without a terminal (the default) it shows nothing.

    `Progress()` is the do-nothing reporter for library use. `clock` is injectable so
    tests can drive the throttle without waiting.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        clock: Callable[[], float] = monotonic,
        interval: float = INTERVAL,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.interval = interval
        env = os.environ if environ is None else environ
        self.enabled = stream is not None and _redraws(stream, env)
        self.stage_name = ""
        self.total: int | None = None
        self.done = 0
        self._started = 0.0  # when counting began in this stage
        self._drawn_at: float | None = None  # when the line was last drawn; None: redraw now
        self._shown = False  # the line holds our text

    def stage(self, name: str, total: int | None = None) -> None:
        """Start a stage; it is shown at once, whatever the throttle says."""
        self.stage_name, self.total, self.done = name, total, 0
        if self.enabled:
            self._started = self.clock()
            self._draw(self._started)

    def counter(self, total: int) -> Callable[[int], None]:
        """Set how many items the current stage will count; return the callback counting them."""
        self.total, self.done = total, 0
        if self.enabled:
            self._started = self.clock()
            self._draw(self._started)
        return self.advance

    def advance(self, n: int = 1) -> None:
        """Count `n` more items done; redraw when the last redraw is old enough."""
        self.done += n
        if not self.enabled:
            return
        now = self.clock()
        if self._drawn_at is None or now - self._drawn_at >= self.interval:
            self._draw(now)

    def clear(self) -> None:
        """Erase the line so other output starts at column 0; the next update redraws it."""
        if self._shown:
            self._write(CLEAR_LINE)
            self._shown = False
        self._drawn_at = None

    def finish(self) -> None:
        """Erase the line for good: the summary or the error messages come next."""
        self.clear()
        self.enabled = False

    def line(self, now: float) -> str:
        """The status text, e.g. `parse 1200/6150 (19%) 2400/s`."""
        text = self.stage_name
        if self.total is not None:
            share = f" ({self.done * 100 // self.total}%)" if self.total else ""
            text += f" {self.done}/{self.total}{share}"
        elif self.done:
            text += f" {self.done}"
        elapsed = now - self._started
        if self.done and elapsed > 0:
            text += f" {self.done / elapsed:.0f}/s"
        return text

    def _draw(self, now: float) -> None:
        self._drawn_at = now
        width = _columns(self.stream) - 1  # a full-width line would wrap, breaking `\r`
        self._write(CLEAR_LINE + self.line(now)[:width])
        self._shown = True

    def _write(self, text: str) -> None:
        assert self.stream is not None
        try:
            self.stream.write(text)
            # Flushed now: forked workers flush inherited buffers on exit and would repeat it.
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal must not stop a build
            self.enabled = False
            self._shown = False


class Timings(dict[str, float]):
    """Seconds per stage; the progress reporter hears of each stage as it starts."""

    def __init__(self, progress: Progress | None = None) -> None:
        super().__init__()
        self.progress = progress or Progress()

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        self.progress.stage(stage)
        start = time.perf_counter()
        try:
            yield
        finally:
            self[stage] = self.get(stage, 0.0) + time.perf_counter() - start


@contextmanager
def terminal_progress(stream: TextIO) -> Iterator[Progress]:
    """A reporter on `stream` for one command: log messages and the end clear its line.

    The line is cleared on the way out however the command ends, so an error message,
    a warning or the summary printed next starts on a clean line.
    """
    progress = Progress(stream)
    handlers = list(logging.getLogger().handlers)
    clearing = _ClearFirst(progress)
    for handler in handlers:
        handler.addFilter(clearing)
    try:
        yield progress
    finally:
        for handler in handlers:
            handler.removeFilter(clearing)
        progress.finish()


class _ClearFirst(logging.Filter):
    """Erase the progress line before a log record is written below it."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear()
        return True


def _redraws(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Redraw only on a terminal that understands it: not a pipe, not a file, not TERM=dumb.

    The line has no colour, so NO_COLOR has nothing to turn off and leaves it on.
    """
    try:
        interactive = stream.isatty()
    except (OSError, ValueError):
        return False
    return interactive and environ.get("TERM", "") != "dumb"


def _columns(stream: TextIO | None) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return 80
    return columns if columns > 20 else 80  # a pty nobody sized reports 0


def stats_table(result: BuildResult) -> str:
    """Seconds and share per stage, what the build did with the pages, and peak memory."""
    total = sum(result.timings.values())
    rows = [("stage", "seconds", "share")]
    for stage, seconds in result.timings.items():
        rows.append((stage, f"{seconds:.2f}", f"{seconds / total:.0%}" if total else "-"))
    rows.append(("total", f"{total:.2f}", "100%" if total else "-"))
    width = max(len(row[0]) for row in rows)
    lines = [f"{label:<{width}}  {seconds:>8}  {share:>5}" for label, seconds, share in rows]
    if result.nothing_changed:
        lines.append("(no input changed: the build stopped after comparing file stats)")
    stats = result.write
    counts = [("pages rendered", result.rendered)]
    if stats is not None:
        counts += [
            ("files written", stats.written),
            ("files unchanged", stats.unchanged),
            ("files removed", stats.removed),
        ]
    own, children = peak_memory()
    memory = [("peak memory, this process", _megabytes(own))]
    # Linux and macOS report the largest single child, not a sum; forked workers share
    # the parent's pages, and each counts them as its own.
    memory.append(("peak memory, largest child (workers, Pagefind)", _megabytes(children)))
    figures = [(label, str(value)) for label, value in counts] + memory
    width = max(len(label) for label, _ in figures)
    lines.append("")
    lines += [f"{label:<{width}}  {value:>10}" for label, value in figures]
    return "\n".join(lines)


def peak_memory() -> tuple[int | None, int | None]:
    """Peak resident memory in bytes of this process and of its largest waited-for child."""
    try:
        import resource  # here: it is not on Windows
    except ImportError:
        return None, None

    scale = 1 if sys.platform == "darwin" else 1024  # macOS says bytes, Linux KiB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return own, children


def _megabytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    return f"{size / 1e6:.1f} MB" if size else "none ran"
