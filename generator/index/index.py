"""Group parsed entries into people, topics and editions, and give every page its one path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from copy import copy
from datetime import date, timedelta

from generator.config import Config
from generator.dates import local_day
from generator.errors import BuildFailed, DigestError
from generator.index.names import RESERVED_SLUGS, Names, assign_slugs
from generator.model import Edition, Entry, Person, Redirect, Site, Topic
from generator.newsroom.scan import Scan, apply_scan, mentioned_names, over_the_cap
from generator.permalinks import (
    PAGE_DEFAULT,
    PermalinkError,
    fill,
    normalize,
    output_of,
    reserved,
    url_of,
)
from generator.source.fields import ignored_key_notes


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
    people_by_name = Names(people, Person)
    topics_by_name = Names(topics, Topic, merge_by_slug=True)
    for page in pages:
        _place_entry(page, config, errors)
    for entry in shown:
        warnings += over_the_cap(entry, scans.get(entry.path))
        people_names, topic_names = mentioned_names(entry, scans.get(entry.path))
        entry.people = people_by_name.resolve_all(entry, people_names, "people", errors)
        entry.topics = topics_by_name.resolve_all(entry, topic_names, "topics", errors)
    all_people = assign_slugs(people_by_name.all(), "people", config, errors, warnings)
    all_topics = assign_slugs(topics_by_name.all(), "topics", config, errors, warnings)
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
        held_back=[(e.path, e.date) for e in later if e.date is not None],
        drafts_left_out=0 if drafts else sum(e.draft for e in entries),
        entries=shown,
        people=sorted(all_people, key=lambda p: p.sort_key),
        topics=sorted(all_topics, key=lambda t: t.sort_key),
        editions=editions,
        warnings=warnings,
        pages=pages,
        redirects=sorted(redirects, key=lambda r: r.output),
    )


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
