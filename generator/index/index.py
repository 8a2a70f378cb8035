"""Group parsed entries into people, topics and editions, and give every page its one path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

from generator.config import Config
from generator.dates import local_day
from generator.errors import BuildFailed, DigestError, Notice
from generator.index.permalinks import (
    PAGE_DEFAULT,
    PermalinkError,
    fill,
    normalize,
    output_of,
    reserved,
    url_of,
)
from generator.model import Edition, Entry, Person, Redirect, Site, Topic
from generator.newsroom.scan import Scan, apply_scan, mentioned_names, over_the_cap
from generator.slug import slugify
from generator.source.fields import ignored_key_notes

# Slugs a list page's own sub-paths use; an entry, person or topic may not take them.
RESERVED_SLUGS = frozenset({"index", "page", "feed"})

Named = TypeVar("Named", Person, Topic)


def build_index(
    entries: Iterable[Entry],
    people: list[Person],
    topics: list[Topic],
    config: Config,
    *,
    drafts: bool = False,
    future: bool = True,
    now: float | None = None,
    scans: Mapping[str, Scan] | None = None,
) -> Site:
    """Resolve every name, assign every URL, and refuse any two pages claiming one path.

    Drafts are left out unless `drafts`; entries dated after `now` (a POSIX time)
    unless `future`. `scans` (by entry path) add the people and topics each entry's text
    mentions, link their first mentions and attribute its quotes.
    """
    scans = scans or {}
    errors: list[DigestError] = []
    warnings: list[str] = [w for e in entries for w in e.warnings]  # what parsing mended
    cutoff = float("inf") if future or now is None else now
    entries = list(entries)
    later = sorted(
        (e for e in entries if e.order[0] > cutoff and (drafts or not e.draft)),
        key=lambda e: (e.order[0], e.path),
    )
    # Copies: index links entries to people and pages, and parsed entries are reused.
    shown = sorted(
        (copy(e) for e in entries if (drafts or not e.draft) and e.order[0] <= cutoff),
        key=lambda e: e.order,
        reverse=True,
    )
    pages = sorted((e for e in shown if e.static), key=lambda e: e.path)
    shown = [e for e in shown if not e.static]
    people_by_name = _Names(people, "person")
    topics_by_name = _Names(topics, "topic", merge_by_slug=True)
    for page in pages:
        _place_entry(page, config, errors)
    for entry in shown:
        warnings += over_the_cap(entry, scans.get(entry.path))
        people_names, topic_names = mentioned_names(entry, scans.get(entry.path))
        entry.people = people_by_name.resolve_all(entry, people_names, "people", errors)
        entry.topics = topics_by_name.resolve_all(entry, topic_names, "topics", errors)
    all_people = _assign_slugs(people_by_name.all(), "people", config, errors, warnings)
    all_topics = _assign_slugs(topics_by_name.all(), "topics", config, errors, warnings)
    for entry in shown:
        _place_entry(entry, config, errors)
        for person in entry.people:
            person.entries.append(entry)
        for topic in entry.topics:
            topic.entries.append(entry)
        if entry.path in scans:
            apply_scan(entry, scans[entry.path])  # after URLs: it links people's pages
    editions = _group_editions(shown, config)
    redirects = _redirects([*shown, *pages], config, errors)
    _check_unique_outputs([*shown, *pages], redirects, errors)
    if errors:
        raise BuildFailed(errors)
    warnings += ignored_key_notes(entries, config.topics_from)
    return Site(
        next_release=later[0].order[0] if later else None,
        held_back=[(e.path, e.date) for e in later],
        drafts_left_out=0 if drafts else sum(e.draft for e in entries),
        entries=shown,
        people=sorted(all_people, key=lambda p: p.sort_key),
        topics=sorted(all_topics, key=lambda t: t.sort_key),
        editions=editions,
        warnings=warnings,
        pages=pages,
        redirects=sorted(redirects, key=lambda r: r.output),
    )


class _Names:
    """Look names up through aliases; a name nobody registered becomes a new person or topic.

    With `merge_by_slug` (topics), a new name that slugifies like a known one is that
    one: a Pelican tag `this-week-in-rust` and a category `This Week in Rust` are one
    topic, not two pages. People are not merged so: two people may share a name but
    for an accent.
    """

    def __init__(self, registered: list[Named], kind: str, merge_by_slug: bool = False) -> None:
        self.kind = kind
        self.items: list[Named] = []
        self.exact: dict[str, Named] = {}
        self.aliases: dict[str, list[Named]] = {}
        self.by_slug: dict[str, list[Named]] | None = {} if merge_by_slug else None
        self.spellings: dict[int, set[str]] = {}  # id(new item) -> the names given it
        # Copies: index fills in slugs and entries, and the registry is reused across builds.
        registered = [_fresh(item) for item in registered]
        for item in registered:
            self.items.append(item)
            self.exact[_key(item.name)] = item
        for item in registered:
            for alias in item.aliases:
                owners = self.aliases.setdefault(_key(alias), [])
                if item not in owners:
                    owners.append(item)
            for slug in slug_keys(item) if self.by_slug is not None else ():
                owners = self.by_slug.setdefault(slug, [])  # type: ignore[union-attr]
                if item not in owners:
                    owners.append(item)

    def resolve_all(
        self, entry: Entry, names: Iterable[str], key: str, errors: list[DigestError]
    ) -> list[Named]:
        found: list[Named] = []
        for name in names:
            item = self._resolve(entry, name, key, errors)
            if item is not None and item not in found:
                found.append(item)
        return found

    def _resolve(
        self, entry: Entry, name: str, key: str, errors: list[DigestError]
    ) -> Named | None:
        k = _key(name)
        if k in self.exact:
            item = self.exact[k]
            if id(item) in self.spellings:
                self.spellings[id(item)].add(name)
            return item
        owners = self.aliases.get(k, [])
        if len(owners) == 1:
            return owners[0]
        if owners:
            choices = " or ".join(o.name for o in owners)
            errors.append(
                DigestError(
                    f"{name!r} could mean {choices}",
                    entry.path,
                    entry.line_of(key),
                    "write the full name in front matter",
                )
            )
            return None
        slug = slugify(name) if self.by_slug is not None else ""
        alike = self.by_slug.get(slug, []) if self.by_slug is not None and slug else []
        if len(alike) == 1:
            item = alike[0]
            if id(item) in self.spellings:
                self.spellings[id(item)].add(name)
            self.exact[k] = item
            return item
        kind = Person if self.kind == "person" else Topic
        item: Named = kind(name=name, path=entry.path, line=entry.line_of(key))  # type: ignore[assignment]
        self.exact[k] = item
        self.items.append(item)
        self.spellings[id(item)] = {name}
        if self.by_slug is not None and slug and not alike:
            self.by_slug[slug] = [item]
        return item

    def all(self) -> list[Named]:
        """Every item; a new one named in several spellings takes the best of them, so
        that which entry came first does not decide (`Policy` and `policy`)."""
        for item in self.items:
            spellings = self.spellings.get(id(item), set())
            if len(spellings) > 1:
                item.name = best_spelling(spellings)
                item.spellings = tuple(sorted(spellings))
        return self.items


def best_spelling(spellings: Iterable[str]) -> str:
    """The name to show of several that slugify alike, whatever order entries gave them
    in: a written name over a slug (`This Week in Rust` over `this-week-in-rust`),
    capitals over none, then the first in code-point order."""
    return min(spellings, key=lambda s: (s == slugify(s), s == s.casefold(), s))


def slug_keys(item: Person | Topic) -> set[str]:
    """The slugs a name may be merged into this item by: its own and its aliases'."""
    keys = {slugify(name) for name in (item.name, *item.aliases)}
    if item.slug:
        keys.add(item.slug)
    return keys - {""}


def _fresh(item: Named) -> Named:
    if isinstance(item, Person):
        return replace(item, entries=[], quotes=[])  # type: ignore[return-value]
    return replace(item, entries=[])


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    return " ".join(name.replace("’", "'").casefold().split())


def _assign_slugs(
    items: list[Named],
    section: str,
    config: Config,
    errors: list[DigestError],
    warnings: list[str],
) -> list[Named]:
    """Registry order first, then unregistered names by name: the same input, the same slugs."""
    ordered = [i for i in items if i.registered] + sorted(
        (i for i in items if not i.registered), key=lambda i: i.name
    )
    taken: dict[str, Named] = {}
    kept = []
    for item in ordered:
        base = item.slug or slugify(item.name)
        path, line = item.path, item.line
        if not base:
            errors.append(
                DigestError(
                    f"the name {item.name!r} gives an empty URL slug",
                    path,
                    line,
                    "spell the name with letters or digits, or give it a `slug:` in the registry",
                )
            )
            continue
        if base in RESERVED_SLUGS:
            errors.append(
                DigestError(
                    f"the name {item.name!r} would take the reserved address /{section}/{base}/",
                    path,
                    line,
                    "give it another `slug:` in the registry",
                )
            )
            continue
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        if slug != base:
            warnings.append(
                Notice(
                    f"{item.name!r} and {taken[base].name!r} both slugify to {base!r}; "
                    f"{item.name!r} gets /{section}/{slug}/ — in content/{section}.yaml, "
                    "list one as an alias of the other, or give one its own `slug:`",
                    path,
                    line,
                )
            )
        item.slug = slug
        item.url = f"{config.base_path}{section}/{slug}/"
        item.output = f"{section}/{slug}/index.html"
        taken[slug] = item
        kept.append(item)
    return kept


def _place_entry(entry: Entry, config: Config, errors: list[DigestError]) -> None:
    """Give an entry or page its address: its own (`permalink:`, `save_as:`), or the
    site's pattern for it (`permalinks`, or `/{slug}/` for a static page)."""
    if entry.slug in RESERVED_SLUGS:
        errors.append(
            DigestError(
                f"the slug {entry.slug!r} is reserved",
                entry.path,
                entry.line_of("slug"),
                "rename the file or set another `slug:`",
            )
        )
    key = "permalink" if entry.permalink else "save_as" if entry.save_as else "slug"
    try:
        output = address_of(entry, config)
    except PermalinkError as exc:
        hint = "see `permalinks` in README.md for the placeholders"
        where = entry.line_of(key) if key != "slug" else None
        errors.append(DigestError(str(exc), entry.path, where, hint))
        return
    entry.output = output
    entry.url = config.base_path + url_of(output)


def address_of(entry: Entry, config: Config) -> str:
    """The output file an entry or page is written to (see permalinks.py)."""
    pattern = entry.permalink or (PAGE_DEFAULT if entry.static else config.permalinks)
    when = entry.date.astimezone(config.tz) if entry.date is not None else None
    rel = fill(pattern, slug=entry.slug, when=when, categories=entry.categories)
    output = output_of(rel)
    if entry.save_as:
        saved = normalize(fill(entry.save_as, slug=entry.slug, when=when,
                               categories=entry.categories))  # fmt: skip
        if entry.permalink and output_of(saved) != output:
            raise PermalinkError(f"`permalink` /{rel} and `save_as` /{saved} name different files")
        output = output_of(saved)
    return output


def placement(entry: Entry) -> tuple[object, ...]:
    """What decides where an entry is published and what points to it, besides its date
    and slug: an edit changing any of it takes the full build (see delta.py)."""
    return (entry.permalink, entry.save_as, entry.aliases, entry.categories, entry.static,
            entry.nav)  # fmt: skip


def _redirects(entries: list[Entry], config: Config, errors: list[DigestError]) -> list[Redirect]:
    """A redirect page at each old address (`aliases:`) of each entry or page."""
    found = []
    for entry in entries:
        for alias in entry.aliases:
            try:
                output = output_of(normalize(alias))
            except PermalinkError as exc:  # parse checked it; kept for safety
                errors.append(DigestError(str(exc), entry.path, entry.line_of("aliases")))
                continue
            found.append(Redirect(output, config.base_path + url_of(output), entry))
    return found


def _check_unique_outputs(
    entries: list[Entry], redirects: list[Redirect], errors: list[DigestError]
) -> None:
    """No two entries, pages or old addresses publish one file, and none takes a file
    digest writes itself; every clash names both sources."""
    owners: dict[str, tuple[Entry, str]] = {}  # output -> (entry, "address" or "alias")
    claims = [(e.output, e, "address") for e in sorted(entries, key=lambda e: e.path) if e.output]
    claims += sorted(((r.output, r.entry, "alias") for r in redirects), key=lambda c: c[1].path)
    for output, entry, kind in claims:
        shown = f"/{url_of(output)}"
        key = "aliases" if kind == "alias" else "permalink" if entry.permalink else "slug"
        why = reserved(output)
        if why is not None:
            what = "an alias of this entry is" if kind == "alias" else "this entry would publish to"
            hint = (
                "remove that alias" if kind == "alias" else "choose another `permalink:` or `slug:`"
            )
            errors.append(
                DigestError(f"{what} {shown}, but {why}", entry.path, entry.line_of(key), hint)
            )
            continue
        other, other_kind = owners.setdefault(output, (entry, kind))
        if other is entry and other_kind == kind:
            continue
        if kind == other_kind == "address":
            errors.append(
                DigestError(
                    f"this entry and {other.path} both publish to {shown}",
                    entry.path,
                    entry.line_of(key),
                    "give one of them a different `slug:` (or rename the file)",
                )
            )
        elif other is entry:
            errors.append(
                DigestError(
                    f"the alias {shown} is this entry's own address",
                    entry.path,
                    entry.line_of("aliases"),
                    "remove it from `aliases:`",
                )
            )
        else:
            theirs = "address" if other_kind == "address" else "alias"
            errors.append(
                DigestError(
                    f"this entry's {kind} {shown} is also the {theirs} of {other.path}",
                    entry.path,
                    entry.line_of(key),
                    "keep the address in one of them only",
                )
            )


def _group_editions(entries: list[Entry], config: Config) -> list[Edition]:
    editions: dict[str, Edition] = {}
    for entry in entries:  # newest first, so each edition's entries are too
        day = local_day(entry, config)
        edition_id, start, end, title = _edition_of(day, config.edition)
        edition = editions.get(edition_id)
        if edition is None:
            slug = edition_id.lower()
            edition = Edition(
                id=edition_id,
                title=title,
                start=start,
                end=end,
                url=f"{config.base_path}editions/{slug}/",
                output=f"editions/{slug}/index.html",
            )
            editions[edition_id] = edition
        edition.entries.append(entry)
        entry.edition = edition
    return sorted(editions.values(), key=lambda e: e.start, reverse=True)


def _edition_of(day: date, period: str) -> tuple[str, date, date, str]:
    if period == "day":
        return day.isoformat(), day, day, f"{day.day} {day:%B %Y}"
    year, week, weekday = day.isocalendar()
    start = day - timedelta(days=weekday - 1)
    return (
        f"{year}-W{week:02d}",
        start,
        start + timedelta(days=6),
        (f"Week of {start.day} {start:%B %Y}"),
    )


def topic_counts(entries: Iterable[Entry]) -> list[tuple[Topic, int]]:
    """Topics across these entries, most frequent first, then by name."""
    entries = list(entries)
    counts = Counter(t.slug for e in entries for t in e.topics)
    by_slug = {t.slug: t for e in entries for t in e.topics}
    return sorted(
        ((by_slug[s], n) for s, n in counts.items()), key=lambda p: (-p[1], p[0].sort_key)
    )


def people_counts(entries: Iterable[Entry]) -> list[tuple[Person, int]]:
    """People across these entries, most frequent first, then by surname."""
    entries = list(entries)
    counts = Counter(p.slug for e in entries for p in e.people)
    by_slug = {p.slug: p for e in entries for p in e.people}
    return sorted(
        ((by_slug[s], n) for s, n in counts.items()), key=lambda p: (-p[1], p[0].sort_key)
    )
