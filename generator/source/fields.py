"""Front-matter keys and their values: which keys digest reads (ours, and other
generators' names for them), how each value is read and checked, and what reaches pages
without characters XML cannot carry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from generator.errors import DigestError
from generator.model import Entry
from generator.permalinks import check_pattern, normalize
from generator.slug import is_valid_slug, slugify_escaped
from generator.source.frontmatter import split_list
from generator.xmltext import drop_illegal, first_illegal

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
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_]")


HINTS = {
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


def read_key(key: str, topics_from: tuple[str, ...]) -> bool:
    """Whether parsing reads `key` into a field (else it is kept in `entry.extra`)."""
    role = FRONT_MATTER_KEYS.get(key, "extra")
    return role != "extra" and (role != "topics" or key in topics_from)


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


# Front-matter keys whose values reach pages and feeds, by the Entry field holding them.
CLEANED = {
    "authors": "authors", "source": "source", "people": "people_names", "topics": "topic_names",
    "not_people": "not_people", "not_topics": "not_topics", "summary": "summary",
}  # fmt: skip


def without_illegal(
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


def without_illegal_body(
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


def unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def topic_names_reader(key: str, fmt: str) -> Callable[[Any], list[str]]:
    """Read a key `topics_from` names: in YAML front matter, Jekyll's way (`tags: a b`
    is two, `category: Trade talks` one; with commas, commas separate), else ours."""
    if fmt != "yaml" or not isinstance(key, str):
        return as_names

    def read(value: Any) -> list[str]:
        if isinstance(value, str) and "," not in value:
            return as_names(value.split() if key.endswith("s") else [value])
        return as_names(value)

    return read


def as_author_names(value: Any) -> list[str]:
    """`author:` as Jekyll and Hugo themes write it: a name, a list, or `{name: …}` each."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        value = [item.get("name") if isinstance(item, dict) else item for item in value]
    return as_names(value)


def as_status(value: Any) -> bool:
    """Pelican's `Status`: `draft` is a draft; `published` and `hidden` are not."""
    return as_text(value).lower() == "draft"


def as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"expected text, not {describe(value)}")
    return " ".join(str(value).split())


def as_names(value: Any) -> list[str]:
    items = split_list(value) if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str | int) for i in items):
        raise TypeError(f"expected a list of names, not {describe(value)}")
    names = [" ".join(str(i).split()) for i in items]
    return list(dict.fromkeys(n for n in names if n))


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "false", "no"):
        return value.lower() in ("true", "yes")
    raise TypeError(f"expected true or false, not {describe(value)}")


def as_url(value: Any) -> str:
    url = as_text(value)
    if urlsplit(url).scheme not in ("http", "https"):
        own = "; for the entry's own address, use `permalink:`" if url.startswith("/") else ""
        raise ValueError(f"{url!r} is not an http(s) address{own}")
    return url


def as_pattern(value: Any) -> str:
    """An address as written: a path, or a pattern with placeholders."""
    text = as_text(value)
    check_pattern(text)
    return text


def as_paths(value: Any) -> list[str]:
    """Old addresses, each a plain path in the site."""
    paths = split_list(value) if isinstance(value, str) else value
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise TypeError(f"expected a list of paths, not {describe(value)}")
    for path in paths:
        normalize(path)
    return list(dict.fromkeys(p.strip() for p in paths if p.strip()))


def categories_of(meta: dict[str, Any]) -> list[str]:
    """Jekyll's `categories:` (a list, or words), `category:`, or Pelican's Category."""
    value = meta.pop("categories_of", None) or meta.get("categories") or meta.get("category")
    if isinstance(value, str):
        return value.split() if "categories" in meta else [value.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def as_slug(value: Any, warn: Callable[[str], None]) -> str:
    """The slug as given, or made from it with a warning: old blogs' slugs carry `_`, `.`,
    capitals and %-escapes (see slugify_escaped), and refusing them stops a migration."""
    slug = as_text(value)
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


def slug_from_name(rel: str, errors: list[DigestError]) -> str:
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


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
