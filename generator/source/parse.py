"""Turn one content file's bytes into an Entry: YAML front matter, Pelican headers or raw text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup

from generator.dates import parse_date
from generator.digests import entry_fields_hash, hash_text
from generator.errors import BuildFailed, DigestError, Notice
from generator.model import MAX_NAMES, Entry
from generator.slug import is_valid_slug, slugify_escaped
from generator.source.markup import (
    MAX_NESTING,
    NestingTooDeep,
    count_words,
    first_paragraph_text,
    render_markdown,
    render_plain_text,
)
from generator.source.markup import smarten as _smarten
from generator.source.yamlsrc import key_lines, load_yaml
from generator.xmltext import drop_illegal, first_illegal

if TYPE_CHECKING:
    from generator.config import Config

# Every front-matter key digest knows, and what becomes of it: "field", one of ours, read
# into the Entry; the name of one of ours, another generator's key for it (Jekyll, Hugo,
# Pelican), read into that field; "topics", topics when digest.toml's `topics_from`
# lists it; "extra", kept in `entry.extra` for what reads it there. Any other key is kept
# in `entry.extra` too, and `build` and `check` note once how many entries have it.
FRONT_MATTER_KEYS: dict[str, str] = {
    "title": "field", "date": "field", "updated": "field", "authors": "field",
    "source": "field", "url": "field", "people": "field", "topics": "field",
    "not_people": "field", "not_topics": "field", "summary": "field", "draft": "field",
    "slug": "field",
    "author": "authors",  # Jekyll, Hugo, Pelican
    "published": "draft",  # Jekyll: `published: false` is a draft
    "status": "draft",  # Pelican: `Status: draft`
    "excerpt": "summary",  # Jekyll
    "description": "summary",  # Jekyll's SEO plugin, Hugo
    "modified": "updated",  # Pelican
    "lastmod": "updated",  # Hugo
    "last_modified_at": "updated",  # Jekyll's plugin of that name
    "tags": "topics", "categories": "topics", "category": "topics",
    "image": "extra",  # the lead image: `entry.extra.image`, as written
    "image_alt": "extra", "image_credit": "extra",
    "permalink": "field", "save_as": "field", "aliases": "field", "nav": "field",
    "redirect_from": "aliases",  # Jekyll's redirect plugin
    "layout": "extra",  # read (`layout: page` is a static page), and kept for templates
}  # fmt: skip
KNOWN_KEYS = tuple(k for k, role in FRONT_MATTER_KEYS.items() if role == "field")
TOPIC_KEYS = ("tags", "categories", "category")  # what `topics_from` takes by default
# Static pages, not news: files under content/pages/ (Pelican's place for them) and
# those Jekyll lays out as pages.
PAGES_FOLDER = "content/pages/"
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_]")
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
# Invisible characters that XML (feeds, the sitemap) refuses and no text needs.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every other byte: deleting them leaves the control characters, if any, several times
# faster than searching the text (in UTF-8 such bytes are never part of another character).
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


@dataclass(frozen=True)
class ParseOptions:
    """The settings in digest.toml that parsing reads, besides the zone and safe mode."""

    typography: bool = True  # curly quotes, dashes and ellipses
    topics_from: tuple[str, ...] = TOPIC_KEYS  # other keys whose names are topics
    markdown: str = "default"  # the dialect bodies are written in (markup.DIALECTS)

    @classmethod
    def of(cls, config: Config) -> ParseOptions:
        return cls(config.typography, config.topics_from, config.markdown)


def parse_entry(
    rel: str,
    data: bytes,
    tz: tzinfo,
    *,
    safe: bool = False,
    options: ParseOptions = ParseOptions(),
) -> Entry:
    """Parse one file; raise DigestError (or BuildFailed for several) naming its lines.

    `safe` strips raw HTML and script links from Markdown, for sites that publish
    contributions from people they do not fully trust. What parsing mended on the way
    (a control character removed, a slug made) is in the entry's `warnings`.
    """
    warnings: list[str] = []
    text = decode(rel, data, warnings)
    if rel.endswith(".txt"):
        meta, lines, body, fmt = _split_raw_text(rel, text)
    elif text.lstrip().startswith("---"):
        meta, lines, body, fmt = _split_front_matter(rel, text)
    elif _PELICAN_LINE.match(text.split("\n", 1)[0]):
        meta, lines, body, fmt = _split_pelican(rel, text)
    else:
        raise DigestError(
            "no front matter found",
            rel,
            1,
            "start the file with a `---` line, then `title: …` and `date: …`, then `---`",
        )
    body_line = text.count("\n") - body.count("\n") + 1  # the body is the text's end
    lines["body"] = body_line  # for messages about the body
    return _build_entry(rel, meta, lines, body, fmt, tz, safe, warnings, options, body_line)


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
            ours["authors"] = _split_list(ours.pop(old), separators=",;")
            where.setdefault("authors", where[old])
    if "category" in meta:
        ours["_categories"] = _split_list(meta["category"])  # for `{category}` in addresses
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


def _split_list(value: Any, separators: str = ",") -> list[str]:
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


def _build_entry(
    rel: str,
    meta: dict[str, Any],
    where: dict[str, int],
    body_text: str,
    fmt: str,
    tz: tzinfo,
    safe: bool = False,
    warnings: list[str] | None = None,
    options: ParseOptions = ParseOptions(),
    body_line: int = 1,
) -> Entry:
    errors: list[DigestError] = []
    warnings = [] if warnings is None else warnings
    smarten = _smarten if options.typography else _as_typed

    def warn(key: str) -> Callable[[str], None]:
        return lambda message: warnings.append(f"{rel}:{where.get(key, 1)}: {message}")

    def check(key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        if key not in meta or meta[key] is None:
            return default
        try:
            return convert(meta[key])
        except (TypeError, ValueError) as exc:
            errors.append(DigestError(f"`{key}`: {exc}", rel, where.get(key), _HINTS.get(key)))
            return default

    if fmt == "text":
        paragraphs = [
            smarten(" ".join(p.split())) for p in re.split(r"\n\s*\n", body_text) if p.strip()
        ]
        body = render_plain_text(paragraphs)
        meta.setdefault("title", headline_from(paragraphs[0]) if paragraphs else "")
    else:
        try:
            body = render_markdown(
                body_text, safe=safe, typography=options.typography, dialect=options.markdown
            )
        except NestingTooDeep as exc:
            raise DigestError(
                f"lists or block quotes are nested {exc.depth} levels deep here "
                f"(at most {MAX_NESTING})",
                rel,
                body_line + exc.line - 1,
                "flatten the lists: past a few levels a list in a list reads no better",
            ) from exc
    body = _without_illegal_body(rel, where, body_text, body, warnings)
    title = smarten(check("title", _text, ""))
    if not title and not any(e.line == where.get("title") for e in errors):
        errors.append(
            DigestError(
                "missing title" if "title" not in meta else "the title is empty",
                rel,
                where.get("title", where[""]),
                "add `title: …` to the front matter",
            )
        )
    static = rel.startswith(PAGES_FOLDER) or meta.get("layout") == "page"
    when = check("date", lambda v: parse_date(v, tz))
    if "date" not in meta and not static:
        errors.append(
            DigestError(
                "missing date", rel, where[""], "add `date: 2025-06-04` to the front matter"
            )
        )
    slug = check("slug", lambda v: _slug(v, warn("slug"))) or _slug_from_name(rel, errors)
    for key in (*options.topics_from, *meta):  # messages about a field name its key's line
        role = FRONT_MATTER_KEYS.get(key, "extra")
        if role not in ("field", "extra") and _read_key(key, options) and key in where:
            where.setdefault(role, where[key])
    topics = check("topics", _names, [])
    for key in options.topics_from:
        topics += check(key, _topic_names(key, fmt), [])
    summary = [check(key, _text) for key in ("summary", "excerpt", "description")]
    drafts = (
        check("draft", _bool, False),
        not check("published", _bool, True),
        check("status", _status, False),
    )
    named = {"people": check("people", _names, []), "topics": _unique(topics)}
    for key, names in named.items():
        count = len(names)
        if count > MAX_NAMES:
            errors.append(
                DigestError(
                    f"`{key}` lists {count:,} names; an entry may name at most {MAX_NAMES}",
                    rel,
                    where.get(key),
                    f"list the {key} the story is about; a longer roster belongs in the text",
                )
            )
    entry_kwargs = {
        "authors": _unique(check("authors", _names, []) + check("author", _author_names, [])),
        "source": check("source", _text),
        "source_url": check("url", _url),
        "people_names": tuple(named["people"]),
        "topic_names": tuple(named["topics"]),
        "not_people": tuple(check("not_people", _names, [])),
        "not_topics": tuple(check("not_topics", _names, [])),
        "draft": any(drafts),
        "summary": smarten(next(filter(None, summary), "")) or first_paragraph_text(body),
        "words": count_words(body),
    }
    updates = [
        check(key, lambda v: parse_date(v, tz))
        for key in ("updated", "modified", "lastmod", "last_modified_at")
    ]
    updated = next(filter(None, updates), None)
    address = {
        "permalink": check("permalink", _pattern, ""),
        "save_as": check("save_as", _pattern, ""),
        "aliases": tuple(check("aliases", _paths, []) + check("redirect_from", _paths, [])),
        "categories": tuple(_categories(meta)),
        "static": static,
        "nav": check("nav", _bool, False),
    }
    if errors:
        raise errors[0] if len(errors) == 1 else BuildFailed(errors)
    day = when[0].astimezone(tz).date() if when else None
    extra = {k: v for k, v in meta.items() if not _read_key(k, options)}
    title = _without_illegal(rel, where, "title", title, warnings)
    for key, name in _CLEANED.items():
        entry_kwargs[name] = _without_illegal(rel, where, key, entry_kwargs[name], warnings)
    extra = {k: _without_illegal(rel, where, str(k), v, warnings, False) for k, v in extra.items()}
    entry = Entry(
        path=rel,
        title=title,
        date=when[0] if when else None,
        slug=slug,
        body=body,
        body_hash=hash_text(str(body)),
        extra=extra,
        lines=where,
        warnings=tuple(Notice.located(w, rel) for w in sorted(warnings, key=_line_of_warning)),
        updated=updated[0] if updated else None,
        day=day,
        day_zone=str(getattr(tz, "key", tz)),
        **entry_kwargs,
        **address,
    )
    entry.fields_hash = entry_fields_hash(entry)
    entry.order = (entry.date.timestamp() if entry.date else 0.0, entry.slug, entry.path)
    from generator.render.feeds import original_slug

    entry.file_slug = original_slug(entry)  # feeds' ids, asked for by every build
    return entry


def _line_of_warning(text: str) -> int:
    """The line a `path:line[:column]: …` warning names, to list them in file order."""
    match = re.match(r"[^:]*:(\d+)", text)
    return int(match.group(1)) if match else 0


# Front-matter keys whose values reach pages and feeds, by the Entry field holding them.
_CLEANED = {
    "authors": "authors", "source": "source", "people": "people_names", "topics": "topic_names",
    "not_people": "not_people", "not_topics": "not_topics", "summary": "summary",
}  # fmt: skip


def _without_illegal(
    rel: str,
    where: dict[str, int],
    key: str,
    value: Any,
    warnings: list[str],
    collapse: bool = True,
) -> Any:
    """`value` (text, or lists and mappings of it) without characters XML cannot carry,
    and a warning naming the key's line when there were any. With `collapse`, the
    spaces around a dropped character become one, as parse leaves every one-line field."""
    found = _first_illegal_in(value)
    if found is None:
        return value
    line = where.get(key, where[""])
    warnings.append(
        f"{rel}:{line}: `{key}` holds a character XML cannot carry ({found}); "
        "it is left out of every page and feed — delete it from the file"
    )
    return _drop_illegal_in(value, collapse)


def _first_illegal_in(value: Any) -> str | None:
    if isinstance(value, str):
        found = first_illegal(value)
        return found[1] if found else None
    if isinstance(value, list | tuple):
        items: Any = value
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    else:
        return None
    return next((f for f in map(_first_illegal_in, items) if f), None)


def _drop_illegal_in(value: Any, collapse: bool) -> Any:
    if isinstance(value, str):
        return " ".join(drop_illegal(value).split()) if collapse else drop_illegal(value)
    if isinstance(value, list | tuple):
        return type(value)(_drop_illegal_in(v, collapse) for v in value)
    if isinstance(value, dict):
        return {
            _drop_illegal_in(k, collapse): _drop_illegal_in(v, collapse) for k, v in value.items()
        }
    return value


def _without_illegal_body(
    rel: str, where: dict[str, int], source: str, body: Markup, warnings: list[str]
) -> Markup:
    """The body's HTML without characters XML cannot carry, nor references to them
    (`&#x1;`, `&#0;`); a warning names the line of the first in the file."""
    found = first_illegal(str(body), html=True)
    if found is None:
        return body
    at = first_illegal(source, html=True)
    line = where.get("body", where[""])
    if at is not None:
        line += source.count("\n", 0, at[0])
    warnings.append(
        f"{rel}:{line}: the text holds a character XML cannot carry ({found[1]}); "
        "it is left out of every page and feed — delete it from the file"
    )
    return Markup(drop_illegal(str(body), html=True))


_HINTS = {
    "date": "write it as 2025-06-04, 2025-06-04 09:30 or 2025-06-04T09:30:00+02:00",
    "slug": "use lower-case letters, digits and hyphens only, e.g. `slug: trade-talks`",
    "url": "give the full address of the original article, starting with https://",
    "people": "give a list such as `[Xi Jinping, Joe Biden]` or `Xi Jinping, Joe Biden`",
    "topics": "give a list such as `[Tariffs, Trade talks]` or `Tariffs, Trade talks`",
    "authors": "give a list such as `[Jane Doe]` or `Jane Doe, John Roe`",
    "draft": "write `draft: true` or `draft: false`",
    "updated": "write it as 2025-06-05 or 2025-06-05 14:00, like `date`",
    "not_people": "give a list of names the text mentions but the entry is not about",
    "not_topics": "give a list of topics the entry is not about",
    "title": "write the title as plain text, quoted if it contains `: `",
    "source": "give the outlet's name as plain text, e.g. `source: Reuters`",
    "summary": "write the summary as plain text, quoted if it contains `: `",
    "permalink": "write a path such as `/2015/03/old-post/`, or a pattern such as "
    "`/{yyyy}/{slug}/` or `/:year/:title/`",
    "save_as": "write the file's path in the site, such as `2015/03/old-post.html`",
    "aliases": "give the old paths as a list, such as `[/2015/03/old-post.html]`",
    "redirect_from": "give the old paths as a list, such as `[/2015/03/old-post.html]`",
    "nav": "write `nav: true` or `nav: false`",
}


def _as_typed(text: str) -> str:
    """Text as written, where typography is off."""
    return text


def _read_key(key: str, options: ParseOptions) -> bool:
    """Whether parsing reads `key` into a field (else it is kept in `entry.extra`)."""
    role = FRONT_MATTER_KEYS.get(key, "extra")
    return role != "extra" and (role != "topics" or key in options.topics_from)


def ignored_key_notes(entries: Iterable[Entry], topics_from: tuple[str, ...]) -> list[str]:
    """One note per front-matter key digest does not read: how many entries have it."""
    found: dict[str, list[Entry]] = {}
    for entry in entries:
        for key in entry.extra:
            role = FRONT_MATTER_KEYS.get(key)
            if role is None or (role == "topics" and key not in topics_from):
                found.setdefault(str(key), []).append(entry)
    notes = []
    for key, having in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        first = having[0]
        count = f"{len(having):,} entries have" if len(having) > 1 else "1 entry has"
        hint = (
            "add it to `topics_from` in digest.toml to make topics of it"
            if key in FRONT_MATTER_KEYS
            else f"templates can read it as `entry.extra[{key!r}]`"
        )
        notes.append(
            f"note: {count} {key!r}, which digest ignores — {hint} (first: {first.path}:"
            f"{first.line_of(key)})"
        )
    return notes


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _topic_names(key: str, fmt: str) -> Callable[[Any], list[str]]:
    """Read a key `topics_from` names: in YAML front matter, Jekyll's way (`tags: a b`
    is two, `category: Trade talks` one; with commas, commas separate), else ours."""
    if fmt != "yaml" or not isinstance(key, str):
        return _names

    def read(value: Any) -> list[str]:
        if isinstance(value, str) and "," not in value:
            return _names(value.split() if key.endswith("s") else [value])
        return _names(value)

    return read


def _author_names(value: Any) -> list[str]:
    """`author:` as Jekyll and Hugo themes write it: a name, a list, or `{name: …}` each."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        value = [item.get("name") if isinstance(item, dict) else item for item in value]
    return _names(value)


def _status(value: Any) -> bool:
    """Pelican's `Status`: `draft` is a draft; `published` and `hidden` are not."""
    return _text(value).lower() == "draft"


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"expected text, not {_describe(value)}")
    return " ".join(str(value).split())


def _names(value: Any) -> list[str]:
    items = _split_list(value) if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str | int) for i in items):
        raise TypeError(f"expected a list of names, not {_describe(value)}")
    names = [" ".join(str(i).split()) for i in items]
    return list(dict.fromkeys(n for n in names if n))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "false", "no"):
        return value.lower() in ("true", "yes")
    raise TypeError(f"expected true or false, not {_describe(value)}")


def _url(value: Any) -> str:
    url = _text(value)
    if urlsplit(url).scheme not in ("http", "https"):
        own = "; for the entry's own address, use `permalink:`" if url.startswith("/") else ""
        raise ValueError(f"{url!r} is not an http(s) address{own}")
    return url


def _pattern(value: Any) -> str:
    """An address as written: a path, or a pattern with placeholders."""
    from generator.index.permalinks import check_pattern

    text = _text(value)
    check_pattern(text)
    return text


def _paths(value: Any) -> list[str]:
    """Old addresses, each a plain path in the site."""
    from generator.index.permalinks import normalize

    paths = _split_list(value) if isinstance(value, str) else value
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise TypeError(f"expected a list of paths, not {_describe(value)}")
    for path in paths:
        normalize(path)
    return list(dict.fromkeys(p.strip() for p in paths if p.strip()))


def _categories(meta: dict[str, Any]) -> list[str]:
    """Jekyll's `categories:` (a list, or words), `category:`, or Pelican's Category."""
    value = meta.pop("_categories", None) or meta.get("categories") or meta.get("category")
    if isinstance(value, str):
        return value.split() if "categories" in meta else [value.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _slug(value: Any, warn: Callable[[str], None]) -> str:
    """The slug as given, or made from it with a warning: old blogs' slugs carry `_`, `.`,
    capitals and %-escapes (see slugify_escaped), and refusing them stops a migration."""
    slug = _text(value)
    if is_valid_slug(slug):
        return slug
    made = slugify_escaped(slug)
    if "/" in slug or "\\" in slug:
        raise ValueError(
            f"{slug!r} is a path, but a slug is one part of the address"
            + (f"; try `slug: {made}`" if made else "")
        )
    if not made:
        raise ValueError(f"{slug!r} has no letters or digits to make an address from")
    warn(f"`slug: {slug}` is not in URL form; the entry's address uses {made!r} — write "
         f"`slug: {made}` to silence this")  # fmt: skip
    return made


def _slug_from_name(rel: str, errors: list[DigestError]) -> str:
    stem = _DATE_PREFIX.sub("", PurePosixPath(rel).stem)
    slug = slugify_escaped(stem)
    if not slug:
        errors.append(
            DigestError(
                f"the file name {PurePosixPath(rel).name!r} gives an empty slug",
                rel,
                1,
                "rename the file or add `slug: some-words` to the front matter",
            )
        )
    return slug


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
