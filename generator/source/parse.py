"""Turn one content file's bytes into an Entry: YAML front matter, Pelican headers or raw text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from generator.dates import parse_date
from generator.digests import entry_fields_hash, hash_text
from generator.errors import BuildFailed, DigestError, Notice
from generator.model import MAX_NAMES, Entry
from generator.slug import slugify
from generator.source.fields import (
    CLEANED,
    FRONT_MATTER_KEYS,
    HINTS,
    TOPIC_KEYS,
    as_author_names,
    as_bool,
    as_names,
    as_paths,
    as_pattern,
    as_slug,
    as_status,
    as_text,
    as_url,
    categories_of,
    read_key,
    slug_from_name,
    topic_names_reader,
    unique,
    without_illegal,
    without_illegal_body,
)
from generator.source.frontmatter import headline_from, split_file
from generator.source.markup import (
    MAX_NESTING,
    NestingTooDeep,
    count_words,
    first_paragraph_text,
    render_markdown,
    render_plain_text,
)
from generator.source.markup import smarten as _smarten
from generator.source.text import decode

if TYPE_CHECKING:
    from generator.config import Config


# Static pages, not news: files under content/pages/ (Pelican's place for them) and
# those Jekyll lays out as pages.
PAGES_FOLDER = "content/pages/"
# The same prefix a file name's slug is made without.
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_]")


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
    meta, lines, body, fmt = split_file(rel, text)
    body_line = text.count("\n") - body.count("\n") + 1  # the body is the text's end
    lines["body"] = body_line  # for messages about the body
    return _build_entry(rel, meta, lines, body, fmt, tz, safe, warnings, options, body_line)


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
            errors.append(DigestError(f"`{key}`: {exc}", rel, where.get(key), HINTS.get(key)))
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
    body = without_illegal_body(rel, where, body_text, body, warnings)
    title = smarten(check("title", as_text, ""))
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
    slug = check("slug", lambda v: as_slug(v, warn("slug"))) or slug_from_name(rel, errors)
    for key in (*options.topics_from, *meta):  # messages about a field name its key's line
        role = FRONT_MATTER_KEYS.get(key, "extra")
        if role not in ("field", "extra") and read_key(key, options.topics_from) and key in where:
            where.setdefault(role, where[key])
    topics = check("topics", as_names, [])
    for key in options.topics_from:
        topics += check(key, topic_names_reader(key, fmt), [])
    summary = [check(key, as_text) for key in ("summary", "excerpt", "description")]
    drafts = (
        check("draft", as_bool, False),
        not check("published", as_bool, True),
        check("status", as_status, False),
    )
    named = {"people": check("people", as_names, []), "topics": unique(topics)}
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
        "authors": unique(check("authors", as_names, []) + check("author", as_author_names, [])),
        "source": check("source", as_text),
        "source_url": check("url", as_url),
        "people_names": tuple(named["people"]),
        "topic_names": tuple(named["topics"]),
        "not_people": tuple(check("not_people", as_names, [])),
        "not_topics": tuple(check("not_topics", as_names, [])),
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
        "permalink": check("permalink", as_pattern, ""),
        "save_as": check("save_as", as_pattern, ""),
        "aliases": tuple(check("aliases", as_paths, []) + check("redirect_from", as_paths, [])),
        "categories": tuple(categories_of(meta)),
        "static": static,
        "nav": check("nav", as_bool, False),
    }
    if errors:
        raise errors[0] if len(errors) == 1 else BuildFailed(errors)
    day = when[0].astimezone(tz).date() if when else None
    extra = {k: v for k, v in meta.items() if not read_key(k, options.topics_from)}
    title = without_illegal(rel, where, "title", title, warnings)
    for key, name in CLEANED.items():
        entry_kwargs[name] = without_illegal(rel, where, key, entry_kwargs[name], warnings)
    extra = {k: without_illegal(rel, where, str(k), v, warnings, False) for k, v in extra.items()}
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
    entry.file_slug = original_slug(entry)  # feeds' ids, asked for by every build
    return entry


def _line_of_warning(text: str) -> int:
    """The line a `path:line[:column]: …` warning names, to list them in file order."""
    match = re.match(r"[^:]*:(\d+)", text)
    return int(match.group(1)) if match else 0


def _as_typed(text: str) -> str:
    """Text as written, where typography is off."""
    return text


def original_slug(entry: Entry) -> str:
    """The slug the entry's file name gives, whatever `slug:` says now."""
    return _stem_slug(PurePosixPath(entry.path).stem) or entry.slug


@lru_cache(maxsize=1 << 18)
def _stem_slug(stem: str) -> str:
    """Slugs of file names, kept: every build asks again for every entry."""
    return slugify(_DATE_PREFIX.sub("", stem))
