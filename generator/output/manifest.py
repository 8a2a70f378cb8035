"""The manifest of an output folder: every file digest wrote there, with its hash.

It tells a build which files are ours (the rest, a deploy repo's `.git` or a `CNAME`, are
carried over untouched) and which bytes each holds; a torn or foreign one is discarded.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.digests import hash_bytes

MANIFEST = ".digest-manifest.json"
MANIFEST_VERSION = 1
MANIFEST_TMP = f"{MANIFEST}.tmp"


def read_manifest(out: Path) -> dict[str, str]:
    """Our previous output: path -> hash. A torn or foreign manifest is discarded, not trusted."""
    try:
        return parse_manifest((out / MANIFEST).read_bytes())
    except OSError:
        return {}


def parse_manifest(raw: bytes) -> dict[str, str]:
    """A manifest's bytes as read_manifest takes them (for a caller that hashed them)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


class Manifest:
    """An output folder's manifest, with its JSON kept as one encoded piece per file.

    At 100,000 entries the manifest is 11 MB of JSON, and encoding it costs a quarter of
    a second: an in-place edit instead re-encodes the files it changed and joins the
    pieces, which gives the same bytes as `json.dumps(..., sort_keys=True)`.
    """

    def __init__(self, hashes: dict[str, str]) -> None:
        self.hashes = hashes
        self._paths: list[str] | None = None  # sorted, beside their pieces
        self._pieces: list[bytes] = []

    def update(self, changed: Mapping[str, str], removed: Iterable[str]) -> None:
        """Take the new hashes of `changed` and drop `removed`."""
        self._encoded()
        paths, pieces = self._paths, self._pieces
        assert paths is not None
        for path, digest in changed.items():
            at = bisect.bisect_left(paths, path)
            piece = _piece(path, digest)
            if at < len(paths) and paths[at] == path:
                pieces[at] = piece
            else:
                paths.insert(at, path)
                pieces.insert(at, piece)
            self.hashes[path] = digest
        for path in removed:
            at = bisect.bisect_left(paths, path)
            if at < len(paths) and paths[at] == path:
                del paths[at], pieces[at]
            self.hashes.pop(path, None)

    def replace(self, hashes: dict[str, str]) -> None:
        """Take a whole new manifest (encoded again when asked for)."""
        self.hashes, self._paths, self._pieces = dict(hashes), None, []

    def encode(self) -> bytes:
        self._encoded()
        files = b"{" + b", ".join(self._pieces) + b"}"
        return b'{"files": ' + files + b', "version": ' + str(MANIFEST_VERSION).encode() + b"}"

    def _encoded(self) -> None:
        if self._paths is None:
            self._paths = sorted(self.hashes)
            self._pieces = [_piece(p, self.hashes[p]) for p in self._paths]


def _piece(path: str, digest: str) -> bytes:
    return f"{json.dumps(path)}: {json.dumps(digest)}".encode()


def encode_manifest(hashes: dict[str, str]) -> bytes:
    return json.dumps({"version": MANIFEST_VERSION, "files": hashes}, sort_keys=True).encode()


def manifest_bytes(out: Path) -> bytes | None:
    """The manifest file's bytes as they are, or None when there is none."""
    try:
        return (out / MANIFEST).read_bytes()
    except OSError:
        return None


def manifest_hash(out: Path) -> str:
    """What tells a build whether the output still holds what it wrote last."""
    manifest = manifest_bytes(out)
    return "missing" if manifest is None else hash_bytes(manifest)
