"""Characters XML cannot carry, found and dropped before they reach any output.

Markdown and YAML accept characters that XML 1.0 refuses: C0 controls other than tab
and line ends (written in YAML as `"\\x01"`, or in Markdown as `&#x1;`), `&#0;`,
surrogates, and U+FFFE and U+FFFF. One of them in a title or a body makes `feed.xml`
not well-formed, and a feed reader then drops the whole feed; in a page they are HTML
parse errors. They carry nothing a reader can see, so parse drops them from every
field of an entry (with a warning naming it), and registries and settings refuse them:
whatever the templates make of an entry afterwards, Atom, JSON Feed, the sitemap and
JSON-LD, holds none.
"""

from __future__ import annotations

import re

# Raw characters outside XML 1.0's `Char` production (tab, LF and CR are allowed).
_RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Numeric character references, whatever they denote; `_refers_to_illegal` decides.
_REF = re.compile(r"&#(?:[xX]0*([0-9A-Fa-f]{1,8})|0*([0-9]{1,10}));?")


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _illegal_code(code: int) -> bool:
    return (
        code > 0x10FFFF
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
        or (code < 0x20 and code not in (0x9, 0xA, 0xD))
    )


def _ref_code(match: re.Match[str]) -> int:
    hexa, decimal = match.groups()
    return int(hexa, 16) if hexa is not None else int(decimal)


def first_illegal(text: str, *, html: bool = False) -> tuple[int, str] | None:
    """Where the first character XML cannot carry is, and which it is (`U+0001`); with
    `html`, numeric references to such characters (`&#x1;`) count too."""
    found = []
    raw = _RAW.search(text)
    if raw:
        found.append((raw.start(), describe(raw.group())))
    if html and "&#" in text:
        for match in _REF.finditer(text):
            code = _ref_code(match)
            if _illegal_code(code):
                found.append((match.start(), f"{match.group()} for U+{min(code, 0x110000):04X}"))
                break
    return min(found) if found else None


def drop_illegal(text: str, *, html: bool = False) -> str:
    """`text` without the characters XML cannot carry (and, with `html`, without
    numeric references to them)."""
    if html and "&#" in text:
        text = _REF.sub(lambda m: "" if _illegal_code(_ref_code(m)) else m.group(), text)
    return _RAW.sub("", text)
