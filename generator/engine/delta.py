"""Apply entry edits to the last build's site in place, when they leave its shape alone.

A full build indexes every entry, plans every page and fingerprints each: passes over
the whole archive that cost hundreds of milliseconds at a few thousand entries, too
slow for the live preview's save-to-reload loop. Most edits touch one entry and move
nothing: not its date, slug or visibility, and its people and topics are ones the site
has (or one new name whose slug takes nobody's). Such an edit is applied to the entry
object the last build made, so every page context holding it sees the change; the pages
whose context holds values derived from it (subject pages with their counts, feeds, the
sitemap) are planned again; and only the pages whose context reaches a changed object
are fingerprinted again. Anything else goes through the full build, which stays the
reference: tests/test_incremental.py checks both against a clean build.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from generator.index.index import placement
from generator.index.names import RESERVED_SLUGS, name_key, slug_keys
from generator.model import Edition, Entry, Page, Person, Site, Topic
from generator.newsroom.related import PERSON_WEIGHT, RELATED_LIMIT, TOPIC_WEIGHT, related_entries
from generator.newsroom.scan import Scan, apply_scan, mentioned_names, over_the_cap
from generator.render.depend import settings_fingerprint
from generator.render.feeds import FEED_NAME, latest_change, plan_sitemap, site_feeds, subject_feed
from generator.render.plan import subject_pages
from generator.slug import slugify

if TYPE_CHECKING:
    from generator.config import Config
    from generator.render.depend import Fingerprints, TemplateInfo

Subject = Person | Topic
# What parsing fills in; the rest of an Entry is index's and stays with the indexed copy.
PARSED = tuple(f.name for f in fields(Entry) if f.name not in {
    "people", "topics", "edition", "url", "output", "related", "quotes", "links",
})  # fmt: skip
INDEX_PAGES = {"person": "people/index.html", "topic": "topics/index.html"}


@dataclass
class Snapshot:
    """The last full build's site and plan, kept by the live preview between edits."""

    site: Site
    config: Config
    pages: dict[str, Page]  # output -> page
    fingerprints: dict[str, str]  # output -> fingerprint
    digests: Fingerprints
    templates: TemplateInfo
    feed_ids: dict[int, str]
    by_path: dict[str, Entry] = field(default_factory=dict)
    uses: dict[int, set[str]] | None = None  # id(entry, person, …) -> outputs showing it

    def __post_init__(self) -> None:
        self.by_path = {e.path: e for e in self.site.entries}


@dataclass
class Change:
    """What applying the edits touched: the outputs to fingerprint again, and the gone."""

    recheck: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)


class NeedsFullBuild(Exception):
    """An edit changes the site's shape; the snapshot may be half-changed: discard it."""


def apply_edits(
    snap: Snapshot, edits: list[tuple[Entry, Scan]], *, drafts: bool, cutoff: float
) -> Change:
    """Apply freshly parsed entries (with their scans) to the snapshot; raise
    NeedsFullBuild when one of them changes what index or plan would decide."""
    uses = uses_map(snap)
    dirty: dict[int, object] = {}
    edited: list[Entry] = []
    replan: dict[int, Subject] = {}
    related = sitemap = False
    befores = []
    for entry, scan in edits:
        touched = _apply(snap, entry, scan, drafts, cutoff)
        edited.append(snap.by_path[entry.path])
        _retitle(snap, edited[-1])
        befores.append(touched.before)
        dirty.update((id(o), o) for o in touched.dirty)
        replan.update((id(s), s) for s in touched.replan)
        related |= touched.related
        sitemap |= touched.sitemap
    snap.digests.forget(dirty)
    change = Change()
    for key in dirty:
        change.recheck |= uses.get(key, set())
    for subject in replan.values():
        _replan_subject(snap, subject, change)
    if replan or sitemap:
        _replan(snap, _site_pages(snap), change)
    if related and len(edited) == 1:
        _update_related_of_one(snap, edited[0], befores[0], list(replan.values()), change)
    elif related:
        _update_related(snap, [*edited, *(e for s in replan.values() for e in s.entries)], change)
    change.recheck = {o for o in change.recheck if o in snap.pages}  # some are gone
    return change


@dataclass
class _Touched:
    dirty: list[object]
    replan: list[Subject]
    related: bool  # people or topics changed: related entries may have too
    sitemap: bool
    before: tuple[set[int], set[int]]  # ids of the people and topics it had


def _apply(snap: Snapshot, new: Entry, scan: Scan, drafts: bool, cutoff: float) -> _Touched:
    old = snap.by_path.get(new.path)
    if old is None or (new.draft and not drafts) or new.order[0] > cutoff:
        raise NeedsFullBuild(new.path)  # appears, disappears or is held back
    if new.order != old.order or placement(new) != placement(old):
        raise NeedsFullBuild(new.path)  # date, slug or address: its URL, its place in lists
    if (
        new.warnings
        or over_the_cap(new, scan)
        or any(w.startswith(f"{new.path}:") for w in snap.site.warnings)
    ):
        raise NeedsFullBuild(new.path)  # index's warnings about it may come or go
    people_names, topic_names = mentioned_names(new, scan)
    people = _resolve(snap, people_names, "person", new)
    topics = _resolve(snap, topic_names, "topic", new)
    before_subjects: list[Subject] = [*old.people, *old.topics]
    after_subjects: list[Subject] = [*people, *topics]
    if any(s.spellings for s in [*before_subjects, *after_subjects]):
        raise NeedsFullBuild(new.path)  # one named in several spellings may be renamed
    gone = [s for s in before_subjects if s not in after_subjects]
    for subject in gone:
        if len(subject.entries) == 1 and not subject.registered:
            _drop_subject(snap, subject)
    before = _ids(old)
    quoted = {id(q.person): q.person for q in old.quotes if q.person is not None}
    for person in quoted.values():
        person.quotes = [pair for pair in person.quotes if pair[0] is not old]
    updated = old.updated != new.updated
    # Where each subject it joins or leaves stood in the sitemap (its newest date):
    # a scan of the subject's entries, so only for those.
    edges = _latest_of(
        [s for s in before_subjects if s not in after_subjects]
        + [s for s in after_subjects if s not in before_subjects]
    )
    for name in PARSED:
        setattr(old, name, getattr(new, name))
    moved = _move(old, old.people, people) + _move(old, old.topics, topics)
    old.people, old.topics = people, topics
    apply_scan(old, scan)  # links first mentions, appends the quotes it attributes
    for quote in old.quotes:
        if quote.person is not None:
            quoted[id(quote.person)] = quote.person
    for person in quoted.values():  # newest entry first, as index orders them
        person.quotes.sort(key=lambda pair: pair[0].order, reverse=True)
    return _Touched(
        dirty=[old, *moved, *quoted.values()],
        replan=[*moved, *people, *topics] if moved or updated else [],
        related=bool(moved),
        # The sitemap dates each subject by its newest entry, and lists every subject.
        sitemap=updated or any(_latest_of([s])[id(s)] != edges.get(id(s)) for s in moved),
        before=before,
    )


def _latest_of(subjects: list[Subject]) -> dict[int, object]:
    """Each subject's newest date, and whether it is still listed (the sitemap's view)."""
    return {id(s): (latest_change(s.entries), s.url) for s in subjects}


def _resolve(snap: Snapshot, names: tuple[str, ...], kind: str, entry: Entry) -> list:
    """Names to the site's people or topics, as index resolves them; a name nobody has
    yet becomes a new one only where its slug is free."""
    items: list[Subject] = snap.site.people if kind == "person" else snap.site.topics  # type: ignore[assignment]
    exact = {name_key(i.name): i for i in items}
    found: list[Subject] = []
    for name in names:
        key = name_key(name)
        item = exact.get(key)
        if item is not None and not item.registered and name != item.name:
            raise NeedsFullBuild(entry.path)  # another spelling: index picks the name
        if item is None:
            owners = [i for i in items if i.registered and key in map(name_key, i.aliases)]
            if len(owners) > 1:
                raise NeedsFullBuild(entry.path)  # index reports the ambiguity
            item = owners[0] if owners else _new_subject(snap, name, kind, entry)
            exact[name_key(item.name)] = item
        if item not in found:
            found.append(item)
    return found


def _new_subject(snap: Snapshot, name: str, kind: str, entry: Entry) -> Subject:
    """A person or topic first named by this entry, placed where index would put it."""
    items: list[Subject] = snap.site.people if kind == "person" else snap.site.topics  # type: ignore[assignment]
    slug = slugify(name)
    section = "people" if kind == "person" else "topics"
    clash = any(slug in slug_keys(i) for i in items)  # index would merge or suffix it
    if not slug or slug in RESERVED_SLUGS or clash:
        raise NeedsFullBuild(entry.path)  # an error, or slugs that depend on the order
    cls = Person if kind == "person" else Topic
    item = cls(name=name, path=entry.path, line=entry.line_of(section), slug=slug)
    item.url = f"{snap.config.base_path}{section}/{slug}/"
    item.output = f"{section}/{slug}/index.html"
    if any(i.sort_key == item.sort_key for i in items):
        raise NeedsFullBuild(entry.path)  # equal keys: the order would depend on history
    at = next((n for n, i in enumerate(items) if i.sort_key > item.sort_key), len(items))  # type: ignore[operator]
    items.insert(at, item)
    return item


def _drop_subject(snap: Snapshot, subject: Subject) -> None:
    """An unregistered person or topic whose only entry no longer names them."""
    items: list[Subject] = snap.site.people if isinstance(subject, Person) else snap.site.topics  # type: ignore[assignment]
    base = slugify(subject.name)
    if subject.slug != base or any(i is not subject and slugify(i.name) == base for i in items):
        raise NeedsFullBuild(subject.path or "")  # another one's slug would change
    items.remove(subject)


def _move(entry: Entry, before: list, after: list) -> list[Subject]:
    """Take the entry out of the subjects it left and into those it joined."""
    moved = []
    for subject in before:
        if subject not in after:
            subject.entries.remove(entry)
            moved.append(subject)
    for subject in after:
        if subject not in before:
            at = next(
                (n for n, e in enumerate(subject.entries) if e.order < entry.order),
                len(subject.entries),
            )
            subject.entries.insert(at, entry)
            moved.append(subject)
    return moved


# --- pages ------------------------------------------------------------------------------


def _retitle(snap: Snapshot, entry: Entry) -> None:
    """An entry page's title is planned from the entry's: plan it again with the new one."""
    page = snap.pages[entry.output]
    snap.pages[entry.output] = replace(page, title=entry.title)
    snap.pages[entry.output].context["entry"] = entry


def _replan_subject(snap: Snapshot, subject: Subject, change: Change) -> None:
    """A subject's pages and feed again: pagination, counts and feed dates follow entries."""
    alive = subject in (snap.site.people if isinstance(subject, Person) else snap.site.topics)
    pages = [
        *subject_pages(subject, snap.config),
        subject_feed(subject, snap.feed_ids, snap.config),
    ]
    _replan(snap, pages if alive else [], change, _subject_outputs(snap, subject))
    change.recheck.add(INDEX_PAGES["person" if isinstance(subject, Person) else "topic"])


def _subject_outputs(snap: Snapshot, subject: Subject) -> list[str]:
    """The outputs a subject has now: its pages (as many as its first says) and its feed."""
    first = snap.pages.get(subject.output)
    if first is None:
        return []  # new
    folder = subject.output[: -len("index.html")]
    count = first.context["pagination"].count
    pages = [f"{folder}page/{n}/index.html" for n in range(2, count + 1)]
    return [subject.output, *pages, folder + FEED_NAME]


def _site_pages(snap: Snapshot) -> list[Page]:
    """Pages built from values derived from all entries: site feeds and the sitemap."""
    pages = [*site_feeds(snap.site, snap.feed_ids, snap.config)]
    return pages + plan_sitemap(snap.site, snap.config)


def _replan(
    snap: Snapshot, pages: list[Page], change: Change, replaced: list[str] | None = None
) -> None:
    """Put planned pages in the snapshot (dropping `replaced` ones not planned again)."""
    uses = uses_map(snap)
    outputs = {p.output for p in pages}
    for output in replaced or []:
        if output not in outputs:
            del snap.pages[output]
            snap.fingerprints.pop(output, None)
            change.removed.add(output)
    for page in pages:
        if page.template not in snap.templates.closure:
            raise NeedsFullBuild(page.output)  # the first of its kind: a template unscanned
        snap.pages[page.output] = page
        change.recheck.add(page.output)
        change.removed.discard(page.output)
        for key in page_objects(page):
            uses.setdefault(key, set()).add(page.output)


def _update_related(snap: Snapshot, entries: list[Entry], change: Change) -> None:
    """Related entries again for the entries that share a person or topic with an edit."""
    wanted = {id(e) for e in entries}
    ranks = [i for i, e in enumerate(snap.site.entries) if id(e) in wanted]
    for rank, found in zip(ranks, related_entries(snap.site.entries, only=ranks), strict=True):
        _set_related(snap, snap.site.entries[rank], found, change)


def _update_related_of_one(
    snap: Snapshot,
    entry: Entry,
    before: tuple[set[int], set[int]],
    subjects: list[Subject],
    change: Change,
) -> None:
    """After one entry's people or topics changed, only its own score in the others'
    rankings moved: most of them keep their list, and a few take it in or move it up."""
    rank = snap.site.entries.index(entry)
    _set_related(snap, entry, related_entries(snap.site.entries, only=[rank])[0], change)
    after = _ids(entry)
    recompute = []
    for other in {id(e): e for s in subjects for e in s.entries}.values():
        if other is entry:
            continue
        mine = _ids(other)
        old, new = _score(mine, before), _score(mine, after)
        if old == new:
            continue
        shown = snap.pages[other.output].context["related"]
        if entry in shown and new < old:
            recompute.append(other)  # it may drop out for one nobody has ranked yet
            continue
        if entry not in shown and new < old:
            continue
        candidates = shown if entry in shown else [*shown, entry]

        def key(e: Entry, mine: tuple[set[int], set[int]] = mine) -> tuple[int, tuple]:
            return (_score(mine, after if e is entry else _ids(e)), e.order)

        ranked = sorted(candidates, key=key, reverse=True)[:RELATED_LIMIT]
        _set_related(snap, other, [e for e in ranked if key(e)[0] > 0], change)
    _update_related(snap, recompute, change)


def _ids(entry: Entry) -> tuple[set[int], set[int]]:
    return {id(p) for p in entry.people}, {id(t) for t in entry.topics}


def _score(mine: tuple[set[int], set[int]], theirs: tuple[set[int], set[int]]) -> int:
    return PERSON_WEIGHT * len(mine[0] & theirs[0]) + TOPIC_WEIGHT * len(mine[1] & theirs[1])


def _set_related(snap: Snapshot, entry: Entry, found: list[Entry], change: Change) -> None:
    page = snap.pages[entry.output]
    if [id(e) for e in page.context["related"]] != [id(e) for e in found]:
        page.context["related"] = found
        change.recheck.add(page.output)
        for other in found:
            uses_map(snap).setdefault(id(other), set()).add(page.output)


def refingerprint(snap: Snapshot, outputs: set[str]) -> None:
    """Fingerprint these pages again after their objects changed."""
    config_fp = settings_fingerprint(snap.config, snap.site)
    for output in outputs:
        snap.fingerprints[output] = snap.digests.page(snap.pages[output], snap.templates, config_fp)


def uses_map(snap: Snapshot) -> dict[int, set[str]]:
    """Which outputs show each object, built once per snapshot (a superset is harmless:
    a page fingerprinted again unchanged is not rendered)."""
    if snap.uses is None:
        snap.uses = {}
        for page in snap.pages.values():
            for key in page_objects(page):
                snap.uses.setdefault(key, set()).add(page.output)
    return snap.uses


def page_objects(page: Page) -> set[int]:
    """The ids of the entries, people, topics and editions a page's fingerprint covers."""
    found: set[int] = set()
    for key, value in page.context.items():
        top = key == "entry" or (not key.startswith(("prev_", "next_")) and key not in page.shallow)
        _collect(value, top, found)
    subject = page.context.get(page.kind)
    pagination = page.context.get("pagination")
    first = pagination is None or pagination.number == 1
    if first and isinstance(subject, Person | Topic):  # pictures: timeline, co-mentions…
        found.update(id(e) for e in subject.entries)
    return found


def _collect(value: object, top: bool, found: set[int]) -> None:
    kind = type(value)
    if kind is Entry:
        found.add(id(value))
    elif kind is list or kind is tuple:
        for item in value:  # type: ignore[attr-defined]
            _collect(item, False, found)
    elif kind is Person or kind is Topic or kind is Edition:
        found.add(id(value))
        if top:
            found.update(id(e) for e in value.entries)  # type: ignore[attr-defined]
