"""Plain data: entries as parsed, and the people, topics and editions built from them."""

from __future__ import annotations

import pickle
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any, SupportsIndex

from markupsafe import Markup, escape

# The most people (or topics) one entry may be listed under. Every person of an entry
# lists it with all its people, so an entry naming n people costs n² on their pages:
# a roster of thousands belongs in the body text, not in the index.
MAX_NAMES = 200
Day = date  # in Entry's body `date` names the field, not the type


@dataclass(eq=False)  # identity, not a field-by-field comparison of the whole graph
class Entry:
    """One news entry. Parse fills the first block; index fills the links to the rest."""

    path: str  # relative to the site root, as shown in messages
    title: str
    # Always aware (date-only values are midnight in the site's zone); None only for a
    # static page written without a date.
    date: datetime | None
    slug: str
    body: Markup
    summary: str
    authors: tuple[str, ...] = ()
    source: str | None = None  # the outlet
    source_url: str | None = None  # the original article
    people_names: tuple[str, ...] = ()
    topic_names: tuple[str, ...] = ()
    not_people: tuple[str, ...] = ()  # names the text mentions but the entry is not about
    not_topics: tuple[str, ...] = ()
    draft: bool = False
    updated: datetime | None = None  # last substantive change, for feeds and the sitemap
    words: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line
    body_hash: str = ""  # lets a page's fingerprint cover the body without rehashing it
    fields_hash: str = ""  # the same for the fields lists show (title, date, summary…)
    day: Day | None = None  # the publication day in the zone parsing was told of
    day_zone: str = ""
    order: tuple[float, str, str] = (0.0, "", "")  # newest-first sorting without datetimes
    file_slug: str = ""  # the slug the file name gives, whatever `slug:` says (feed ids)
    # What parsing mended (a control character removed, a slug made), as `path:line: …`
    # messages: kept with the entry, so a build that takes it from the cache says it too.
    warnings: tuple[str, ...] = ()
    # Where it is published (see permalinks.py): its own address as written (`permalink:`,
    # Pelican's `URL:`), the file to write (`save_as:`), old addresses that redirect to
    # it (`aliases:`), and the categories a pattern may name.
    permalink: str = ""
    save_as: str = ""
    aliases: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    static: bool = False  # a static page (content/pages/, `layout: page`), not news
    nav: bool = False  # a static page listed in the site's menu
    # Filled by index:
    people: list[Person] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    edition: Edition | None = None
    url: str = ""
    output: str = ""
    related: list[Entry] = field(default_factory=list)  # filled when pages are planned
    quotes: list[Any] = field(default_factory=list)  # direct quotations found in the text
    # First mentions to link, as (start, end, url) in the parsed body: the linked body is
    # made when a page shows it, so the archive is not held in memory twice.
    links: tuple[tuple[int, int, str], ...] = ()

    @property
    def reading_minutes(self) -> int:
        """At about 230 words a minute, never less than one."""
        return max(1, round(self.words / 230))

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key) or self.lines.get("")


# `_body` is the slot `_slotted` gives the field `body` (below), which type checkers
# cannot see: hence the `attr-defined` ignores where it is read or set.


def _linked_body(entry: Entry) -> Markup:
    """`entry.body` as pages show it: the parsed HTML with its first mentions linked."""
    stored = entry._body  # type: ignore[attr-defined]
    if isinstance(stored, Shelved):
        stored = bytes(stored)
    body = Markup(zlib.decompress(stored).decode("utf-8")) if isinstance(stored, bytes) else stored
    if not entry.links:
        return body
    return Markup(splice_links(body, entry.links))


def _set_body(entry: Entry, body: str | bytes | Shelved) -> None:
    # Kept compressed: the archive's bodies are most of what a build holds in memory
    # (and every forked worker copies what it touches), while a body is read only to
    # render its own page and the feeds showing it. Level 1 takes ~40 µs for 10 KB.
    if isinstance(body, str):
        entry._body = zlib.compress(str(body).encode("utf-8"), 1)  # type: ignore[attr-defined]
    else:
        entry._body = body  # type: ignore[attr-defined]


class Shelved:
    """A compressed body kept as a slice of one bytes object holding many.

    A forked render worker reading a body of its own bytes object writes that object's
    reference count, which copies the memory page holding it: rendering an archive's
    entries that way copies nearly all its bodies into every worker. Read from a shared
    blob, only the blob's first page is written. Pickled, it is plain bytes again.
    """

    __slots__ = ("blob", "end", "start")

    def __init__(self, blob: bytes, start: int, end: int) -> None:
        self.blob, self.start, self.end = blob, start, end

    def __bytes__(self) -> bytes:
        return self.blob[self.start : self.end]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[type[bytes], tuple[Any]]:
        # From protocol 5 a view of the blob, not a copy: a pickler keeps everything it
        # pickled until it is done, and copies would add up to the archive's bodies.
        if int(protocol) >= 5:
            return bytes, (pickle.PickleBuffer(memoryview(self.blob)[self.start : self.end]),)
        return bytes, (bytes(self),)


def shelve_bodies(entries: Iterable[Entry]) -> None:
    """Move the compressed bodies of `entries` into one blob they share (see Shelved)."""
    stored = [(e, e._body) for e in entries if type(e._body) is bytes]  # type: ignore[attr-defined]
    blob = b"".join(body for _, body in stored)
    start = 0
    for entry, body in stored:
        entry._body = Shelved(blob, start, start + len(body))  # type: ignore[attr-defined]
        start += len(body)


def _slotted(cls: type, stored: dict[str, str]) -> type:
    """`cls` again with a slot per field instead of a `__dict__`, the fields in `stored`
    kept in a slot of another name (behind a property of the field's own name).

    A build holds two entries per file (the parse cache's and the indexed copy), tens
    of thousands at a large site: without a `__dict__` each is a fifth the size, and a
    forked render worker touching every entry copies that much less of the parent.
    `dataclasses.fields`, `replace`, `copy` and pickle keep working: they go by the
    fields or by the slots, and a pickle holds the stored (compressed) value.
    """
    names = [f.name for f in fields(cls)]
    namespace = {
        k: v for k, v in cls.__dict__.items() if k not in {*names, "__dict__", "__weakref__"}
    }
    namespace["__slots__"] = tuple(stored.get(name, name) for name in names)
    return type(cls)(cls.__name__, cls.__bases__, namespace)


# The constructor, copies and pickles keep the parsed body (compressed); every reader,
# templates included, gets the linked Markup.
# Type checkers see the dataclass as written: a class name is not meant to be rebound,
# and `body` is a field to them, not the property that replaces it here.
Entry = _slotted(Entry, {"body": "_body"})  # type: ignore[misc, assignment]
Entry.body = property(_linked_body, _set_body)  # type: ignore[assignment]


@dataclass(eq=False)
class Person:
    """Someone the news concerns, from the registry or first met in front matter."""

    name: str
    slug: str = ""
    aliases: tuple[str, ...] = ()
    role: str | None = None
    description: str | None = None
    same_as: tuple[str, ...] = ()
    registered: bool = False  # in people.yaml, rather than only named by entries
    spellings: tuple[str, ...] = ()  # names entries gave an unregistered one (see index)
    quotes: list[Any] = field(default_factory=list)  # (entry, quote) pairs, newest first
    path: str | None = None  # where the registry defines them, or the entry first naming them
    line: int | None = None
    url: str = ""
    output: str = ""
    entries: list[Entry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    @cached_property
    def sort_key(self) -> tuple[str, str]:
        """Surname first, as a newsroom's index is ordered; `Álvarez` sorts with the A's."""
        parts = self.name.split()
        return (_fold(parts[-1]) if parts else "", _fold(self.name))


@dataclass(eq=False)
class Topic:
    """A subject the news concerns, from the registry or first met in front matter."""

    name: str
    slug: str = ""
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    description: str | None = None
    registered: bool = False
    # The names entries gave an unregistered topic: alike but for case, or slugifying
    # alike (`this-week-in-rust`, `This Week in Rust`); named by the best (see index).
    spellings: tuple[str, ...] = ()
    path: str | None = None
    line: int | None = None
    url: str = ""
    output: str = ""
    entries: list[Entry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    @cached_property
    def sort_key(self) -> str:
        return _fold(self.name)


def _fold(text: str) -> str:
    """Case- and accent-insensitive sort key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Whom or what index pages are about; each has a name, slug, url, aliases and entries.
Subject = Person | Topic


@dataclass(eq=False)
class Edition:
    """The entries of one day or one ISO week, as a printed digest would group them."""

    id: str
    title: str
    start: date
    end: date
    url: str = ""
    output: str = ""
    entries: list[Entry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass
class Redirect:
    """An old address of an entry or page (`aliases:`): a page that sends readers on."""

    output: str
    url: str
    entry: Entry


@dataclass
class Site:
    """Everything index produces: what render needs, and nothing it has to recompute."""

    entries: list[Entry]  # newest first
    people: list[Person]  # by surname
    topics: list[Topic]  # by name
    editions: list[Edition]  # newest first
    warnings: list[str] = field(default_factory=list)
    next_release: float | None = None  # when the first held-back future entry is due
    # Entries dated after the build's "now", as (path, date), soonest first; drafts left out.
    held_back: list[tuple[str, datetime]] = field(default_factory=list)
    drafts_left_out: int = 0
    pages: list[Entry] = field(default_factory=list)  # static pages, by path
    redirects: list[Redirect] = field(default_factory=list)  # by output

    def subjects(self) -> list[Subject]:
        """Every person, then every topic: whom and what the index pages are about."""
        return [*self.people, *self.topics]


@dataclass(frozen=True)
class Pagination:
    """Where a page of a long list stands among its siblings."""

    number: int  # 1-based
    count: int  # how many pages the list has
    total: int  # how many items in all
    url: str
    first_url: str
    prev_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template makes it, and with what."""

    output: str  # relative to the output folder, e.g. `people/xi-jinping/index.html`
    url: str  # the href that reaches it, base path included
    template: str
    title: str
    kind: str
    context: dict[str, Any]
    # Context keys whose person, topic or edition is shown by its own fields only: on
    # a page of a paginated list, the entries shown are the page's `entries`.
    shallow: frozenset[str] = frozenset()


def splice_links(body: str, links: Iterable[tuple[int, int, str]]) -> str:
    """Wrap each (start, end) span of the HTML in a link to its URL."""
    body = str(body)  # slices of Markup are Markup objects, and slow to make
    out: list[str] = []
    pos = 0
    for start, end, url in sorted(links):
        out += [body[pos:start], f'<a href="{escape(url)}">', body[start:end], "</a>"]
        pos = end
    out.append(body[pos:])
    return "".join(out)
