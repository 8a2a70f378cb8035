"""The persistent build cache in `.digest-cache/`: trusted only when ours, whole and current.

Each file is a payload (a pickle, or Jinja's compiled templates) behind a header holding
the cache key and an HMAC of the payload. The HMAC's key is made on first use in the
user's cache folder (`$XDG_CACHE_HOME/digest/` or `~/.cache/digest/`, mode 0600) and never
leaves the machine: a file planted in a site (a tarball, a shared folder, a dot folder
added to git) cannot carry a valid one, and is discarded with a note before a byte of it
is unpickled; so is a torn or damaged file. A file of another version is discarded
quietly: the build then does the work again.

Files are written to a temporary name and renamed into place; a temporary file never
outlives its run (removed on failure, and a killed run's are removed by the next build).
One build at a time writes a site's cache and output: `build_lock`.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import gc
import hashlib
import hmac
import itertools
import logging
import os
import pickle
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import jinja2

from generator import __version__
from generator.errors import DigestError

Reader = Callable[[BinaryIO], Any]
Writer = Callable[[Any, BinaryIO], None]

log = logging.getLogger(__name__)

CACHE_DIR = ".digest-cache"
# 2: an HMAC with the machine's key instead of a bare checksum; 3: the code hash covers
# every subpackage, not one folder.
FORMAT = 3
_MAGIC = b"digest-cache\n"
KEY_FILE = "cache-key"  # in the user's cache folder, never in a site
_KEY_BYTES = 32
_MAC_LENGTH = 64  # hex digits of HMAC-SHA256
TEMP_SUFFIX = ".digest-tmp"
# Temporary files of runs killed mid-write: ours, and those of versions before TEMP_SUFFIX.
_STALE_TEMP = re.compile(rf"^\..+(\.pickle\.[A-Za-z0-9_]{{8}}|{re.escape(TEMP_SUFFIX)})$")


@functools.cache
def cache_key() -> str:
    """What makes old cache files unusable: any change to our code or to the libraries
    whose output we cache, not just a new version number."""
    h = hashlib.blake2b(digest_size=8)
    package = Path(__file__).resolve().parent.parent  # generator/, every stage below it
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    for name in ("markdown", "jinja2", "PyYAML", "anyascii", "MarkupSafe"):
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(name.encode())
    return f"{__version__}/{FORMAT}/{h.hexdigest()}"


# -- the machine's key ----------------------------------------------------------------


def key_path() -> Path:
    """Where this user's cache key lives: the XDG cache folder, as the spec defines it."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "digest" / KEY_FILE


@functools.cache
def secret() -> bytes | None:
    """The key that signs this user's cache files, made on first use; None (and a note,
    once) when it can be neither read nor made: then nothing is cached."""
    try:
        path = key_path()
    except RuntimeError as exc:  # no home folder to find
        log.warning("note: no build cache this time: %s", exc)
        return None
    try:
        try:
            return _read_secret(path)
        except FileNotFoundError:
            _make_secret(path)
            return _read_secret(path)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        log.warning("note: no build cache this time: cannot keep its key in %s (%s)", path, reason)
        return None


def _read_secret(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & 0o077 or not stat.S_ISREG(info.st_mode):
            raise ValueError("others may read it or it is not yours; delete it to make a new one")
        data = os.read(fd, _KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) != _KEY_BYTES:
        raise ValueError("it is damaged; delete it to make a new one")
    return data


def _make_secret(path: Path) -> None:
    """Write a new key whole under a temporary name, then give it its name: two processes
    making one at once end up sharing the first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{KEY_FILE}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(_KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        except OSError:  # a file system without hard links
            os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _mac(key: bytes, name: str, header: str) -> hmac.HMAC:
    """The HMAC of one file, begun with what it is (its name) and the cache key it claims."""
    return hmac.new(key, f"{name}\0{header}\0".encode(), "sha256")


# -- reading and writing ----------------------------------------------------------------


def load(path: Path, read: Reader | None = None) -> Any | None:
    """The cached object, or None when the file is missing, foreign, damaged or from
    another version.

    The HMAC is checked over the whole payload before a byte of it is unpickled. Read
    twice from the file (to check, then to unpickle) rather than held as bytes: at
    10,000 entries the payload is a few hundred megabytes. `read` unpickles what the
    matching `save(..., write)` wrote.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                _discard(path, "it is not a cache file of digest")
                return None
            header, _, mac = handle.readline().decode("ascii", "replace").strip().partition(" ")
            if header != cache_key():
                log.info("ignoring cache file %s of another version", path)
                return None
            key = secret()
            if key is None:
                return None
            start = handle.tell()
            check = _mac(key, path.name, header)
            while block := handle.read(1 << 20):
                check.update(block)
            if not hmac.compare_digest(check.hexdigest().encode(), mac.encode()):
                _discard(path, _FOREIGN)
                return None
            handle.seek(start)
            with collector_paused():
                return (read or _unpickle)(handle)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("cannot read cache file %s: %s", path, exc)
        return None
    except (
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ) as exc:  # ours and intact, yet unreadable: a bug to report, not a reason to stop
        _discard(path, f"it cannot be read ({exc})")
        return None


_FOREIGN = "it was not written by digest on this machine, or it is damaged"


def _discard(path: Path, why: str) -> None:
    """Say (in one line) that a cache file is not used, and remove it."""
    log.warning("note: discarded the build cache file %s: %s", path, why)
    with suppress(OSError):
        path.unlink(missing_ok=True)


def save(path: Path, value: Any, write: Writer | None = None, *, quiet: bool = False) -> None:
    """Write atomically, signed; a failure to cache never fails the build (`quiet`: nor
    says so).

    The pickle streams to the file through the HMAC, whose place in the header is
    filled in last, so no copy of the payload is held in memory.
    """
    key = secret()
    if key is None:
        return
    header = cache_key()
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + f"{header} ".encode("ascii") + b"0" * _MAC_LENGTH + b"\n")
            signed = _Signed(handle, _mac(key, path.name, header))
            (write or _pickle)(value, signed)  # type: ignore[arg-type]
            handle.seek(len(_MAGIC) + len(header) + 1)
            handle.write(signed.mac.hexdigest().encode("ascii"))
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        (log.info if quiet else log.warning)("could not write the build cache %s: %s", path, exc)
    finally:  # failed or interrupted: the temporary file goes too
        if tmp is not None:
            _unlink_quietly(tmp)


class _Signed:
    """A file to write that feeds the HMAC everything written to it."""

    def __init__(self, handle: BinaryIO, mac: hmac.HMAC) -> None:
        self.handle, self.mac = handle, mac

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.handle.write(data)


def _unlink_quietly(path: str | Path) -> None:
    with suppress(OSError):
        os.unlink(path)


def remove_stale_temps(folder: Path) -> None:
    """Remove the temporary files of runs killed while writing the cache (call it only
    while holding the build lock: another run's are not stale)."""
    for where in (folder, *folder.glob("templates-*")):
        try:
            names = os.listdir(where)
        except OSError:
            continue
        for name in names:
            if _STALE_TEMP.match(name):
                _unlink_quietly(where / name)


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


# -- compiled templates -----------------------------------------------------------------


def template_cache(folder: Path) -> jinja2.BytecodeCache:
    """Jinja's compiled templates, kept in `folder` like every other cache file: signed,
    and checked before Jinja unmarshals them (a damaged one would crash the interpreter)."""
    return _TemplateCache(folder)


class _TemplateCache(jinja2.BytecodeCache):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = load(self.folder / f"{bucket.key}.cache", _read_bytes)
        if isinstance(code, bytes):
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self.folder / f"{bucket.key}.cache"
        save(path, bucket.bytecode_to_string(), _write_bytes, quiet=True)


def _read_bytes(handle: BinaryIO) -> bytes:
    return handle.read()


def _write_bytes(value: bytes, handle: BinaryIO) -> None:
    handle.write(value)


# -- one build at a time ------------------------------------------------------------------

LOCK_FILE = "build.lock"
LOCK_WAIT = 10.0  # seconds a second `digest build` waits before it gives up
_LOCK_POLL = 0.1


@contextmanager
def build_lock(folder: Path, *, wait: float | None = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of a site's cache and output for one build.

    The lock is an flock on `.digest-cache/build.lock`, which holds the pid of its
    holder: the kernel releases it when that process ends however it ends, so the lock
    of a killed build is taken over at once. Another process waits up to `wait` seconds
    (None: for as long as it takes), then stops with the holder's pid. Once held, the
    temporary files of killed runs are removed; once released, the lock file is removed
    (and the cache folder, if that leaves it empty).
    """
    fd = _lock(folder, wait)
    try:
        yield
    finally:
        if fd is not None:
            with suppress(OSError):
                (folder / LOCK_FILE).unlink()
            os.close(fd)  # and with it the lock
            with suppress(OSError):
                folder.rmdir()  # only when empty: a build that cached nothing


def _lock(folder: Path, wait: float | None) -> int | None:
    """The open lock file, locked; None where there can be no lock (no folder for it,
    or a file system without locks)."""
    path = folder / LOCK_FILE
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    for attempt in itertools.count():
        try:
            folder.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and attempt < 10:
                continue  # the holder removed the empty folder as it left: make it again
            # Nowhere to keep a cache: nothing is shared but the output.
            log.info("building without a lock (%s): %s", path, exc)
            return None
        try:
            while True:
                if _try_lock(fd, path):
                    if _same_file(fd, path):
                        _claim(fd, folder)
                        return fd
                    break  # the holder removed this file as it let go: open it again
                if not told:
                    told = True
                    log.warning(
                        "note: waiting for another build of this site (pid %s) to finish",
                        _holder(fd),
                    )
                if deadline is not None and time.monotonic() >= deadline:
                    raise DigestError(
                        f"another build is running (pid {_holder(fd)})",
                        hint="wait for it to finish, or stop it",
                    )
                time.sleep(_LOCK_POLL)
        except _NoLocks as exc:
            log.info("building without a lock: %s", exc)
            return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise AssertionError("unreachable: the attempts never end")


class _NoLocks(Exception):
    """The file system of the cache folder has no file locks."""


def _try_lock(fd: int, path: Path) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise _NoLocks(f"{path}: {exc.strerror}") from exc
        raise


def _same_file(fd: int, path: Path) -> bool:
    try:
        found, held = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (found.st_dev, found.st_ino) == (held.st_dev, held.st_ino)


def _claim(fd: int, folder: Path) -> None:
    """Write our pid into the lock file, and clear what killed runs left."""
    with suppress(OSError):  # a full disk: the lock holds all the same, without its pid
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    remove_stale_temps(folder)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"


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
