"""Bytes to text: UTF-8 with or without a byte-order mark, one kind of line end, and no
control characters, which no text needs and XML refuses."""

from __future__ import annotations

import re

from generator.errors import DigestError

# Invisible characters that XML (feeds, the sitemap) refuses and no text needs.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every other byte: deleting them leaves the control characters, if any, several times
# faster than searching the text (in UTF-8 such bytes are never part of another character).
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def decode(
    rel: str, data: bytes, warnings: list[str] | None = None, *, empty_ok: bool = False
) -> str:
    """Decode UTF-8 (with or without a BOM), normalise line ends, drop control characters.

    Control characters are invisible, no text needs them and XML refuses them: they are
    removed, and `warnings` is told where the first one was. `empty_ok` is for the
    registries, where an empty file simply lists nobody.
    """
    if not data.strip():
        if empty_ok:
            return ""
        raise DigestError("the file is empty", rel, 1, "add front matter and text, or delete it")
    if b"\x00" in data[:8192]:
        raise DigestError(
            "this looks like a binary file, not text", rel, 1, "move it out of content/"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The decoder reports offsets into the bytes after any byte-order mark.
        start, raw = exc.start, exc.object
        line = len(re.split(rb"\r\n|\r|\n", raw[:start]))
        raise DigestError(
            f"the file is not valid UTF-8 (byte 0x{raw[start]:02x})",
            rel,
            line,
            "save the file as UTF-8 in your editor",
        ) from exc
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if data.translate(None, _NOT_CONTROL):
        text = _drop_control(rel, text, warnings)
    return text


def _drop_control(rel: str, text: str, warnings: list[str] | None) -> str:
    """`text` without control characters; one warning names the first, by line and column."""
    first = _CONTROL.search(text)
    if first is None:
        return text
    start = first.start()
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    cleaned, count = _CONTROL.subn("", text)
    if warnings is not None:
        more = f" and {count - 1} more" if count > 1 else ""
        warnings.append(
            f"{rel}:{line}:{column}: removed an invisible control character "
            f"(0x{ord(first.group()):02x}){more} — delete it from the file to silence this "
            "(it often comes from copy and paste)"
        )
    return cleaned
