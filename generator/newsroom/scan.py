"""Newsroom intelligence in the build: whom and what each entry mentions, and what they said.

`Scanner.scan` reads one entry against the registries and returns a `Scan` of plain names
and offsets, which the builder caches per entry and registry. Index then applies each scan
once people have URLs (`apply_scan`): mentioned people and topics join the entry, the first
mention of each person in the body links to their page, and quotes go to their speakers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.digests import hash_text
from generator.model import MAX_NAMES, Entry, Person, Topic
from generator.newsroom.bodies import first_mentions, html_text
from generator.newsroom.mentions import build_matcher, detect_entry, fold, surname_of
from generator.newsroom.proposals import propose_people
from generator.newsroom.quotes import Quote, quotes_of_entry


@dataclass(frozen=True)
class Said:
    """A quotation as cached: the speaker's registry name, or None when nobody is named."""

    speaker: str | None
    text: str
    paragraph: int


@dataclass(frozen=True)
class Scan:
    """What reading one entry found, as plain data that pickles small and stays valid
    for as long as the entry's bytes and the registries are the same."""

    people: tuple[str, ...] = ()  # registry names in order of first mention
    topics: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (alias as written, candidates)
    links: tuple[tuple[str, int, int], ...] = ()  # (person, start, end) in the body's HTML
    quotes: tuple[Said, ...] = ()
    unknown: tuple[tuple[str, str], ...] = ()  # ("not_people", name) that names nobody


class Scanner:
    """The registries compiled once, then read against entry after entry."""

    def __init__(self, people: Sequence[Person], topics: Sequence[Topic]) -> None:
        self.matcher = build_matcher(people, topics)
        self._people = _Lookup(people)
        self._topics = _Lookup(topics)

    def scan(self, entry: Entry) -> Scan:
        """Find the people and topics an entry mentions, where to link them, and its quotes."""
        named = [p for name in entry.people_names for p in self._people.only(name)]
        excluded: list[Person | Topic] = []
        unknown = []
        for key, names, lookup in (
            ("not_people", entry.not_people, self._people),
            ("not_topics", entry.not_topics, self._topics),
        ):
            for name in names:
                meant = lookup.every(name)
                excluded += meant
                unknown += [] if meant else [(key, name)]
        found = detect_entry(entry, self.matcher, named=named, excluded=excluded)
        links = first_mentions(str(entry.body), found)
        quotes = quotes_of_entry(entry, self.matcher)
        return Scan(
            people=tuple(p.name for p in found.people),
            topics=tuple(t.name for t in found.topics),
            ambiguous=tuple((text, tuple(p.name for p in who)) for text, who in found.ambiguous),
            links=tuple((p.name, start, end) for p, start, end in links),
            quotes=tuple(Said(q.person.name if q.person else None, q.text, q.paragraph_index)
                         for q in quotes),
            unknown=tuple(unknown),
        )  # fmt: skip


class _Lookup:
    """Registry names and aliases, folded as the matcher folds them."""

    def __init__(self, items: Iterable[Person] | Iterable[Topic]) -> None:
        self._names: dict[str, Person | Topic] = {}
        self._aliases: dict[str, list[Person | Topic]] = {}
        self._surnames: dict[str, list[Person | Topic]] = {}
        for item in items:
            self._names.setdefault(fold(item.name), item)
            for alias in item.aliases:
                self._aliases.setdefault(fold(alias), []).append(item)
            if isinstance(item, Person) and (surname := surname_of(item)):
                self._surnames.setdefault(fold(surname), []).append(item)

    def every(self, name: str) -> list:
        """Whoever the name may mean, as the text would: `not_people: [Trump]` rules out
        every Trump, those listing the alias and those whose surname it is."""
        key = fold(name)
        if key in self._names:
            return [self._names[key]]
        return list(
            {id(i): i for i in self._aliases.get(key, []) + self._surnames.get(key, [])}.values()
        )

    def only(self, name: str) -> list:
        """The one a front-matter name means, as index resolves it: a name, or an alias
        just one item lists."""
        key = fold(name)
        if key in self._names:
            return [self._names[key]]
        found = self._aliases.get(key, [])
        return found if len(found) == 1 else []


def mentioned_names(entry: Entry, scan: Scan | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The people and topics an entry is indexed under: its front matter's, then the
    text's, at most MAX_NAMES of each (parse refuses more in front matter)."""
    if scan is None:
        return entry.people_names, entry.topic_names
    return _capped(entry.people_names, scan.people), _capped(entry.topic_names, scan.topics)


def over_the_cap(entry: Entry, scan: Scan | None) -> list[str]:
    """A warning for each kind of name the text gives more of than an entry may have."""
    if scan is None or len(scan.people) + len(scan.topics) <= MAX_NAMES:
        return []  # front matter alone never holds more: parse refuses it
    warnings = []
    for kind, named, found in (
        ("people", entry.people_names, scan.people),
        ("topics", entry.topic_names, scan.topics),
    ):
        total = len(dict.fromkeys((*named, *found)))
        if total > MAX_NAMES:
            warnings.append(
                f"{entry.path}: the text names {total:,} {kind} of the registry; the entry "
                f"is listed under the first {MAX_NAMES} — name the ones it is about in "
                f"front matter, or leave the rest out with `not_{kind}:`"
            )
    return warnings


def _capped(named: tuple[str, ...], found: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys((*named, *found)))
    return names if len(names) <= MAX_NAMES else names[:MAX_NAMES]


def apply_scan(entry: Entry, scan: Scan) -> None:
    """Link first mentions and attribute quotes; index calls this once people have URLs.

    The linked body is what the entry's page shows, so its hash, which the page's
    fingerprint covers, takes in where the links are and where they point.
    """
    people = {p.name: p for p in entry.people}
    links = sorted(
        (start, end, people[name].url)
        for name, start, end in scan.links
        if name in people and people[name].url
    )
    entry.links = tuple(links)  # linked when shown: see Entry.body
    if links:
        entry.body_hash = hash_text(entry.body_hash, *(f"{s}:{e}:{url}" for s, e, url in links))
    entry.quotes = [
        Quote(people.get(said.speaker) if said.speaker else None, said.text, said.paragraph)
        for said in scan.quotes
    ]
    for quote in entry.quotes:
        if quote.person is not None:
            quote.person.quotes.append((entry, quote))


Note = tuple[str, int | None, str]  # path, line, message: what `digest check` lists


def scan_notes(entries: Iterable[Entry], scans: Mapping[str, Scan]) -> list[Note]:
    """A note for each shared alias an entry uses that nothing settles, and for each
    `not_people:` or `not_topics:` name that names nobody."""
    notes: list[Note] = []
    for entry in sorted(entries, key=lambda e: e.path):
        scan = scans.get(entry.path) or Scan()
        for alias, candidates in scan.ambiguous:
            who = " or ".join(candidates)
            notes.append(
                (entry.path, None, f"{alias!r} could mean {who} — name them in full or add people:")
            )
        for key, name in scan.unknown:
            registry = "people" if key == "not_people" else "topics"
            message = f"`{key}`: {name!r} is not in content/{registry}.yaml"
            notes.append((entry.path, entry.line_of(key), message))
    return notes


def unregistered_notes(entries: Iterable[Entry], people: Iterable[Person]) -> list[Note]:
    """(path, message) for each name the texts repeat that is nobody's in the registry,
    at the oldest entry naming it; names with a page of their own are listed already."""
    people = list(people)
    ordered = sorted(entries, key=lambda e: e.order)
    texts = [f"{e.title}\n\n{html_text(e.body)}" for e in ordered]
    listed = {fold(p.name) for p in people}
    notes: list[Note] = []
    for proposal in propose_people(texts, [p for p in people if p.registered], min_count=2):
        if fold(proposal.name) not in listed:
            where = ordered[proposal.first].path
            counts = f"{proposal.count} times in {_plural(proposal.entries, 'entry', 'entries')}"
            message = f"{proposal.name!r} is named {counts} but is not in content/people.yaml"
            notes.append((where, None, message))
    return notes


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
