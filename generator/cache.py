"""The persistent build cache in `.digest-cache/`: trusted only when whole and current.

Each file is a pickle behind a header holding the format version and a checksum of the
payload, written to a temporary name and renamed into place. A torn, corrupted or old
file fails the check and is discarded: the build then does the work again.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from generator import __version__

Reader = Callable[[BinaryIO], Any]
Writer = Callable[[Any, BinaryIO], None]

log = logging.getLogger(__name__)

CACHE_DIR = ".digest-cache"
FORMAT = 1
_MAGIC = b"digest-cache\n"


@functools.cache
def cache_key() -> str:
    """What makes old cache files unusable: any change to our code or to the libraries
    whose output we cache, not just a new version number."""
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for name in ("markdown", "jinja2", "PyYAML", "anyascii", "MarkupSafe"):
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(name.encode())
    return f"{__version__}/{FORMAT}/{h.hexdigest()}"


def load(path: Path, read: Reader | None = None) -> Any | None:
    """The cached object, or None when the file is missing, torn or from another version.

    Read twice from the file (to check, then to unpickle) rather than held as bytes:
    at 10,000 entries the payload is a few hundred megabytes. `read` unpickles what
    the matching `save(..., write)` wrote.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                return None
            key, _, checksum = handle.readline().decode("ascii", "replace").strip().partition(" ")
            start = handle.tell()
            if key != cache_key() or _digest(handle) != checksum:
                log.info("discarding cache file %s", path)
                return None
            handle.seek(start)
            with collector_paused():
                return (read or _unpickle)(handle)
    except OSError:
        return None
    except (
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ) as exc:
        log.info("discarding unreadable cache file %s: %s", path, exc)
        return None


def save(path: Path, value: Any, write: Writer | None = None) -> None:
    """Write atomically; a failure to cache never fails the build.

    The pickle streams to the file through the checksum, whose place in the header is
    filled in last, so no copy of the payload is held in memory.
    """
    header = _MAGIC + f"{cache_key()} ".encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w+b") as handle:
            handle.write(header + b"0" * _CHECKSUM_LENGTH + b"\n")
            start = handle.tell()
            (write or _pickle)(value, handle)
            handle.seek(start)
            checksum = _digest(handle)
            handle.seek(len(header))
            handle.write(checksum.encode("ascii"))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write the build cache %s: %s", path, exc)


_CHECKSUM_LENGTH = 32
# A (key, mapping) value, the shape of the parse and scan caches, is written in batches:
# a pickler holds all it writes until it is done, which for 10,000 entries is 150 MB.
_BATCHED = "digest-batched"
_BATCH = 500


def _pickle(value: Any, handle: BinaryIO) -> None:
    def dump(part: object) -> None:
        pickle.dump(part, handle, protocol=pickle.HIGHEST_PROTOCOL)

    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)):
        dump(value)
        return
    items = list(value[1].items())
    dump((_BATCHED, value[0], len(items)))
    for start in range(0, len(items), _BATCH):
        dump(items[start : start + _BATCH])


def _unpickle(handle: BinaryIO) -> Any:
    first = pickle.load(handle)
    if not (isinstance(first, tuple) and len(first) == 3 and first[0] == _BATCHED):
        return first
    found: dict[Any, Any] = {}
    while len(found) < first[2]:
        found.update(pickle.load(handle))
    return first[1], found


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the collector off while a site is read whole: everything read stays alive,
    so its passes over the growing heap find nothing (a third of a cache read at a few
    thousand entries). What was made meanwhile is settled after (see below)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        settle_new_objects()
        if enabled:
            gc.enable()


def settle_new_objects() -> None:
    """Move every object to the collector's oldest generation without a pass over them.

    Objects made while the collector was off all wait in its youngest generation: the
    first collection after would walk every one (80 ms for a 4,000-entry snapshot),
    and again a generation later. Promoted, they are walked only by the rare full
    collections, which still free any cycle among them. Objects someone froze on
    purpose (the live preview's site) stay frozen: then nothing is moved.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _digest(handle: BinaryIO) -> str:
    """Checksum of the rest of the file, read in blocks."""
    h = hashlib.blake2b(digest_size=_CHECKSUM_LENGTH // 2)
    while block := handle.read(1 << 20):
        h.update(block)
    return h.hexdigest()
