"""The persistent build cache in `.digest-cache/`: trusted only when whole and current.

Each file is a pickle behind a header holding the format version and a checksum of the
payload, written to a temporary name and renamed into place. A torn, corrupted or old
file fails the check and is discarded: the build then does the work again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import __version__

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


def load(path: Path) -> Any | None:
    """The cached object, or None when the file is missing, torn or from another version."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header_end = data.find(b"\n", len(_MAGIC))
    if not data.startswith(_MAGIC) or header_end < 0:
        return None
    key, _, checksum = data[len(_MAGIC) : header_end].decode("ascii", "replace").partition(" ")
    payload = data[header_end + 1 :]
    if key != cache_key() or hashlib.blake2b(payload, digest_size=16).hexdigest() != checksum:
        log.info("discarding cache file %s", path)
        return None
    try:
        return pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
        log.info("discarding unreadable cache file %s: %s", path, exc)
        return None


def save(path: Path, value: Any) -> None:
    """Write atomically; a failure to cache never fails the build."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    checksum = hashlib.blake2b(payload, digest_size=16).hexdigest()
    header = _MAGIC + f"{cache_key()} {checksum}\n".encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(header)
            handle.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write the build cache %s: %s", path, exc)
