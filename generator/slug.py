"""ASCII URL slugs that stay stable across builds and machines."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters, digits and combining marks carry meaning; symbols (emoji, ™) do not.
_KEEP = ("L", "N", "M")


def slugify(text: str) -> str:
    """Return `xi-jinping` for `Xi Jinping`; accents folded, other scripts transliterated.

    Symbols such as emoji are dropped rather than spelled out, so a name made only of
    symbols gives '' and the caller reports it.
    """
    text = unicodedata.normalize("NFC", text).replace("'", "").replace("\u2019", "")
    ascii_text = anyascii("".join(_keep(ch) for ch in text)).lower()
    return _NON_ALNUM.sub("-", ascii_text).strip("-")


def slugify_escaped(text: str) -> str:
    """`slugify` for slugs and file names from old blogs, %-escapes decoded first.

    A WordPress export writes `%ef%bb%bfhello-world` for a byte-order mark (which
    slugify drops, as every other invisible character) and `hello-world`; `%e4%bd%a0`
    is `你`, transliterated as any other letter.
    """
    if "%" in text:
        text = unquote(text, errors="replace")
    return slugify(text)


def _keep(ch: str) -> str:
    if unicodedata.category(ch)[0] not in _KEEP:
        return " "
    # One ideograph is one syllable: `习近平` reads `xi-jin-ping`, not `xijinping`.
    if ord(ch) > 0x2E80 and unicodedata.name(ch, "").startswith(("CJK", "HANGUL SYLLABLE")):
        return f" {ch} "
    return ch


def is_valid_slug(slug: str) -> bool:
    """A slug given by hand must already be in the form slugify produces."""
    return bool(slug) and slugify(slug) == slug
