"""What the live preview's request threads share with its rebuild loop: the output
folder and the lock that keeps a half-written site from being served, the build number,
the errors of a broken edit, the draft and scheduled marks, and every tab's event stream.

Tabs learn of rebuilds over Server-Sent Events: the URLs that changed (a tab reloads only
if its own page did; a stylesheet is swapped in place), or the errors of a broken edit,
shown in an overlay while the last good site keeps being served."""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from generator.preview.httpd import (
    MARKS_URL,
    Answer,
    inject_script,
    locate,
    page_key,
    request_target,
)
from generator.preview.marks import Mark, add_banner, marks_css

MAX_STREAMS = 100  # open event streams; one per tab
HISTORY = 200  # builds whose changed URLs a reconnecting tab can catch up on
# A changed page up to this size travels with the event that announces it: the tab
# swaps it in without asking for it. A larger one is fetched as before.
PUSH_BYTES = 1 << 20


class ReadWriteLock:
    """Requests read at once; a build's write (`with lock:`) waits for them and holds new ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writers = 0  # writing or waiting to write: new readers queue behind them
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def __enter__(self) -> None:
        with self._cond:
            self._writers += 1
            self._cond.wait_for(lambda: not self._readers and not self._writing)
            self._writing = True

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._writing = False
            self._writers -= 1
            self._cond.notify_all()


class EventStream:
    """One tab's event stream: messages queued for its handler thread to send."""

    def __init__(self, page: str = "") -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
        self.closed = False
        self.page = page_key(page) if page else ""  # the URL the tab shows, as `changed` names it

    def put(self, message: bytes | None) -> bool:
        try:
            self.queue.put_nowait(message)
            return True
        except queue.Full:  # a tab that stopped reading is dropped, not waited for
            self.closed = True
            return False


class LiveSite:
    """What request threads share with the rebuild loop: output, build number, errors, tabs."""

    def __init__(
        self, out: Path, base_path: str = "/", clock: Callable[[], float] = time.time
    ) -> None:
        self.out = out
        self.base_path = base_path
        self.clock = clock  # what "scheduled" is measured against
        self.marks: dict[str, Mark] = {}  # page key -> its draft or scheduled mark
        self._banners: dict[str, str] = {}  # page key -> its banner, as tabs last heard
        self.rw = ReadWriteLock()
        self.instance = secrets.token_hex(4)  # a restarted server is a new instance
        self._lock = threading.Lock()
        self._build = 0
        self._history: deque[tuple[int, list[str]]] = deque(maxlen=HISTORY)
        self.errors: list[str] = []
        self.partial = False  # the errors are entries left out of a site that is served
        self.good = False  # a good build of this server is being served
        self._streams: set[EventStream] = set()

    def version(self) -> str:
        with self._lock:
            return f"{self.instance}:{self._build}"

    def record_good(self, urls: list[str], left_out: list[str] | None = None) -> None:
        """A good build: tell every tab what changed, and which broken entries it left out
        (an overlay shows them over the new site); with none, the overlay goes.

        A tab whose own page changed gets the page with the event (as a request for it
        would be answered now), which saves it a round trip before it can swap it in.
        """
        with self._lock:
            urls = [*urls, *self._marks_changed()]
            self._build += 1
            self._history.append((self._build, urls))
            self.errors, self.partial, self.good = list(left_out or []), bool(left_out), True
            changed = {page_key(url) for url in urls}
            pages: dict[str, str | None] = {}
            for stream in list(self._streams):
                data: dict[str, Any] = {"urls": urls}
                if stream.page in changed:
                    if stream.page not in pages:
                        pages[stream.page] = self._page_html(stream.page)
                    if pages[stream.page] is not None:
                        data["page"], data["html"] = stream.page, pages[stream.page]
                if not stream.put(self._message("changed", data)):
                    self._streams.discard(stream)
            if self.errors:
                self._broadcast("error", self._errors_shown())

    def _page_html(self, url: str) -> str | None:
        """The HTML a request for `url` gets now, script added; None to let the tab fetch it."""
        try:
            rel, trailing = request_target(quote(url), self.base_path)
            with self.rw.reading():
                path = locate(self.out, rel, trailing)
                body = path.read_bytes() if path and path.suffix.lower() == ".html" else None
        except (Answer, OSError):
            return None
        if body is None or len(body) > PUSH_BYTES:
            return None
        version = f"{self.instance}:{self._build}"
        return self.dress(body, url, version).decode("utf-8", errors="replace")

    def dress(self, page: bytes, key: str, version: str) -> bytes:
        """An HTML page as served: its draft or scheduled banner, and the reload script."""
        mark = self.marks.get(key) if key else None
        banner = mark.banner(self.clock()) if mark is not None else ""
        return inject_script(add_banner(page, banner) if banner else page, version)

    def marks_css(self) -> str:
        return marks_css(self.marks.values(), self.clock())

    def _marks_changed(self) -> list[str]:
        """The pages whose banner changed since tabs last heard (an edit, or the clock
        passing a scheduled date), and the tags' stylesheet with them."""
        now = self.clock()
        banners = {key: text for key, mark in self.marks.items() if (text := mark.banner(now))}
        keys = banners.keys() | self._banners.keys()
        changed = sorted(k for k in keys if banners.get(k) != self._banners.get(k))
        self._banners = banners
        return [*changed, MARKS_URL] if changed else []

    def record_failed(self, lines: list[str]) -> None:
        """A broken edit: every tab shows the errors; the last good site stays."""
        with self._lock:
            self.errors, self.partial = lines, False
            self._broadcast("error", self._errors_shown())

    def status(self) -> dict[str, Any]:
        with self._lock:
            build = f"{self.instance}:{self._build}"
            return {"build": build, "errors": list(self.errors), "partial": self.partial}

    def _errors_shown(self) -> dict[str, Any]:
        """The errors for the overlay, headed by what the tab is showing meanwhile."""
        if self.partial:
            title = "digest: these entries do not build and are left out of the preview."
        elif self.good:
            title = "digest: the last edit does not build. Showing the last good version."
        else:
            title = "digest: the site does not build yet."
        return {"errors": self.errors, "title": title}

    def open_stream(self, since: str, page: str = "") -> EventStream | None:
        """Register a tab showing `page`; queue what it missed since `since` and the state."""
        with self._lock:
            if len(self._streams) >= MAX_STREAMS:
                return None
            stream = EventStream(page)
            missed = self._missed(since)
            if missed:
                stream.put(self._message("changed", {"urls": missed}))
            if self.errors:
                stream.put(self._message("error", self._errors_shown()))
            else:
                stream.put(self._message("ok", {}))
            self._streams.add(stream)
            return stream

    def close_stream(self, stream: EventStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def stream_count(self) -> int:
        with self._lock:
            return len(self._streams)

    def close_all(self) -> None:
        """End every stream so their threads return (on shutdown)."""
        with self._lock:
            for stream in self._streams:
                stream.closed = True
                stream.put(None)
            self._streams.clear()

    def _missed(self, since: str) -> list[str]:
        """URLs changed after the build a tab last saw; ["*"] when that is unknowable."""
        if not since:
            return []
        instance, _, number = since.partition(":")
        if instance != self.instance or not number.isdigit():
            return ["*"]
        seen = int(number)
        if seen >= self._build:
            return []
        if not self._history or self._history[0][0] > seen + 1:
            return ["*"]
        urls = {url for build, changed in self._history if build > seen for url in changed}
        return sorted(urls)

    def _broadcast(self, event: str, data: dict[str, Any]) -> None:
        message = self._message(event, data)
        for stream in list(self._streams):
            if not stream.put(message):
                self._streams.discard(stream)

    def _message(self, event: str, data: dict[str, Any]) -> bytes:
        payload = json.dumps(data, ensure_ascii=False)
        return f"id: {self.instance}:{self._build}\nevent: {event}\ndata: {payload}\n\n".encode()
