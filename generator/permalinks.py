"""Where an entry or a static page is published: a pattern filled in, or its own path.

Archives brought over from other generators keep their addresses. A pattern may be
written in our style or in either of theirs, and mixed:

- ours: `{yyyy}`, `{mm}`, `{dd}`, `{slug}` (the default is `/{yyyy}/{mm}/{dd}/{slug}/`);
- Pelican's: `{slug}`, `{date:%Y}` (any `strftime` format), `{category}`;
- Jekyll's: `:year`, `:month`, `:day`, `:i_month`, `:i_day`, `:short_year`, `:y_day`,
  `:short_month`, `:long_month`, `:hour`, `:minute`, `:second`, `:title` and `:slug`
  (both the slug), `:categories`, `:output_ext` (`.html`), and the named styles
  `date`, `pretty`, `ordinal` and `none`.

Dates are the entry's, in the site's time zone, as its default address has them. A
path ending in `/` is a folder (`…/index.html`); one whose last part has an extension
(`2015/03/post.html`) is that file; any other is taken as a folder too, which static
hosts serve at both `…/post` and `…/post/`.
"""

from __future__ import annotations

import re
from datetime import datetime

from generator.slug import slugify

DEFAULT = "/{yyyy}/{mm}/{dd}/{slug}/"
PAGE_DEFAULT = "/{slug}/"
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_TOKEN = re.compile(r"\{([a-z_]+)(?::([^{}]*))?\}|:([a-z_]+)")
_BRACED = {"slug", "yyyy", "mm", "dd", "category", "date"}
_COLON = {
    "year", "month", "day", "i_month", "i_day", "short_year", "y_day", "short_month",
    "long_month", "hour", "minute", "second", "title", "slug", "categories", "output_ext",
}  # fmt: skip
_DATED = {"yyyy", "mm", "dd", "date"} | (_COLON - {"title", "slug", "categories", "output_ext"})
_SLUGGED = {"slug", "title"}
# What a published path may hold: unreserved URL characters and %-escapes.
_SAFE = re.compile(r"[A-Za-z0-9._~%/-]*")
# Where digest writes pages of its own: no entry, page or alias may publish there.
RESERVED_FOLDERS = ("people", "topics", "editions", "search", "theme", "pagefind", "page")
RESERVED_FILES = ("index.html", "404.html", "feed.xml", "feed.json", "sitemap.xml", "robots.txt")


class PermalinkError(ValueError):
    """A pattern or path that cannot be an address; the message says why."""


def known_placeholders() -> str:
    braced = ", ".join(f"{{{name}}}" for name in sorted(_BRACED - {"date"}))
    return f"{braced}, {{date:%Y}}, :{', :'.join(sorted(_COLON))}"


def check_pattern(pattern: str, *, needs_slug: bool = False) -> None:
    """Raise PermalinkError for an unknown placeholder, or (`needs_slug`, for a pattern
    every entry shares) for one that would give every entry the same address."""
    pattern = JEKYLL_STYLES.get(pattern, pattern)
    names = set()
    for match in _TOKEN.finditer(pattern):
        braced, fmt, colon = match.groups()
        name = braced or colon
        if (braced and name not in _BRACED) or (colon and name not in _COLON):
            raise PermalinkError(f"unknown placeholder {match.group()!r} in {pattern!r}")
        if braced == "date" and not fmt:
            raise PermalinkError(f"{{date}} needs a format, such as {{date:%Y}}, in {pattern!r}")
        names.add(name)
    if needs_slug and not names & _SLUGGED:
        raise PermalinkError(f"{pattern!r} has no {{slug}} (or :title): entries would share it")
    if not _SAFE.fullmatch(_TOKEN.sub("x", pattern)):
        raise PermalinkError(f"{pattern!r} has characters an address cannot hold")


def fill(
    pattern: str, *, slug: str, when: datetime | None, categories: tuple[str, ...] = ()
) -> str:
    """The path (from the site's base, no leading `/`) the pattern gives; `when` is the
    entry's date in the site's zone (None for an undated page)."""
    pattern = JEKYLL_STYLES.get(pattern, pattern)
    check_pattern(pattern)

    def value(match: re.Match[str]) -> str:
        braced, fmt, colon = match.groups()
        name = braced or colon
        if name in _SLUGGED:
            return slug
        if name == "category":
            return slugify(categories[0]) if categories else "misc"  # Pelican's default
        if name == "categories":
            return "/".join(filter(None, map(slugify, categories)))
        if name == "output_ext":
            return ".html"
        if when is None:
            raise PermalinkError(f"{match.group()!r} needs a date, and this page has none")
        if braced == "date":
            return when.strftime(fmt)
        return when.strftime(_STRFTIME[name]).lstrip("0" if name in _UNPADDED else "")

    return normalize(re.sub("/{2,}", "/", _TOKEN.sub(value, pattern)))  # as Jekyll does


_STRFTIME = {
    "yyyy": "%Y", "mm": "%m", "dd": "%d", "year": "%Y", "month": "%m", "day": "%d",
    "i_month": "%m", "i_day": "%d", "short_year": "%y", "y_day": "%j", "short_month": "%b",
    "long_month": "%B", "hour": "%H", "minute": "%M", "second": "%S",
}  # fmt: skip
_UNPADDED = {"i_month", "i_day"}


def normalize(path: str) -> str:
    """A written path as we keep it: no leading `/`, no empty parts; `…/` for a folder.

    Raise PermalinkError for what no static host could serve as written: `..`, hidden
    parts, characters outside an address's plain set, a query or a fragment.
    """
    text = path.strip()
    if "://" in text or text.startswith("//") or any(c in text for c in "?#\\"):
        raise PermalinkError(f"{path!r} must be a path in the site, such as /2015/03/post/")
    parts = [p for p in text.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        raise PermalinkError(f"{path!r} has a part that starts with a dot")
    if not _SAFE.fullmatch(text):
        raise PermalinkError(
            f"{path!r} has characters an address cannot hold (letters, digits, - . _ ~)"
        )
    if not parts:
        return ""
    folder = text.endswith("/") or "." not in parts[-1]
    return "/".join(parts) + ("/" if folder else "")


def output_of(rel: str) -> str:
    """The file a path is written to: a folder's `index.html`, or the file itself."""
    return rel + "index.html" if rel.endswith("/") or not rel else rel


def url_of(output: str) -> str:
    """The path that reaches an output file (`a/index.html` → `a/`)."""
    return output[: -len("index.html")] if output.endswith("index.html") else output


def reserved(output: str) -> str | None:
    """Why digest keeps this output for pages of its own, if it does."""
    first = output.split("/", 1)[0]
    if "/" in output and first in RESERVED_FOLDERS:
        return f"digest's own /{first}/ pages are there"
    if output in RESERVED_FILES:
        return f"digest writes its own /{url_of(output)} there"
    return None
