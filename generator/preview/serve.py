"""`digest serve`: build, serve the output over HTTP, rebuild on every edit, reload the browser.

The preview is built into a folder of its own inside the cache (`.digest-cache/preview/`),
never into the folder `digest build` writes and you publish: the preview holds drafts.
The reload script, and the banners and tags that mark drafts and scheduled entries
(marks.py), are added to HTML as it is served, so the files on disk stay exactly what
`digest build --drafts --future` writes. Tabs learn of rebuilds over Server-Sent Events:
the URLs that changed (a tab reloads only if its own page did; a stylesheet is swapped in
place), or the errors of a broken edit, shown in an overlay while the last good site
keeps being served.
Requests wait while a build writes (a read-write lock shared with the Builder), so a
half-written site is never served.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.config import load_config
from generator.engine.build import Builder
from generator.engine.cache import CACHE_DIR
from generator.errors import DigestError, UsageError
from generator.preview.httpd import (
    PreviewHTTPServer,
    bind_server,
    page_key,
)
from generator.preview.live import LiveSite
from generator.preview.marks import collect_marks, next_due
from generator.preview.watch import SCHEDULED, ChangeInbox, Outcome, RebuildLoop, Watcher

log = logging.getLogger(__name__)

PREVIEW_FOLDER = f"{CACHE_DIR}/preview"  # under the site root: never published
PREVIEW_STATE = "preview-state.pickle"  # beside `digest build`'s state.pickle, not over it
# A timer wakes the loop when a held-back entry falls due; a long wait is cut into days.
DUE_SLACK, DUE_MAX_WAIT = 0.05, 86_400.0


class DevServer:
    """The live preview: builder, watcher, rebuild loop and HTTP server, run together."""

    def __init__(
        self,
        root: Path,
        output: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        request_timeout: float = 10.0,
        say: Callable[[str], None] | None = None,
        drafts: bool = True,
        future: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root, self.host, self.port = root, host, port
        self.request_timeout = request_timeout
        self.say = say or _print
        self.site = LiveSite(preview_folder(root, output), clock=clock)
        # The cache is saved once, on close, rather than after every keystroke.
        self.builder = Builder(
            root,
            self.site.out,
            state_file=PREVIEW_STATE,
            drafts=drafts,
            future=future,
            # Broken entries are left out (and shown in the overlay), so a first build
            # with one never leaves the preview empty; `_report` keeps the entries the
            # preview shows protected, so a broken edit keeps their last good pages.
            keep_going=True,
            in_place=True,
            write_lock=self.site.rw,
            autosave=False,
            search=False,  # indexing takes seconds; the preview is for reading, not searching
        )
        self.inbox = ChangeInbox()
        self.watcher = Watcher(root, self.inbox)
        self.loop = RebuildLoop(self.builder, root, self._report, inbox=self.inbox)
        self.loop.output, self.loop.on_batch = self.site.out, self.watcher.refresh
        self.httpd: PreviewHTTPServer | None = None
        self._serving: threading.Thread | None = None
        self._warnings: list[str] = []
        self._left_out: list[str] = []
        self._indexed: object = None  # the site whose entries are protected
        self._held: float | None = None  # when the next held-back entry falls due
        self._marked: object = None  # the site whose entries were last marked
        self._by_key: dict[str, Any] = {}  # its entries by page key
        self._timer: threading.Timer | None = None
        self.due_at: float | None = None  # when the timer wakes the loop next

    @property
    def url(self) -> str:
        shown = "localhost" if self.host in ("", "0.0.0.0", "::") else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.port}{self.site.base_path}"

    def start(self) -> DevServer:
        """Bind, watch, build once, then serve and rebuild in background threads."""
        self.httpd, note = bind_server(self.host, self.port, self.site, self.request_timeout)
        self.port = self.httpd.server_address[1]
        if note:
            self.say(note)
        self.watcher.start()  # before the first build, so no edit falls between the two
        if self.watcher.fallback_reason:
            self.say(f"native file watching failed ({self.watcher.fallback_reason}); polling")
        self.loop.build_once([])
        self._serving = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._serving.start()
        self.loop.start()
        return self

    def close(self) -> None:
        """Stop watching, building and serving; end every open event stream; save the cache."""
        self.watcher.stop()
        if self.loop.stop():  # not while a build still runs: it may be mid-way
            self.builder.save()
        if self._timer is not None:  # after the loop: its last build may have set one
            self._timer.cancel()
        self.site.close_all()
        if self.httpd is not None:
            if self._serving is not None:
                self.httpd.shutdown()
            self.httpd.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _report(self, outcome: Outcome) -> None:
        """Tell the tabs and the terminal how a rebuild went."""
        trigger = _trigger(outcome.paths)
        if not outcome.ok:
            lines = [str(error.under(self.root)) for error in outcome.errors]
            served = self.site.good
            self.site.record_failed(lines)
            count = f"{len(lines)} problem{'s' * (len(lines) != 1)}"
            if served:
                self.say(f"{trigger}: {count}; still serving the last good build")
            else:
                self.say(f"{trigger}: {count}; nothing to show until the site builds")
            for line in lines:
                self.say(f"  {line}")
            self._left_out = []
            return
        result = outcome.result
        out = result.out or self.site.out
        if (out, result.config.base_path) != (self.site.out, self.site.base_path):
            with self.site.rw:  # a config edit moved the output or the base path
                self.site.out = self.loop.output = out
                self.site.base_path = result.config.base_path
        left_out = [str(error.under(self.root)) for error in result.skipped]
        if result.site is not None:  # else nothing changed, and the marks stand
            self._mark_entries(result)
            self._held = result.site.next_release
        self.site.record_good(result.changed_urls(), left_out)
        self._wake_when_due()
        if result.site is not None and result.site is not self._indexed:
            self._indexed = result.site
            self.builder.protected = frozenset(e.path for e in result.site.entries)
        self.say(f"{trigger}: {_summary(result)} in {outcome.seconds * 1000:.0f} ms")
        if left_out != self._left_out:
            self._left_out = left_out
            if left_out:
                some = f"{len(left_out)} entr{'ies' if len(left_out) != 1 else 'y'}"
                self.say(f"  {some} left out of the preview until fixed:")
            for line in left_out:
                self.say(f"  {line}")
        if result.warnings != self._warnings:
            self._warnings = list(result.warnings)
            for warning in result.warnings:
                self.say(
                    f"  {warning}" if warning.startswith("note: ") else f"  warning: {warning}"
                )

    def _mark_entries(self, result: Any) -> None:
        """Find the drafts and scheduled entries: all of them after a full build, only
        the edited ones after an edit applied to the last site (the same Site object,
        whose entries keep their URL: a few milliseconds at 100,000 entries saved)."""
        now, site = self.site.clock(), result.site
        if site is not self._marked:
            self._marked = site
            self._by_key = {page_key(e.url): e for e in site.entries}
            self.site.marks = collect_marks(site.entries, result.config, now)
            return
        base = result.config.base_path
        keys = {
            page_key(base + output[: -len("index.html")])
            for output in result.regenerated
            if output.endswith("index.html")
        }
        edited = [self._by_key[key] for key in keys if key in self._by_key]
        marks = {key: mark for key, mark in self.site.marks.items() if key not in keys}
        marks.update(collect_marks(edited, result.config, now))
        self.site.marks = marks

    def fall_due(self) -> None:
        """A scheduled entry's date has come: build (it may enter the preview) and tell
        the tabs whose "Scheduled" banner goes. The timer calls this."""
        self.inbox.add([SCHEDULED])

    def _wake_when_due(self) -> None:
        """Set the timer for the next scheduled entry, shown or held back."""
        now = self.site.clock()
        found = (next_due(self.site.marks.values(), now), self._held)
        times = [t for t in found if t is not None]
        when = min(times, default=None)
        if when == self.due_at and self._timer is not None and self._timer.is_alive():
            return
        if self._timer is not None:
            self._timer.cancel()
        self.due_at, self._timer = when, None
        if when is not None:
            wait = min(max(when - now, 0.0) + DUE_SLACK, DUE_MAX_WAIT)
            self._timer = threading.Timer(wait, self.fall_due)
            self._timer.daemon = True
            self._timer.start()


def serve_site(
    root: Path,
    output: Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    drafts: bool = True,
    future: bool = True,
    stop: threading.Event | None = None,
    on_ready: Callable[[DevServer], None] | None = None,
) -> int:
    """The `digest serve` command: serve with live reload until Ctrl-C (or `stop` is set)."""
    stop = stop or threading.Event()
    dev = DevServer(root, output, host=host, port=port, drafts=drafts, future=future)
    restore = _stop_on_sigterm(stop)
    try:
        dev.start()
        shown = _shown(drafts, future)
        _print(f"Serving {root} at {dev.url} ({shown}); press Ctrl-C to stop")
        if host not in ("127.0.0.1", "localhost", "::1"):
            _print(f"note: {host} may be reachable from other machines")
        if open_browser:
            webbrowser.open(dev.url)
        if on_ready is not None:
            on_ready(dev)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        dev.close()
        restore()
    _print("stopped")
    return 0


def _shown(drafts: bool, future: bool) -> str:
    """Which entries the preview adds to what `digest build` publishes."""
    if drafts and future:
        return "drafts and scheduled entries included, each marked"
    if drafts or future:
        added, left = ("drafts", "scheduled entries") if drafts else ("scheduled entries", "drafts")
        return f"{added} included and marked, {left} left out"
    return "only what `digest build` publishes"


def _stop_on_sigterm(stop: threading.Event) -> Callable[[], None]:
    """Let SIGTERM end the server as cleanly as Ctrl-C does (main thread only), a build
    under way included."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_sigterm(*_: object) -> None:
        stop.set()
        raise KeyboardInterrupt  # what Ctrl-C raises: it ends the first build too

    previous = signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def preview_folder(root: Path, output: Path | None) -> Path:
    """Where the preview is written: `output`, or the cache's; never where `digest build`
    writes (a published site must not get drafts, nor lose its files to a preview)."""
    folder = output if output is not None else root / PREVIEW_FOLDER
    published = _published_folder(root)
    mine, theirs = folder.resolve(), published.resolve()
    if mine == theirs or mine.is_relative_to(theirs) or theirs.is_relative_to(mine):
        raise UsageError(
            f"the preview folder {folder} would write into {published}, the folder "
            "`digest build` writes; leave out -o (the preview goes to "
            f"{root / PREVIEW_FOLDER}) or name a folder of its own"
        )
    return folder


def _published_folder(root: Path) -> Path:
    """Where `digest build` writes the site, even when the config is broken."""
    try:
        return root / load_config(root).output
    except DigestError:
        return root / "site"


def _trigger(paths: list[str]) -> str:
    if not paths:
        return "first build"
    if paths == [SCHEDULED]:
        return "a scheduled entry fell due"
    return paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")


def _summary(result: Any) -> str:
    stats = result.write
    if result.nothing_changed or stats is None:
        return f"nothing changed ({result.pages} files)"
    removed = f", {stats.removed} removed" if stats.removed else ""
    written = f"{stats.written} file{'s' * (stats.written != 1)} written"
    return f"{written}, {stats.unchanged} unchanged{removed}"


def _print(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)
