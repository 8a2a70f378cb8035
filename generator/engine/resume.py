"""Keep the last build's site and plan on disk, so that a `digest build` process after a
one-entry edit can apply it the way the live preview does (see delta.py).

A fresh process would otherwise index every entry, plan every page and fingerprint each
before finding the three pages an edit changed: most of a second at a few thousand
entries. Reading the snapshot back takes a tenth of that.

The site is a graph: entries name their people and related entries, people list their
entries. A plain pickle follows such links depth first and overflows the stack long
before 10,000 entries. Here each entry, person, topic and edition is written first as
an empty shell, and its fields later, in batches, so the pickle nests no deeper than
the containers of one object; one memo across the batches keeps every shared object
shared when read back.
"""

from __future__ import annotations

import pickle
import secrets
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from generator.engine import cache as build_cache
from generator.engine import delta
from generator.engine.delta import Snapshot, refingerprint, uses_map
from generator.model import Edition, Entry, Person, Topic
from generator.newsroom.scan import Scan, Scanner
from generator.render.depend import Fingerprints

SNAPSHOT_FILE = "snapshot.pickle"
# Edits applied since the snapshot was written are replayed when it is read; past this
# many, the edit build writes a new snapshot instead.
JOURNAL_LIMIT = 16
_GRAPH = (Entry, Person, Topic, Edition)
_BATCH = 2000
_END = "digest-snapshot-end"


@dataclass
class Stored:
    """A snapshot as kept on disk, with what the edit path needs beside it."""

    token: str  # the state names the snapshot it goes with
    snapshot: Snapshot
    registries: tuple[list[Person], list[Topic]]  # the scanner's, for edited entries
    feed_ids: list[tuple[Entry, str]]  # the snapshot's are keyed by id(), which changes
    uses: list[tuple[object, set[str]]] | None  # likewise; None: walk the pages again
    scanner: Scanner | None = None  # the registries compiled for scanning (slow to make)


def save(
    folder: Path,
    snap: Snapshot,
    registries: tuple[list[Person], list[Topic]],
    scanner: Scanner | None = None,
) -> str:
    """Write the snapshot; return the token the state must hold for it to be used."""
    token = secrets.token_hex(8)
    site = snap.site
    entries = {id(e): e for e in [*site.entries, *site.pages]}
    objects: dict[int, object] = {
        **entries,
        **{id(o): o for o in [*site.subjects(), *site.editions]},
    }
    feed_ids = [(entries[key], value) for key, value in snap.feed_ids.items() if key in entries]
    uses = uses_map(snap)
    # Which pages show what is a walk of every page: kept, unless it names an object
    # the site's lists do not hold (then the reader walks the pages itself).
    kept_uses = (
        [(objects[k], v) for k, v in uses.items()] if uses.keys() <= objects.keys() else None
    )
    # Digests are memos keyed by id(): a fresh memo is filled again as pages need it.
    digests = Fingerprints(snap.digests.length_in_lists)
    bare = replace(snap, digests=digests, feed_ids={}, uses=None)
    stored = Stored(token, bare, registries, feed_ids, kept_uses, scanner)
    build_cache.save(folder / SNAPSHOT_FILE, stored, _dump)
    return token


def load(folder: Path, token: str) -> Stored | None:
    """The snapshot the state names, or None (missing, torn, from another build)."""
    stored = build_cache.load(folder / SNAPSHOT_FILE, _load)
    if not isinstance(stored, Stored) or stored.token != token:
        return None
    snap = stored.snapshot
    snap.feed_ids = {id(entry): value for entry, value in stored.feed_ids}
    if stored.uses is not None:
        snap.uses = {id(obj): outputs for obj, outputs in stored.uses}
    stored.feed_ids, stored.uses = [], None
    return stored


def replay(
    snap: Snapshot, journal: dict[str, tuple[Entry, Scan]], *, drafts: bool, cutoff: float
) -> None:
    """Apply the edits made since the snapshot was written (they are on disk already);
    raise delta.NeedsFullBuild when they no longer apply."""
    if journal:
        change = delta.apply_edits(snap, list(journal.values()), drafts=drafts, cutoff=cutoff)
        refingerprint(snap, change.recheck)


# --- the graph pickle ----------------------------------------------------------------


class _Pickler(pickle.Pickler):
    """Writes site objects as shells, queueing their fields for later batches."""

    def __init__(self, handle: BinaryIO) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.queued: deque[object] = deque()

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) in _GRAPH:
            self.queued.append(obj)
            return _shell, (type(obj),)
        return NotImplemented


def _dump(value: object, handle: BinaryIO) -> None:
    pickler = _Pickler(handle)
    pickler.dump(value)
    queued = pickler.queued
    while queued:
        batch = [_Refill(queued.popleft()) for _ in range(min(_BATCH, len(queued)))]
        pickler.dump(batch)  # may queue more shells
    pickler.dump(_END)


def _load(handle: BinaryIO) -> object:
    unpickler = pickle.Unpickler(handle)
    value = unpickler.load()
    while unpickler.load() != _END:
        pass  # each batch fills the shells it names as it is read
    return value


class _Refill:
    """Pickles as "this shell, then its fields": read back, the unpickler sets them
    itself (slots or `__dict__`), with no Python step per field."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __reduce__(self) -> tuple[Any, ...]:
        return _same, (self.obj,), self.obj.__getstate__()


def _same(obj: object) -> object:
    return obj


def _shell(cls: type[object]) -> object:
    return object.__new__(cls)  # what `cls.__new__` is for these dataclasses
