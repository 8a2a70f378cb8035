"""The three forms of an entry file, split into metadata (with each key's line) and body:
YAML front matter between `---` lines, Pelican's `Key: value` headers, and raw article
text whose first line gives the date, byline and outlet."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import DigestError
from generator.source.yamlsrc import key_lines, load_yaml

_PELICAN_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_ -]*):(?:\s+(.*))?$")
_RAW_FIRST_LINE = re.compile(r"^\s*date\s+(\S+)\s+By\s+(.+),\s*([^,]+?)\s*$", re.IGNORECASE)
_DATELINE = re.compile(r"^\s*\([^)]{1,40}\)\s*[—–-]+\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’']?(?=\s|$)")
# A period after these ends a word, not a sentence: `Mr.`, `U.S.`, `Jan.`.
_ABBREVIATION = re.compile(
    r"^[(\"“‘']*(?:(?:[A-Za-z]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|St|Jr|Sr|"
    r"No|vs|etc|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$"
)
HEADLINE_LENGTH = 90


def split_file(rel: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, str]:
    """The file's metadata, the line of each key ("" for the file's start), its body and
    its form ("yaml", "pelican" or "text")."""
    if rel.endswith(".txt"):
        return _split_raw_text(rel, text)
    if text.lstrip().startswith("---"):
        return _split_front_matter(rel, text)
    if _PELICAN_LINE.match(text.split("\n", 1)[0]):
        return _split_pelican(rel, text)
    raise DigestError(
        "no front matter found",
        rel,
        1,
        "start the file with a `---` line, then `title: …` and `date: …`, then `---`",
    )


def _split_front_matter(rel: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, str]:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip())
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise DigestError(
            "front matter is not closed",
            rel,
            start + 1,
            "add a line with `---` after the last `key: value` line",
        )
    first = start + 2
    data, node = load_yaml("\n".join(lines[start + 1 : end]), rel, first)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DigestError(
            "front matter must be `key: value` lines",
            rel,
            first,
            "write e.g. `title: …` and `date: …` between the `---` lines",
        )
    where = key_lines(node, first)
    where[""] = start + 1
    return data, where, "\n".join(lines[end + 1 :]), "yaml"


def _split_pelican(rel: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, str]:
    lines = text.split("\n")
    meta: dict[str, Any] = {}
    where: dict[str, int] = {"": 1}
    index = 0
    for index, line in enumerate(lines):
        if not line.strip():
            break
        match = _PELICAN_LINE.match(line)
        if not match:
            raise DigestError(
                f"expected a `Key: value` header line, found {line[:40]!r}",
                rel,
                index + 1,
                "leave a blank line between the header and the text",
            )
        key = match.group(1).strip().lower()
        meta[key] = (match.group(2) or "").strip()
        where[key] = index + 1
    else:
        index = len(lines)
    return _pelican_to_ours(meta, where), where, "\n".join(lines[index + 1 :]), "pelican"


def _pelican_to_ours(meta: dict[str, Any], where: dict[str, int]) -> dict[str, Any]:
    """Pelican's bylines separate names with `,` or `;` (the rest: FRONT_MATTER_KEYS)."""
    ours = dict(meta)
    for old in ("author", "authors"):
        if old in ours:
            ours["authors"] = split_list(ours.pop(old), separators=",;")
            where.setdefault("authors", where[old])
    if "category" in meta:
        ours["categories_of"] = split_list(meta["category"])  # for `{category}` in addresses
    url = ours.get("url")
    if isinstance(url, str) and url and not re.match(r"(?i)https?://", url):
        ours["permalink"] = ours.pop("url")  # Pelican's URL: is the page's own address
        where.setdefault("permalink", where["url"])
    return ours


def _split_raw_text(rel: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, str]:
    lines = text.split("\n")
    match = _RAW_FIRST_LINE.match(lines[0])
    if not match:
        raise DigestError(
            "the first line of a raw article must give its date, byline and outlet",
            rel,
            1,
            "write it as `date 2025-06-04 By Jane Doe and John Roe, Outlet`",
        )
    meta: dict[str, Any] = {
        "date": match.group(1),
        "authors": _split_names(match.group(2)),
        "source": match.group(3),
    }
    where = {"": 1, "date": 1, "authors": 1, "source": 1}
    rest = 1
    if len(lines) > 1 and lines[1].lower().startswith("title:"):
        meta["title"] = lines[1][len("title:") :].strip()
        where["title"] = 2
        rest = 2
    return meta, where, "\n".join(lines[rest:]), "text"


def _split_names(byline: str) -> list[str]:
    """`A, B and C` -> [A, B, C]."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", byline.strip())
    return [p.strip() for p in parts if p.strip()]


def split_list(value: Any, separators: str = ",") -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in re.split(f"[{re.escape(separators)}]", value) if p.strip()]
    return list(value)


def headline_from(paragraph: str) -> str:
    """The first sentence, without a `(CNN) —` dateline, cut at a word to headline length."""
    text = _DATELINE.sub("", paragraph).strip()
    sentence = text
    for end in _SENTENCE_END.finditer(text):
        word = text[: end.start()].rsplit(" ", 1)[-1]
        if not _ABBREVIATION.match(word):
            sentence = text[: end.end()]
            break
    if len(sentence) <= HEADLINE_LENGTH:
        return sentence
    cut = sentence[:HEADLINE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"
