"""Watch a site's inputs and rebuild once the edits stop.

Three parts, after MkDocs' live server: a watchdog handler that only records paths and
wakes the loop; a loop thread that waits for a short quiet spell (an editor's save, or a
`git checkout` of hundreds of files, arrives as a burst) and then builds once; and a pure
`classify` that says which input a path is, or that it is none (editor temp files, the
output, the cache), so the build's own writes never trigger another build.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from generator.config import CONFIG_NAME
from generator.errors import BuildFailed, DigestError
from generator.source.load import is_ignored_name

log = logging.getLogger(__name__)

INPUT_FOLDERS = {"content": "content", "templates": "template", "static": "static"}
NEVER_INPUTS = {".git", ".digest-cache"}  # hidden anyway; named for the reader
QUIET_SECONDS = 0.05
# Not a path: the live preview's timer says a scheduled entry fell due (a full build).
SCHEDULED = "<scheduled>"
# Reading a file raises "opened" and "closed without writing": the build reads every
# input, so only events that mean the bytes or the names changed are asked for.
WATCHED_EVENTS = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]


def classify(path: str | Path, root: Path, output: Path | None = None) -> str | None:
    """Say which kind of input `path` is: content, template, static, config, or None."""
    parts = _relative_parts(Path(path), root)
    if not parts or _is_under(Path(path), output if output is not None else root / "site"):
        return None
    if any(part in NEVER_INPUTS or is_ignored_name(part) for part in parts):
        return None
    if parts == (CONFIG_NAME,):
        return "config"
    kind = INPUT_FOLDERS.get(parts[0])
    if kind == "template" and len(parts) > 1 and parts[1] == "static":
        return "static"  # theme assets are copied as they are, like static/
    return kind


def _relative_parts(path: Path, root: Path) -> tuple[str, ...] | None:
    """The path's parts below the root, or None when it lies elsewhere."""
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    if not absolute.is_relative_to(base):
        absolute, base = absolute.resolve(), base.resolve()
        if not absolute.is_relative_to(base):
            return None
    return absolute.relative_to(base).parts


def _is_under(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


class ChangeInbox:
    """Paths reported by the observer thread, waiting for the rebuild loop to take them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._paths: list[str] = []
        self.count = 0  # every path ever added
        self.clock = clock
        self.last = clock()  # when the latest path arrived: quiet is counted from it
        self.wake = threading.Event()

    def add(self, paths: Iterable[str]) -> None:
        """Record paths and wake the loop."""
        with self._lock:
            added = [p for p in paths if p]
            self._paths.extend(added)
            self.count += len(added)
            if added:
                self.last = self.clock()
            self.wake.set()

    def quiet_left(self, quiet: float) -> float:
        """Seconds until `quiet` seconds will have passed since the latest path arrived."""
        with self._lock:
            return self.last + quiet - self.clock()

    def take(self) -> list[str]:
        """Hand every recorded path to the loop, once."""
        with self._lock:
            paths, self._paths = self._paths, []
            self.wake.clear()
            return paths


class ChangeHandler(FileSystemEventHandler):
    """The watchdog callback: record the paths an event names and do nothing else."""

    def __init__(self, inbox: ChangeInbox) -> None:
        super().__init__()
        self.inbox = inbox

    def on_any_event(self, event: FileSystemEvent) -> None:
        if type(event) not in WATCHED_EVENTS:
            return
        # An atomic save renames a temp file over the real one: the destination counts.
        paths = [event.src_path, getattr(event, "dest_path", "")]
        self.inbox.add(os.fsdecode(p) for p in paths)


class Watcher:
    """Schedule watches on the inputs only, so writing the output can never loop."""

    def __init__(
        self,
        root: Path,
        inbox: ChangeInbox,
        observer_classes: tuple[Callable[[], BaseObserver], ...] = (Observer, PollingObserver),
    ) -> None:
        self.root = root
        self.handler = ChangeHandler(inbox)
        self.observer_classes = observer_classes
        self.observer: Any = None
        self.fallback_reason: str | None = None  # why the native observer was not used
        self._watches: dict[Path, tuple[Any, int]] = {}  # folder -> (watch, its inode)

    def start(self) -> None:
        """Start the native observer; on OSError (inotify limits) fall back to polling."""
        *natives, last = self.observer_classes
        for observer_class in natives:
            try:
                self._start_with(observer_class)
                return
            except OSError as exc:
                self._discard_observer()
                self.fallback_reason = f"{type(exc).__name__}: {exc}"
                log.debug("native file watching failed", exc_info=True)
        self._start_with(last)

    def _start_with(self, observer_class: Callable[[], BaseObserver]) -> None:
        self.observer = observer_class()
        self.observer.daemon = True
        self._schedule(self.root, recursive=False)  # digest.toml, and folders appearing
        self.refresh()
        self.observer.start()

    def _discard_observer(self) -> None:
        try:
            self.observer.stop()
        except Exception:  # a half-started observer may not stop cleanly; drop it anyway
            log.debug("could not stop a failed observer", exc_info=True)
        self.observer, self._watches = None, {}

    def refresh(self, changed: Iterable[str] = ()) -> None:
        """Watch input folders that appeared or were replaced since; drop vanished ones."""
        touched = {Path(os.path.abspath(p)) for p in changed}
        for name in INPUT_FOLDERS:
            folder = self.root / name
            inode = _inode(folder)
            replaced = Path(os.path.abspath(folder)) in touched  # the folder itself, not a file
            if folder in self._watches and (replaced or self._watches[folder][1] != inode):
                self._unschedule(folder)
            if inode and folder not in self._watches:
                self._schedule(folder, recursive=True)

    def _schedule(self, folder: Path, *, recursive: bool) -> None:
        watch = self.observer.schedule(
            self.handler, str(folder), recursive=recursive, event_filter=WATCHED_EVENTS
        )
        self._watches[folder] = (watch, _inode(folder))

    def _unschedule(self, folder: Path) -> None:
        watch, _ = self._watches.pop(folder)
        try:
            self.observer.unschedule(watch)
        except (KeyError, OSError):  # its folder is gone, and the watch with it
            log.debug("could not unschedule %s", folder, exc_info=True)

    def watched(self) -> dict[Path, bool]:
        """Each watched folder and whether its watch is recursive."""
        return {folder: watch.is_recursive for folder, (watch, _) in self._watches.items()}

    @property
    def kind(self) -> str:
        return "polling" if isinstance(self.observer, PollingObserver) else "native"

    def stop(self) -> None:
        """Stop the observer thread and wait a little for it."""
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)


class BuilderLike(Protocol):
    def build(self, *, changed: list[str] | None = None) -> Any: ...


@dataclass
class Outcome:
    """One rebuild: what triggered it, its result or its errors, and how long it took."""

    paths: list[str]  # the changed inputs, relative to the site root
    result: Any = None  # a BuildResult when the build succeeded
    errors: list[DigestError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class RebuildLoop:
    """Wait for changes, let them settle, build once; a change mid-build means one more."""

    def __init__(
        self,
        builder: BuilderLike,
        root: Path,
        report: Callable[[Outcome], None],
        *,
        inbox: ChangeInbox | None = None,
        quiet: float = QUIET_SECONDS,
        output: Path | None = None,
        on_batch: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.builder = builder
        self.root = root
        self.report = report
        self.inbox = inbox or ChangeInbox()
        self.quiet = quiet
        self.output = output
        self.on_batch = on_batch  # gets every path taken: the watcher refreshes its watches
        self.errors: list[DigestError] = []  # the last build's errors; empty once it succeeds
        self.builds = 0
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self._busy = True
        self._thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        """Run the loop in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="digest-rebuild", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the loop to end, wait for a build in progress; False if one still runs."""
        self._stopping.set()
        self.inbox.wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run(self) -> None:
        """The loop body: sleep until woken, wait for quiet, build what changed."""
        while not self._stopping.is_set():
            self._wait_for_change()
            if self._stopping.is_set() or not self._wait_for_quiet():
                break
            taken = self.inbox.take()
            if self.on_batch is not None:
                self._call(self.on_batch, taken)
            changed = self.relevant(taken)
            if changed:
                self.build_once(changed)
        self._set_busy(False)

    def wait_idle(self, timeout: float) -> bool:
        """Block until the loop sleeps with nothing pending (for tests and shutdown)."""
        with self._idle:
            return self._idle.wait_for(
                lambda: not self._busy and not self.inbox.wake.is_set(), timeout
            )

    def _wait_for_change(self) -> None:
        if not self.inbox.wake.is_set():
            self._set_busy(False)
        self.inbox.wake.wait()
        self._set_busy(True)

    def _wait_for_quiet(self) -> bool:
        """Return once no path arrived for `quiet` seconds; False when asked to stop.

        Quiet is counted from the latest arrival, not in fixed windows from the first:
        a save's open, write and close events land a millisecond apart, and a window
        that began before the last of them would make every lone save wait twice.
        """
        while True:
            left = self.inbox.quiet_left(self.quiet)
            if left <= 0:
                return True
            if self._stopping.wait(left):
                return False

    def _set_busy(self, busy: bool) -> None:
        with self._idle:
            self._busy = busy
            self._idle.notify_all()

    def relevant(self, paths: list[str]) -> list[str]:
        """The distinct input paths among `paths`, relative to the root, in arrival order."""
        seen: dict[str, None] = {}
        for path in paths:
            if path == SCHEDULED:
                seen.setdefault(path, None)
            elif classify(path, self.root, self.output) is not None:
                seen.setdefault(_display(path, self.root), None)
        return list(seen)

    def build_once(self, paths: list[str]) -> Outcome:
        """Build now; never raise, so a broken edit cannot stop the server."""
        start = time.perf_counter()
        outcome = Outcome(paths)
        try:
            # The paths let an edit of one entry skip the full build (see delta.py).
            outcome.result = self.builder.build(changed=paths or None)
        except BuildFailed as exc:
            outcome.errors = list(exc.errors)
        except DigestError as exc:
            outcome.errors = [exc]
        except Exception as exc:  # a bug must not take the preview down; show it instead
            log.error("the build crashed", exc_info=True)
            outcome.errors = [
                DigestError(
                    f"internal error: {type(exc).__name__}: {exc}",
                    hint="this is a bug in digest; the traceback is in the terminal",
                )
            ]
        outcome.seconds = time.perf_counter() - start
        self.builds += 1
        self.errors = outcome.errors
        self._call(self.report, outcome)
        return outcome

    @staticmethod
    def _call(function: Callable[..., None], *args: Any) -> None:
        try:
            function(*args)
        except Exception:
            log.error("error in the rebuild loop's callback", exc_info=True)


def _inode(folder: Path) -> int:
    """The folder's inode, or 0 when it is missing or not a folder."""
    try:
        info = folder.stat()
    except OSError:
        return 0
    return info.st_ino if stat.S_ISDIR(info.st_mode) else 0


def _display(path: str, root: Path) -> str:
    parts = _relative_parts(Path(path), root)
    return "/".join(parts) if parts else path
