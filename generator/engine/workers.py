"""Parse, scan and render many files at once, on every core when there are enough of them.

Workers are forked, so they share the already-built site and templates without
pickling them; only file names go in and entries or page bytes come back. Pages come
back a chunk at a time, to be written as they arrive rather than all held at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from generator.config import Config
from generator.digests import hash_bytes
from generator.errors import BuildFailed, DigestError
from generator.model import Entry, Page, shelve_bodies
from generator.render.pages import render_page
from generator.render.templates import make_environment
from generator.source.load import SourceFile
from generator.source.parse import ParseOptions, parse_entry

if TYPE_CHECKING:
    import jinja2

    from generator.newsroom.scan import Scan, Scanner

# Below this many items a pool costs more than it saves.
PARALLEL_PARSE = 200
PARALLEL_SCAN = 400
PARALLEL_RENDER = 400
AHEAD_PER_WORKER = 3  # ranges submitted beyond the one the caller is waiting for

T = TypeVar("T")
R = TypeVar("R")

_job: dict[str, Any] = {}  # what forked workers inherit: the job's shared inputs


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def parse_all(
    sources: Sequence[SourceFile],
    config: Config,
    scanner: Scanner | None = None,
    drafts: bool = False,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[list[Entry], list[DigestError], dict[str, Scan]]:
    """Parse entry files, collecting every error rather than stopping at the first.

    With a scanner, each new entry the site will show is scanned in the same worker while
    it is at hand; the scans come back by entry path.
    """
    shared = {"tz": config.tz, "safe": config.safe_mode, "scanner": scanner, "drafts": drafts}
    shared["options"] = ParseOptions.of(config)
    entries: list[Entry] = []
    errors: list[DigestError] = []
    scans: dict[str, Scan] = {}
    for chunk_entries, chunk_errors, chunk_scans in _map(
        _parse_chunk, sources, PARALLEL_PARSE, shared, on_chunk
    ):
        shelve_bodies(chunk_entries)  # one blob per chunk, and its pieces freed for the next
        entries.extend(chunk_entries)
        errors.extend(chunk_errors)
        scans.update(chunk_scans)
    return entries, errors, scans


def _parse_chunk(span: range) -> tuple[list[Entry], list[DigestError], dict[str, Scan]]:
    entries: list[Entry] = []
    errors: list[DigestError] = []
    scans: dict[str, Scan] = {}
    scanner = _job["scanner"]
    for i in span:
        source = _job["items"][i]
        try:
            data = source.path.read_bytes()
            entry = parse_entry(
                source.rel, data, _job["tz"], safe=_job["safe"], options=_job["options"]
            )
        except DigestError as exc:
            errors.append(exc)
        except BuildFailed as exc:
            errors.extend(exc.errors)
        except OSError as exc:
            errors.append(DigestError(f"cannot read the file: {exc.strerror}", source.rel))
        else:
            entries.append(entry)
    if scanner is not None:  # after the chunk's parsing: scanning runs faster all together
        for entry in entries:
            if _job["drafts"] or not entry.draft:
                scans[entry.path] = scanner.scan(entry)
    return entries, errors, scans


def scan_all(
    entries: Sequence[Entry], scanner: Scanner, *, on_chunk: Callable[[int], None] | None = None
) -> list[Scan]:
    """Read parsed entries for mentions and quotes; the scans come back in the same order."""
    chunks = _map(_scan_chunk, entries, PARALLEL_SCAN, {"scanner": scanner}, on_chunk)
    return [scan for chunk in chunks for scan in chunk]


def _scan_chunk(span: range) -> list[Scan]:
    return [_job["scanner"].scan(_job["items"][i]) for i in span]


# Rendered pages travel back in chunks of at most this many, and are written as each
# chunk arrives: the parent never holds more than a few chunks of page bytes.
RENDER_CHUNK = 100
# A feed (or the sitemap) is several times a page's size: it carries its entries'
# whole bodies. Counted as this many pages, a chunk of them stays a few megabytes.
FEED_WEIGHT = 5

Rendered = tuple[str, bytes, str]  # output path, bytes, their hash


def render_pages(
    root: Path,
    config: Config,
    pages: Sequence[Page],
    env: jinja2.Environment | None = None,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> Generator[list[Rendered], None, None]:
    """Render pages, yielding each chunk as it is done; then raise BuildFailed if any failed.

    A broken template is reported once, not once per page. Pass the `env` of an earlier
    build when no template changed: its compiled templates are kept, which saves
    compiling them all again.
    """
    shared = {"env": env or make_environment(root, config), "root": root}
    errors: dict[str, DigestError] = {}
    chunks = _imap(
        _render_chunk, pages, PARALLEL_RENDER, shared, on_chunk,
        most=RENDER_CHUNK, weigh=_weight, here=True,
    )  # fmt: skip
    for chunk_files, chunk_errors in chunks:
        yield chunk_files
        for error in chunk_errors:
            errors.setdefault(f"{error.location()}:{error.message.split(' (while')[0]}", error)
    if errors:
        raise BuildFailed(errors.values())


def render_all(
    root: Path,
    config: Config,
    pages: Sequence[Page],
    env: jinja2.Environment | None = None,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> dict[str, bytes]:
    """Render pages into memory, all of them (`render_pages` streams them instead)."""
    chunks = render_pages(root, config, pages, env, on_chunk=on_chunk)
    return {path: data for chunk in chunks for path, data, _ in chunk}


def _weight(page: Page) -> int:
    return FEED_WEIGHT if page.output.endswith((".xml", ".json")) else 1


def _render_chunk(span: range) -> tuple[list[Rendered], list[DigestError]]:
    files: list[Rendered] = []
    errors: list[DigestError] = []
    for i in span:
        page = _job["items"][i]
        try:
            data = render_page(_job["env"], page, _job["root"]).encode("utf-8")
        except DigestError as exc:
            errors.append(exc)
            if len(errors) > 20:  # one broken template fails every page alike
                break
        else:  # hashed here, on every core, rather than in the parent
            files.append((page.output, data, hash_bytes(data)))
    return files, errors


def _map(
    work: Callable[[range], R],
    items: Sequence[T],
    threshold: int,
    shared: dict[str, Any],
    on_chunk: Callable[[int], None] | None = None,
) -> list[R]:
    """Run `work` over index ranges of `items` and return every range's result."""
    return list(_imap(work, items, threshold, shared, on_chunk))


def _finished(span: range, future: Future[R], on_chunk: Callable[[int], None] | None) -> R:
    result = future.result()
    if on_chunk is not None:
        on_chunk(len(span))
    return result


def _imap(
    work: Callable[[range], R],
    items: Sequence[T],
    threshold: int,
    shared: dict[str, Any],
    on_chunk: Callable[[int], None] | None = None,
    most: int | None = None,
    weigh: Callable[[T], int] | None = None,
    here: bool = False,
) -> Iterator[R]:
    """Run `work` over index ranges of `items`: in forked workers when worth it, else here.

    Results come in order, each as soon as it and those before it are done; `most`
    caps the items in a range, each counted as `weigh` says (else as one). Workers
    receive only ranges: the items (and whatever they link to, which for a page is the
    whole site) are inherited through fork, never pickled. `on_chunk` is called here,
    in the parent, with the number of items each finished range held.

    With `here`, there is one worker fewer and this process works too, whenever the
    range it is to hand on next is not done yet. A forked worker copies every page of
    the heap it touches (reference counts are writes): once the whole site is built,
    that is tens of megabytes per worker at a large site, while work done here costs
    nothing beyond its own allocations.
    """
    _job.clear()
    _job.update(shared, items=items)
    count = workers()
    if not items:
        return
    if len(items) < threshold or count < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for span in _spans(items, most or len(items), weigh):
            result = work(span)
            if on_chunk is not None:
                on_chunk(len(span))
            yield result
        return
    # Small ranges when working here, so that it does not finish long after the workers.
    size = max(1, len(items) // (count * (16 if here else 4)))
    size = min(size, most) if most else size
    todo = deque(_spans(items, size, weigh))
    context = multiprocessing.get_context("fork")
    gc.freeze()
    forked = count - 1 if here else count
    pending: deque[tuple[range, Future[R]]] = deque()
    # A few ranges ahead of the one being consumed, not all of them: results that
    # arrive faster than the caller writes them would otherwise pile up in memory.
    ahead = forked * AHEAD_PER_WORKER
    held = 2 * ahead if here else ahead + 1  # results done or under way, here or there
    pool: ProcessPoolExecutor | None = None
    finished = False
    try:
        # The workers are forked at the first submit; Ctrl-C waits until each has set
        # itself to leave Ctrl-C to this process (see _start_worker).
        with _interrupts_held():
            pool = ProcessPoolExecutor(
                max_workers=forked, mp_context=context,
                initializer=_start_worker, initargs=(os.getpid(),),
            )  # fmt: skip
            span = todo.popleft()
            pending.append((span, pool.submit(work, span)))
        while todo or pending:
            while todo and len(pending) < held and sum(not f.done() for _, f in pending) < ahead:
                span = todo.popleft()
                pending.append((span, pool.submit(work, span)))
            if here and todo and len(pending) < held and not pending[0][1].done():
                span = todo.popleft()
                pending.append((span, _done_here(work, span)))
                continue
            yield _finished(*pending.popleft(), on_chunk)
        finished = True
    finally:
        if pool is not None and finished:
            pool.shutdown(wait=True)
        elif pool is not None:  # Ctrl-C, an error, a caller that stops early: no range
            _stop_now(pool)  # under way is wanted any more
        gc.unfreeze()


def _spans(items: Sequence[T], size: int, weigh: Callable[[T], int] | None) -> list[range]:
    """Consecutive ranges of `items`, each weighing `size` or just past it."""
    if weigh is None:
        return [range(i, min(i + size, len(items))) for i in range(0, len(items), size)]
    spans: list[range] = []
    start = load = 0
    for i, item in enumerate(items):
        load += weigh(item)
        if load >= size:
            spans.append(range(start, i + 1))
            start, load = i + 1, 0
    if start < len(items):
        spans.append(range(start, len(items)))
    return spans


def _done_here(work: Callable[[range], R], span: range) -> Future[R]:
    """`work` over `span` in this process, as a finished future (an error included)."""
    future: Future[R] = Future()
    try:
        future.set_result(work(span))
    except Exception as exc:  # raised again in its turn, as a worker's would be
        future.set_exception(exc)
    return future


# -- the workers' lifetime ------------------------------------------------------------
#
# A worker lives only as long as the process that forked it. Killed (kill -9, the OOM
# killer, a CI timeout) or ended by SIGTERM, that process takes its workers with it: else
# they would live on asleep for ever, holding its stdout and stderr (so `digest build |
# tee log` never ends) and the build lock. Ctrl-C is the parent's alone: it stops the
# workers at once rather than waiting for the ranges they are rendering.

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_prctl = getattr(_libc, "prctl", None)


def _start_worker(parent: int) -> None:
    """Run first in each worker: die with the parent, and leave Ctrl-C to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    die_with_parent(parent)


def die_with_parent(parent: int, *, watch: bool = True) -> None:
    """Have the kernel kill this process when `parent` ends (Linux), or else (`watch`)
    have a thread watch for it.

    Checked again once set: a parent that died just before would never send the signal.
    The kernel sends it when the forking thread ends, not the process: a pool never
    outlives the call (and so the thread) that made it.
    """
    if _prctl is not None and _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
        if os.getppid() != parent:
            os._exit(1)
    elif watch:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot be asked: end when this process is handed to another parent."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while workers are forked: a worker must not take one before it
    has set itself to ignore it (it would end with a traceback). Delivered after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread handles signals; this one's mask is all that is forked
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers at once, not after the ranges they have under way.

    A range of slow pages can take many seconds, and the executor's own shutdown waits
    for it. The executor does not list its workers but in `_processes`.
    """
    processes = list(dict(getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.join(timeout=5)
    # A worker killed while it sent a result leaves half a message, which the executor's
    # thread would wait on for ever: with this last writer closed, it reads an end instead.
    queue = getattr(pool, "_result_queue", None)
    with contextlib.suppress(OSError, AttributeError):
        queue._writer.close()  # type: ignore[union-attr]
