"""Find registry people and topics in an entry's text, and link each person's first mention.

The matcher is a trie over word tokens, built once per registry. A quick search finds the
few places where a name may start (the text's words that begin a registry name, by set
lookups and literal searches inside the regex engine) and the trie checks just those, so
the time per text does not grow with the registry. Bodies are searched as HTML, so a
match's offsets are the places to put its link.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from generator.model import Entry, Person, Topic
from generator.newsroom.bodies import hidden_ranges, is_hidden
from generator.newsroom.quicksearch import QuickSearch

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# One token per CJK character (those scripts put no spaces between names and the words
# around them); a word with inner apostrophes (`O’Brien`); or any other single mark.
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’ʼ][^\W_{_CJK}]+)*|\S")
_POSSESSIVE = re.compile(r"['’ʼ][sS]$")
_FOLD = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_CHUNK = re.compile(r"\S+")


@dataclass(frozen=True)
class Mention:
    """One match: `text == source[start:end]`; `candidates` holds everyone a shared alias fits."""

    start: int
    end: int
    text: str
    person: Person | None = None
    topic: Topic | None = None
    candidates: tuple[Person, ...] = ()
    preferred: Person | None = None  # the one candidate who lists the alias explicitly
    title: str = ""  # the capitalised word just before, e.g. `Senator` in `Senator Lee`


@dataclass(frozen=True)
class _Name:
    target: Person | Topic
    shapes: tuple[str, ...]  # the tokens as written, accents and apostrophes folded
    any_case: bool  # topics match in any case; people only as written or in capitals
    explicit: bool  # a name or alias, rather than a surname we derived


class _Node:
    __slots__ = ("children", "names")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.names: list[_Name] = []


@lru_cache(maxsize=1 << 16)
def _shape(token: str) -> str:
    """Fold accents and apostrophe styles, keep case, so `Jose's` finds `José’s` too."""
    token = token.translate(_FOLD)
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


@lru_cache(maxsize=1 << 16)
def _key(token: str) -> str:
    return _shape(token).casefold()


def tokenize(text: str) -> list[tuple[int, int]]:
    """Split text into token spans; a possessive `’s` becomes a token of its own."""
    spans = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if end - start > 2 and _POSSESSIVE.search(match.group()):
            spans += [(start, end - 2), (end - 2, end)]
        else:
            spans.append((start, end))
    return spans


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """The key a text is matched by: accents, apostrophe styles and case folded."""
    return " ".join(_key(text[s:e]) for s, e in tokenize(text))


def _words(name: str) -> tuple[str, ...]:
    return tuple(name[s:e] for s, e in tokenize(name))


def surname_of(person: Person) -> str:
    """The last word of a Western-style name, so `Bessent` alone finds Scott Bessent."""
    parts = person.name.split()
    while len(parts) > 2 and parts[-1].casefold() in _SUFFIXES:
        parts.pop()
    if len(parts) < 2 or any(re.search(f"[{_CJK}]", p) for p in parts):
        return ""
    return parts[-1]


class Matcher:
    """A token trie over every person's and topic's names, built once per registry.

    Most texts are searched with two compiled regular expressions, one for people and one for
    topics, which find where a name could start; the trie then checks just those places, so
    the search runs at the regex engine's speed rather than one Python step per word.
    """

    def __init__(self, people: Iterable[Person], topics: Iterable[Topic]) -> None:
        self._root = _Node()
        self._depth = 1  # the most tokens any name has
        for person in people:
            for words in dict.fromkeys(_words(n) for n in (person.name, *person.aliases)):
                self._add(_Name(person, tuple(map(_shape, words)), False, True))
            surname = _words(surname_of(person))
            if surname:
                self._add(_Name(person, tuple(map(_shape, surname)), False, False))
        for topic in topics:
            names = (topic.name, *topic.aliases, *topic.keywords)
            for words in dict.fromkeys(_words(n) for n in names):
                self._add(_Name(topic, tuple(map(_shape, words)), True, True))
        self._quick = QuickSearch((n.shapes, n.any_case) for n in self._all_names())

    def _add(self, name: _Name) -> None:
        if not name.shapes:
            return
        node = self._root
        for shape in name.shapes:
            node = node.children.setdefault(shape.casefold(), _Node())
        if not any(n.target is name.target and n.shapes == name.shapes for n in node.names):
            node.names.append(name)
            self._depth = max(self._depth, len(name.shapes))

    def _all_names(self) -> list[_Name]:
        names, stack = [], [self._root]
        while stack:
            node = stack.pop()
            names += node.names
            stack += node.children.values()
        return names

    def find(self, text: str, *, html: bool = False) -> list[Mention]:
        """Every leftmost-longest match of a person and of a topic, in text order.

        With `html`, names inside tags, comments, scripts and styles are not matched.
        """
        hidden = hidden_ranges(text) if html else None
        data = self._quick.prepare(text)
        if data is None:
            return self._find_by_tokens(text, hidden)
        people = self._find_people_quickly(text, data, hidden)
        topics = self._find_topics_quickly(text, data.lower(), hidden)
        # People before topics at the same place, as the token walk finds them.
        return sorted(people + topics, key=lambda m: (m.start, m.topic is not None))

    def _find_people_quickly(
        self, text: str, data: bytes, hidden: list[tuple[int, int]] | None
    ) -> list[Mention]:
        """Check the places where a person's name may start, left to right."""
        found: list[Mention] = []
        floor = 0
        for start in self._quick.people_starts(data):
            if start < floor:
                continue
            people = self._check(text, start, hidden)[0]
            if people:
                found.append(self._person_mention(*people))
                floor = found[-1].end
        return found

    def _find_topics_quickly(
        self, text: str, lowered: bytes, hidden: list[tuple[int, int]] | None
    ) -> list[Mention]:
        """Check the places where a topic name the text holds starts, left to right."""
        found: list[Mention] = []
        floor = 0
        for start in self._quick.topic_starts(lowered):
            if start < floor:
                continue
            subjects = self._check(text, start, hidden)[1]
            if subjects:
                end, topics = subjects
                found += [Mention(start, end, text[start:end], topic=t) for t in topics]
                floor = end
        return found

    def _check(
        self, text: str, start: int, hidden: list[tuple[int, int]] | None
    ) -> tuple[
        tuple[str, list[tuple[int, int]], int, int, list[_Name]] | None,
        tuple[int, list[Topic]] | None,
    ]:
        """The longest person and topic names starting at `start`, if a token starts there."""
        if hidden is not None and is_hidden(text, start, hidden):
            return None, None
        spans, i = self._tokens_around(text, start)
        if i is None:
            return None, None
        people, topics = self._longest(text, spans, [_key(text[s:e]) for s, e in spans], i)
        person = (text, spans, i, *people) if people else None
        return person, (spans[topics[0] - 1][1], topics[1]) if topics else None

    def _tokens_around(self, text: str, start: int) -> tuple[list[tuple[int, int]], int | None]:
        """Tokens from the word before `start` to as many words after as the longest name has.

        Tokens never span white space, so tokenising from a word's start gives the same
        tokens as tokenising the whole text.
        """
        chunk = start
        while chunk and not text[chunk - 1].isspace():
            chunk -= 1
        begin = chunk
        while begin and text[begin - 1].isspace():
            begin -= 1
        while begin and not text[begin - 1].isspace():
            begin -= 1
        end = start
        for end_match in itertools.islice(_CHUNK.finditer(text, chunk), self._depth):
            end = end_match.end()
        spans = [(s + begin, e + begin) for s, e in tokenize(text[begin:end])]
        index = next((k for k, (s, _) in enumerate(spans) if s == start), None)
        return spans, index

    def _find_by_tokens(self, text: str, hidden: list[tuple[int, int]] | None) -> list[Mention]:
        """The same search one token at a time, for texts the regexes cannot read."""
        spans = tokenize(text)
        keys = [_key(text[s:e]) for s, e in spans]
        found: list[Mention] = []
        person_from = topic_from = 0  # token index where the next match of each kind may start
        for i in range(len(spans)):
            if i < person_from and i < topic_from:
                continue
            if keys[i] not in self._root.children:
                continue
            if hidden is not None and is_hidden(text, spans[i][0], hidden):
                continue
            people, topics = self._longest(text, spans, keys, i)
            if people and i >= person_from:
                person_from = people[0]
                found.append(self._person_mention(text, spans, i, *people))
            if topics and i >= topic_from:
                topic_from = topics[0]
                start, end = spans[i][0], spans[topics[0] - 1][1]
                found += [Mention(start, end, text[start:end], topic=t) for t in topics[1]]
        return found

    def _longest(
        self, text: str, spans: list[tuple[int, int]], keys: list[str], i: int
    ) -> tuple[tuple[int, list[_Name]] | None, tuple[int, list[Topic]] | None]:
        """Walk the trie from token i; keep the longest accepted person and topic names."""
        node = self._root
        people = topics = None
        for j in range(i, len(spans)):
            if j > i and text.count("\n", spans[j - 1][1], spans[j][0]) > 1:
                break  # a name never runs across paragraphs
            child = node.children.get(keys[j])
            if child is None:
                break
            node = child
            if not node.names:
                continue
            shapes = [_shape(text[s:e]) for s, e in spans[i : j + 1]]
            accepted = [n for n in node.names if _case_fits(n, shapes)]
            persons = [n for n in accepted if isinstance(n.target, Person)]
            subjects = _unique(n.target for n in accepted if isinstance(n.target, Topic))
            if persons:
                people = (j + 1, persons)
            if subjects:
                topics = (j + 1, subjects)
        return people, topics

    def _person_mention(
        self, text: str, spans: list[tuple[int, int]], i: int, end: int, names: list[_Name]
    ) -> Mention:
        start, stop = spans[i][0], spans[end - 1][1]
        candidates = tuple(_unique(n.target for n in names))
        explicit = _unique(n.target for n in names if n.explicit)
        preferred = explicit[0] if len(explicit) == 1 and len(candidates) > 1 else None
        before = text[spans[i - 1][0] : spans[i - 1][1]] if i else ""
        title = before if before[:1].isupper() and before.isalpha() else ""
        person = candidates[0] if len(candidates) == 1 else None
        return Mention(
            start, stop, text[start:stop], person, None, candidates, preferred, title=title
        )


def _case_fits(name: _Name, shapes: list[str]) -> bool:
    """People match as written or in capitals (`President XI`), never `trump` the verb."""
    if name.any_case:
        return True
    return all(got in (want, want.upper()) for got, want in zip(shapes, name.shapes, strict=True))


def _unique(items: Iterable[Any]) -> list[Any]:
    """Distinct objects in first-seen order (dataclasses with eq are not hashable)."""
    seen: dict[int, Person | Topic] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())


def build_matcher(people: Iterable[Person], topics: Iterable[Topic] = ()) -> Matcher:
    """Compile the registries once; reuse the matcher for every entry of a build."""
    return Matcher(people, topics)


@dataclass
class Detection:
    """Who and what an entry mentions, resolved against the rest of the entry."""

    texts: dict[str, str]  # field name -> the text searched (HTML for the body)
    mentions: dict[str, list[Mention]]  # field name -> mentions, shared aliases resolved
    people: list[Person] = field(default_factory=list)  # in order of first mention
    topics: list[Topic] = field(default_factory=list)
    ambiguous: list[tuple[str, tuple[Person, ...]]] = field(default_factory=list)
    # person name -> (field, offset of the first mention in that field's text)
    first_mention_offsets: dict[str, tuple[str, int]] = field(default_factory=dict)


def detect(
    texts: Mapping[str, str],
    matcher: Matcher,
    *,
    html: Collection[str] = (),
    named: Iterable[Person] = (),
    excluded: Iterable[Person | Topic] = (),
) -> Detection:
    """Find mentions in every field; settle shared aliases by who else the entry names.

    `html` lists the fields that hold HTML; `named` are people the entry names elsewhere
    (its front matter); `excluded` are people and topics it is not about (`not_people:`).
    """
    raw = {name: matcher.find(text, html=name in html) for name, text in texts.items()}
    out = {id(item) for item in excluded}
    found = [m.person for ms in raw.values() for m in ms if m.person]
    known = {id(p): p for p in [*named, *found] if id(p) not in out}
    detection = Detection(dict(texts), {})
    for name, mentions in raw.items():
        resolved = [_resolve(m, known, out) for m in mentions]
        detection.mentions[name] = resolved
        for mention in resolved:
            _record(detection, name, mention, out)
    return detection


def _resolve(mention: Mention, named: dict[int, Person], out: set[int]) -> Mention:
    """Pick the only candidate left, or the one a title fits; else the one who lists the
    name as an alias, when the entry names them too or names none of the others; else
    the only one the entry names.

    The registry's `aliases: [Trump]` says who "Trump" is, and wins over another
    person's surname (Lara Trump) wherever the entry names both. An entry that names
    only the surname's owner in full (`Lara Trump spoke. Trump said…`) means them: the
    newsroom habit of a full name first and the surname after.
    """
    if mention.person or not mention.candidates:
        return mention
    left = [p for p in mention.candidates if id(p) not in out]
    title = mention.title.casefold()
    by_title = [p for p in left if title and _has_title(p, title)]
    in_entry = [p for p in left if id(p) in named]
    for choice in (left, by_title):
        if len(choice) == 1:
            return _with_person(mention, choice[0])
    preferred = mention.preferred
    usable = preferred is not None and id(preferred) not in out
    if usable and (id(preferred) in named or not in_entry):
        return _with_person(mention, preferred)  # type: ignore[arg-type]
    if len(in_entry) == 1:
        return _with_person(mention, in_entry[0])
    return mention


def _has_title(person: Person, title: str) -> bool:
    words = " ".join(filter(None, (person.role, *person.aliases))).casefold().split()
    return title in words


def _with_person(mention: Mention, person: Person) -> Mention:
    return Mention(mention.start, mention.end, mention.text, person, None, mention.candidates)


def _record(detection: Detection, field_name: str, mention: Mention, out: set[int]) -> None:
    topic = mention.topic
    if topic and id(topic) not in out and all(t is not topic for t in detection.topics):
        detection.topics.append(topic)
    person = mention.person
    if person and id(person) not in out and person.name not in detection.first_mention_offsets:
        detection.first_mention_offsets[person.name] = (field_name, mention.start)
        detection.people.append(person)
    left = tuple(p for p in mention.candidates if id(p) not in out)
    if not person and len(left) > 1:
        report = (mention.text, left)
        if not any(_same_report(report, seen) for seen in detection.ambiguous):
            detection.ambiguous.append(report)


def _same_report(a: tuple[str, tuple[Person, ...]], b: tuple[str, tuple[Person, ...]]) -> bool:
    """Compare by identity: people link to entries and back, so `==` could recurse."""
    return a[0] == b[0] and [id(p) for p in a[1]] == [id(p) for p in b[1]]


def entry_texts(entry: Entry) -> dict[str, str]:
    """The fields an entry names people in: title and summary as text, the body as HTML."""
    return {"title": entry.title, "summary": entry.summary, "body": str(entry.body)}


def detect_entry(
    entry: Entry,
    matcher: Matcher,
    *,
    named: Iterable[Person] = (),
    excluded: Iterable[Person | Topic] = (),
) -> Detection:
    """Detect mentions in an entry's title, summary and body."""
    texts = entry_texts(entry)
    return detect(texts, matcher, html={"body"}, named=named, excluded=excluded)
