"""Content hashes shared by the cache, the fingerprints and the output manifest."""

from __future__ import annotations

import hashlib
from typing import Any


def hash_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hash_text(*parts: str) -> str:
    """One hash of several strings, with a separator so ("ab", "c") differs from ("a", "bc")."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


def entry_fields_hash(entry: Any) -> str:
    """Hash what lists show of an entry and what parsing alone decides, once per parse.

    The word count is left out: lists rarely show it (see `depend.Fingerprints.card`).
    """
    return hash_text(
        entry.title,
        entry.date.isoformat() if entry.date else "",
        entry.updated.isoformat() if entry.updated else "",
        entry.summary,
        repr(entry.source),
        repr(entry.source_url),
        repr(entry.authors),
        entry.slug,
        repr(entry.draft),
        repr(sorted(entry.extra.items(), key=lambda kv: str(kv[0]))),
    )
