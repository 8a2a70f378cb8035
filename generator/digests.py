"""Content hashes shared by the cache, the fingerprints and the output manifest."""

from __future__ import annotations

import hashlib


def hash_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hash_text(*parts: str) -> str:
    """One hash of several strings, with a separator so ("ab", "c") differs from ("a", "bc")."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()
