"""The watcher and the rebuild loop, driven in-process with events and a fake builder."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from watchdog.events import (
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)
from watchdog.observers.polling import PollingObserver

from generator.errors import BuildFailed, DigestError
from generator.preview.watch import (
    ChangeHandler,
    ChangeInbox,
    Outcome,
    RebuildLoop,
    Watcher,
    classify,
)
from tests.helpers import BrokenObserver

WAIT = 15.0  # generous: these waits end as soon as the event arrives

# -- classify ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("content/2025/x.md", "content"),
        ("content/people.yaml", "content"),
        ("content/2025", "content"),
        ("templates/entry.html", "template"),
        ("templates/partials/card.html", "template"),
        ("templates/static/style.css", "static"),
        ("static/img/logo.png", "static"),
        ("digest.toml", "config"),
    ],
)
def test_classify_names_each_kind_of_input(tmp_path: Path, rel: str, kind: str) -> None:
    assert classify(tmp_path / rel, tmp_path) == kind


@pytest.mark.parametrize(
    "rel",
    [
        "content/.x.md.swp",  # vim swap
        "content/.x.md.swx",
        "content/4913",  # vim's write test
        "content/#x.md#",  # emacs auto-save
        "content/.#x.md",  # emacs lock
        "content/x.md___jb_tmp___",  # JetBrains safe write
        "content/x.md___jb_old___",
        "content/x.md~",  # backup
        "templates/entry.html~",
        "digest.toml~",
        "content/.hidden/x.md",
        "site/index.html",  # the output
        "site/2025/06/04/x/index.html",
        ".digest-cache/state.pickle",
        ".git/index",
        ".git/refs/heads/main",
        "README.md",  # the root holds other things too
        "notes/x.md",
        "",
    ],
)
def test_classify_ignores_temp_files_output_cache_and_strangers(tmp_path: Path, rel: str) -> None:
    assert classify(tmp_path / rel, tmp_path) is None


def test_classify_ignores_a_configured_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert classify(out / "index.html", tmp_path, out) is None
    assert classify(tmp_path / "content/x.md", tmp_path, out) == "content"


def test_classify_ignores_paths_outside_the_root(tmp_path: Path) -> None:
    assert classify(tmp_path.parent / "content/x.md", tmp_path) is None


def test_classify_accepts_relative_and_string_paths(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert classify("content/x.md", Path(".")) == "content"
    assert classify(str(tmp_path / "digest.toml"), tmp_path) == "config"


# -- the handler ---------------------------------------------------------------


def test_handler_records_the_destination_of_an_atomic_save(tmp_path: Path) -> None:
    inbox = ChangeInbox()
    handler = ChangeHandler(inbox)
    temp, real = tmp_path / "content/.x.md.tmp", tmp_path / "content/x.md"
    handler.dispatch(FileMovedEvent(str(temp), str(real)))
    assert inbox.wake.is_set()
    assert inbox.take() == [str(temp), str(real)]
    assert not inbox.wake.is_set()


def test_handler_ignores_reads_and_folder_touches(tmp_path: Path) -> None:
    inbox = ChangeInbox()
    handler = ChangeHandler(inbox)
    path = str(tmp_path / "content/x.md")
    handler.dispatch(FileOpenedEvent(path))  # the build itself reads every input
    handler.dispatch(FileClosedNoWriteEvent(path))
    handler.dispatch(DirModifiedEvent(str(tmp_path / "content")))
    assert not inbox.wake.is_set()
    assert inbox.take() == []


def test_quiet_is_counted_from_the_latest_arrival() -> None:
    # A save arrives as open, write and close events a moment apart: the quiet spell
    # starts after the last of them, and only a path (not an empty report) restarts it.
    now = [10.0]
    inbox = ChangeInbox(clock=lambda: now[0])
    inbox.add(["content/x.md"])
    now[0] = 10.03
    assert inbox.quiet_left(0.05) == pytest.approx(0.02)
    inbox.add(["content/x.md"])
    assert inbox.quiet_left(0.05) == pytest.approx(0.05)
    now[0] = 10.06
    inbox.add([])
    assert inbox.quiet_left(0.05) == pytest.approx(0.02)
    now[0] = 10.08
    assert inbox.quiet_left(0.05) <= 0


# -- the rebuild loop ----------------------------------------------------------


class FakeBuilder:
    """Counts builds; can hold a build open, or fail, on request."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Semaphore(0)  # released once per build started
        self.gate: threading.Event | None = None  # when set, builds wait for it
        self.failures: list[Exception] = []  # raised by the next builds, in order

    def build(self, *, changed: list[str] | None = None) -> Any:
        self.calls += 1
        self.changed = changed
        self.started.release()
        if self.gate is not None:
            assert self.gate.wait(WAIT), "the test never released the build"
        if self.failures:
            raise self.failures.pop(0)
        return SimpleNamespace(changed_urls=lambda: ["/"], out=None)


@pytest.fixture
def loop_parts(tmp_path: Path):
    builder = FakeBuilder()
    outcomes: list[Outcome] = []
    loop = RebuildLoop(builder, tmp_path, outcomes.append, quiet=0.05)
    loop.start()
    yield SimpleNamespace(
        root=tmp_path,
        builder=builder,
        outcomes=outcomes,
        loop=loop,
        handler=ChangeHandler(loop.inbox),
    )
    if builder.gate is not None:
        builder.gate.set()
    loop.stop()


def modified(parts: SimpleNamespace, rel: str) -> None:
    parts.handler.dispatch(FileModifiedEvent(str(parts.root / rel)))


def test_burst_of_300_events_gives_one_rebuild(loop_parts: SimpleNamespace) -> None:
    # Like `git checkout`: hundreds of files change at once, and all arrive before
    # the loop has seen a quiet spell.
    burst = threading.Thread(
        target=lambda: [modified(loop_parts, f"content/e{i}.md") for i in range(300)]
    )
    loop_parts.loop.quiet = 0.5  # far longer than dispatching 300 events takes
    burst.start()
    burst.join(WAIT)
    assert loop_parts.loop.wait_idle(WAIT)
    assert loop_parts.builder.calls == 1
    (outcome,) = loop_parts.outcomes
    assert outcome.ok
    assert len(outcome.paths) == 300
    assert outcome.paths[0] == "content/e0.md"


def test_change_during_build_gives_exactly_one_more_build(loop_parts: SimpleNamespace) -> None:
    builder = loop_parts.builder
    builder.gate = threading.Event()
    modified(loop_parts, "content/a.md")
    assert builder.started.acquire(timeout=WAIT)  # the first build is running
    for i in range(20):  # edits that land while it runs
        modified(loop_parts, f"content/b{i}.md")
    builder.gate.set()
    assert builder.started.acquire(timeout=WAIT)  # the follow-up build
    assert loop_parts.loop.wait_idle(WAIT)
    assert builder.calls == 2
    assert [len(o.paths) for o in loop_parts.outcomes] == [1, 20]


def test_recovery_after_an_error_clears_the_error_state(loop_parts: SimpleNamespace) -> None:
    builder, loop = loop_parts.builder, loop_parts.loop
    broken = DigestError("cannot read 'nope' as a date", "content/a.md", 3, "write 2025-06-04")
    builder.failures = [BuildFailed([broken])]
    modified(loop_parts, "content/a.md")
    assert loop.wait_idle(WAIT)
    assert builder.calls == 1
    assert [str(e) for e in loop.errors] == [
        "content/a.md:3: cannot read 'nope' as a date — write 2025-06-04"
    ]
    assert not loop_parts.outcomes[-1].ok

    modified(loop_parts, "content/a.md")
    assert loop.wait_idle(WAIT)
    assert builder.calls == 2
    assert loop.errors == []
    assert loop_parts.outcomes[-1].ok


def test_a_crash_in_the_builder_is_reported_not_raised(loop_parts: SimpleNamespace) -> None:
    loop_parts.builder.failures = [RuntimeError("boom")]
    modified(loop_parts, "content/a.md")
    assert loop_parts.loop.wait_idle(WAIT)
    (error,) = loop_parts.outcomes[-1].errors
    assert "RuntimeError: boom" in str(error)
    modified(loop_parts, "content/a.md")  # the loop is still alive
    assert loop_parts.loop.wait_idle(WAIT)
    assert loop_parts.outcomes[-1].ok


def test_events_for_ignored_paths_cause_no_build(loop_parts: SimpleNamespace) -> None:
    for rel in [
        "content/.x.md.swp",
        "content/4913",
        "site/index.html",
        ".digest-cache/s",
        ".git/x",
    ]:
        modified(loop_parts, rel)
    assert loop_parts.loop.wait_idle(WAIT)
    assert loop_parts.builder.calls == 0
    modified(loop_parts, "content/x.md")  # but a real edit still builds
    assert loop_parts.loop.wait_idle(WAIT)
    assert loop_parts.builder.calls == 1
    assert loop_parts.outcomes[-1].paths == ["content/x.md"]


def test_atomic_save_builds_with_the_real_name(loop_parts: SimpleNamespace) -> None:
    root = loop_parts.root
    event = FileMovedEvent(str(root / "content/x.md___jb_tmp___"), str(root / "content/x.md"))
    loop_parts.handler.dispatch(event)
    assert loop_parts.loop.wait_idle(WAIT)
    assert loop_parts.outcomes[-1].paths == ["content/x.md"]


def test_stop_ends_the_loop_thread(tmp_path: Path) -> None:
    loop = RebuildLoop(FakeBuilder(), tmp_path, lambda outcome: None)
    thread = loop.start()
    loop.stop()
    thread.join(WAIT)
    assert not thread.is_alive()


# -- the watcher, with a real observer -----------------------------------------


def make_site(root: Path) -> None:
    for folder in ("content", "templates", "site", ".digest-cache"):
        (root / folder).mkdir()
    (root / "content/a.md").write_text("old")


def wait_for_path(inbox: ChangeInbox, path: Path) -> bool:
    """Take batches from the inbox until one names `path` (earlier events may come first)."""
    deadline = time.monotonic() + WAIT
    while (left := deadline - time.monotonic()) > 0:
        if inbox.wake.wait(left) and str(path) in inbox.take():
            return True
    return False


def test_watcher_never_watches_the_output_or_cache(tmp_path: Path) -> None:
    make_site(tmp_path)
    watcher = Watcher(tmp_path, ChangeInbox())
    watcher.start()
    try:
        watched = watcher.watched()
    finally:
        watcher.stop()
    assert watched == {tmp_path: False, tmp_path / "content": True, tmp_path / "templates": True}


def test_watcher_sees_an_atomic_rename(tmp_path: Path) -> None:
    make_site(tmp_path)
    builder = FakeBuilder()
    outcomes: list[Outcome] = []
    watcher = Watcher(tmp_path, ChangeInbox())
    loop = RebuildLoop(builder, tmp_path, outcomes.append, inbox=watcher.handler.inbox)
    watcher.start()
    loop.start()
    try:
        (tmp_path / "site/index.html").write_text("output")  # not watched: no build
        temp = tmp_path / "content/.a.md.tmp"
        temp.write_text("new")
        os.replace(temp, tmp_path / "content/a.md")
        assert builder.started.acquire(timeout=WAIT)
        assert loop.wait_idle(WAIT)
    finally:
        loop.stop()
        watcher.stop()
    assert all(o.paths == ["content/a.md"] for o in outcomes)


def test_watcher_follows_input_folders_created_or_replaced_later(tmp_path: Path) -> None:
    make_site(tmp_path)
    inbox = ChangeInbox()
    watcher = Watcher(tmp_path, inbox)
    watcher.start()
    try:
        (tmp_path / "static").mkdir()
        watcher.refresh()
        assert watcher.watched()[tmp_path / "static"] is True
        (tmp_path / "static/app.css").write_text("body{}")
        assert wait_for_path(inbox, tmp_path / "static/app.css")
        shutil.rmtree(tmp_path / "static")  # replaced wholesale, as some tools do
        (tmp_path / "static").mkdir()
        watcher.refresh([str(tmp_path / "static")])  # the root watch reports the folder
        (tmp_path / "static/app.css").write_text("body{color:red}")
        assert wait_for_path(inbox, tmp_path / "static/app.css")
    finally:
        watcher.stop()


def test_watcher_falls_back_to_polling(tmp_path: Path) -> None:
    make_site(tmp_path)
    inbox = ChangeInbox()
    watcher = Watcher(tmp_path, inbox, observer_classes=(BrokenObserver, PollingObserver))
    watcher.start()
    try:
        assert watcher.kind == "polling"
        assert "inotify watch limit reached" in (watcher.fallback_reason or "")
        (tmp_path / "content/a.md").write_text("changed, and longer")
        assert wait_for_path(inbox, tmp_path / "content/a.md")
    finally:
        watcher.stop()
