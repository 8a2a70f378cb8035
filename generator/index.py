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
from generator.errors import BuildFailed, DigestError, Notice
from generator.model import Edition, Entry, Person, Site, Topic
from generator.newsroom import Scan, apply_scan, local_day, mentioned_names
from generator.parse import ignored_key_notes
from generator.slug import slugify

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
    people_by_name = _Names(people, "person")
    topics_by_name = _Names(topics, "topic")
    for entry in shown:
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
    _check_unique_outputs(shown, errors)
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
    )


class _Names:
    """Look names up through aliases; a name nobody registered becomes a new person or topic."""

    def __init__(self, registered: list[Named], kind: str) -> None:
        self.kind = kind
        self.items: list[Named] = []
        self.exact: dict[str, Named] = {}
        self.aliases: dict[str, list[Named]] = {}
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
            return self.exact[k]
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
        kind = Person if self.kind == "person" else Topic
        item: Named = kind(name=name, path=entry.path, line=entry.line_of(key))  # type: ignore[assignment]
        self.exact[k] = item
        self.items.append(item)
        return item

    def all(self) -> list[Named]:
        return self.items


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
                    f"{item.name!r} gets /{section}/{slug}/ — set `slug:` to choose",
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
    if entry.slug in RESERVED_SLUGS:
        errors.append(
            DigestError(
                f"the slug {entry.slug!r} is reserved",
                entry.path,
                entry.line_of("slug"),
                "rename the file or set another `slug:`",
            )
        )
    day = local_day(entry, config)
    folder = f"{day:%Y/%m/%d}/{entry.slug}/"
    entry.url = config.base_path + folder
    entry.output = folder + "index.html"


def _check_unique_outputs(entries: list[Entry], errors: list[DigestError]) -> None:
    owners: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: e.path):
        other = owners.setdefault(entry.output, entry)
        if other is not entry:
            errors.append(
                DigestError(
                    f"this entry and {other.path} both publish to /{entry.output[:-10]}",
                    entry.path,
                    entry.line_of("slug"),
                    "give one of them a different `slug:` (or rename the file)",
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
