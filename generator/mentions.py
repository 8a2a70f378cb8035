"""Find registry people and topics in an entry's text, and link each person's first mention.

The matcher is a trie over word tokens, built once per registry: each text is tokenised once
and every token costs one dictionary step per word of the longest name it could start, so
the time per text does not grow with the registry.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from generator.model import Entry, Person, Topic

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# One token per CJK character (those scripts put no spaces between names and the words
# around them); a word with inner apostrophes (`O’Brien`); or any other single mark.
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’ʼ][^\W_{_CJK}]+)*|\S")
_POSSESSIVE = re.compile(r"['’ʼ][sS]$")
_FOLD = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


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


def fold(text: str) -> str:
    """The key a text is matched by: accents, apostrophe styles and case folded."""
    return " ".join(_key(text[s:e]) for s, e in tokenize(text))


def _words(name: str) -> tuple[str, ...]:
    return tuple(name[s:e] for s, e in tokenize(name))


def _surname(person: Person) -> tuple[str, ...]:
    """The last word of a Western-style name, so `Bessent` alone finds Scott Bessent."""
    parts = person.name.split()
    while len(parts) > 2 and parts[-1].casefold() in _SUFFIXES:
        parts.pop()
    if len(parts) < 2 or any(re.search(f"[{_CJK}]", p) for p in parts):
        return ()
    return _words(parts[-1])


class Matcher:
    """A token trie over every person's and topic's names, built once per registry."""

    def __init__(self, people: Iterable[Person], topics: Iterable[Topic]) -> None:
        self._root = _Node()
        for person in people:
            for words in dict.fromkeys(_words(n) for n in (person.name, *person.aliases)):
                self._add(_Name(person, tuple(map(_shape, words)), False, True))
            surname = _surname(person)
            if surname:
                self._add(_Name(person, tuple(map(_shape, surname)), False, False))
        for topic in topics:
            names = (topic.name, *topic.aliases, *topic.keywords)
            for words in dict.fromkeys(_words(n) for n in names):
                self._add(_Name(topic, tuple(map(_shape, words)), True, True))

    def _add(self, name: _Name) -> None:
        if not name.shapes:
            return
        node = self._root
        for shape in name.shapes:
            node = node.children.setdefault(shape.casefold(), _Node())
        if not any(n.target is name.target and n.shapes == name.shapes for n in node.names):
            node.names.append(name)

    def find(self, text: str) -> list[Mention]:
        """Every leftmost-longest match of a person and of a topic, in text order."""
        spans = tokenize(text)
        keys = [_key(text[s:e]) for s, e in spans]
        found: list[Mention] = []
        person_from = topic_from = 0  # token index where the next match of each kind may start
        for i in range(len(spans)):
            if i < person_from and i < topic_from:
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

    texts: dict[str, str]  # field name -> the plain text searched
    mentions: dict[str, list[Mention]]  # field name -> mentions, shared aliases resolved
    people: list[Person] = field(default_factory=list)  # in order of first mention
    topics: list[Topic] = field(default_factory=list)
    ambiguous: list[tuple[str, tuple[Person, ...]]] = field(default_factory=list)
    # person name -> (field, offset of the first mention in that field's text)
    first_mention_offsets: dict[str, tuple[str, int]] = field(default_factory=dict)


def detect(texts: Mapping[str, str], matcher: Matcher) -> Detection:
    """Find mentions in every field; settle shared aliases by who else the entry names."""
    raw = {name: matcher.find(text) for name, text in texts.items()}
    named = {id(m.person): m.person for ms in raw.values() for m in ms if m.person}
    detection = Detection(dict(texts), {})
    for name, mentions in raw.items():
        resolved = [_resolve(m, named) for m in mentions]
        detection.mentions[name] = resolved
        for mention in resolved:
            _record(detection, name, mention)
    return detection


def _resolve(mention: Mention, named: dict[int, Person]) -> Mention:
    """Pick the candidate a title fits, else the only one named outright, else the listed one."""
    if mention.person or not mention.candidates:
        return mention
    title = mention.title.casefold()
    by_title = [p for p in mention.candidates if title and _has_title(p, title)]
    in_entry = [p for p in mention.candidates if id(p) in named]
    for choice in (by_title, in_entry):
        if len(choice) == 1:
            return _with_person(mention, choice[0])
    if not in_entry and mention.preferred:
        return _with_person(mention, mention.preferred)
    return mention


def _has_title(person: Person, title: str) -> bool:
    words = " ".join(filter(None, (person.role, *person.aliases))).casefold().split()
    return title in words


def _with_person(mention: Mention, person: Person) -> Mention:
    return Mention(mention.start, mention.end, mention.text, person, None, mention.candidates)


def _record(detection: Detection, field_name: str, mention: Mention) -> None:
    if mention.topic and all(t is not mention.topic for t in detection.topics):
        detection.topics.append(mention.topic)
    person = mention.person
    if person and person.name not in detection.first_mention_offsets:
        detection.first_mention_offsets[person.name] = (field_name, mention.start)
        detection.people.append(person)
    if not person and mention.candidates:
        report = (mention.text, mention.candidates)
        if not any(_same_report(report, seen) for seen in detection.ambiguous):
            detection.ambiguous.append(report)


def _same_report(a: tuple[str, tuple[Person, ...]], b: tuple[str, tuple[Person, ...]]) -> bool:
    """Compare by identity: people link to entries and back, so `==` could recurse."""
    return a[0] == b[0] and [id(p) for p in a[1]] == [id(p) for p in b[1]]


def entry_texts(entry: Entry) -> dict[str, str]:
    """The fields an entry names people in, as plain text."""
    return {"title": entry.title, "summary": entry.summary, "body": html_text(entry.body).text}


def detect_entry(entry: Entry, matcher: Matcher) -> Detection:
    """Detect mentions in an entry's title, summary and body."""
    return detect(entry_texts(entry), matcher)


# --- HTML: text nodes only, and where each character came from ---------------------------

_MARKUP = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^>]*>", re.DOTALL)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_BLOCK = re.compile(
    r"address|article|aside|blockquote|br|d[dlt]|div|fig(?:caption|ure)|footer|h[1-6r]|header"
    r"|li|main|nav|ol|p|pre|section|table|t[dhr]|ul"
)
_NOT_TEXT = frozenset({"script", "style", "template", "textarea"})
_NOT_LINKABLE = frozenset({"a", "code", "pre", "kbd", "samp", "button", "label"})


@dataclass(frozen=True)
class _Run:
    """One text node: its span in the plain text and the HTML offset of each character."""

    start: int
    end: int
    raw: tuple[int, ...]  # len == end - start + 1; the last is the node's end in the HTML
    linkable: bool
    in_link: bool


@dataclass(frozen=True)
class HtmlText:
    """The text of an HTML fragment, blocks separated by blank lines, mapped to the HTML."""

    text: str
    runs: tuple[_Run, ...]


def html_text(body: str) -> HtmlText:
    """Text nodes only, entities decoded; never tags, attributes, scripts or comments."""
    chunks: list[str] = []
    runs: list[_Run] = []
    open_tags: dict[str, int] = {}
    length = pos = 0
    new_block = False
    for match in [*_MARKUP.finditer(body), None]:
        stop = match.start() if match else len(body)
        if pos < stop and not any(open_tags.get(t) for t in _NOT_TEXT):
            if new_block and chunks:
                chunks.append("\n\n")  # blocks never run together into one sentence
                length += 2
            new_block = False
            text, raw = _decode(body, pos, stop)
            linkable = not any(open_tags.get(t) for t in _NOT_LINKABLE)
            runs.append(_Run(length, length + len(text), raw, linkable, bool(open_tags.get("a"))))
            chunks.append(text)
            length += len(text)
        if match is None:
            break
        pos = match.end()
        tag = (match.group(2) or "").lower()
        if match.group(1):
            open_tags[tag] = max(0, open_tags.get(tag, 0) - 1)
        elif tag and not match.group(0).endswith("/>"):
            open_tags[tag] = open_tags.get(tag, 0) + 1
        new_block = new_block or bool(_BLOCK.fullmatch(tag))
    return HtmlText("".join(chunks), tuple(runs))


def _decode(body: str, start: int, stop: int) -> tuple[str, tuple[int, ...]]:
    """Unescape one text node, remembering the HTML offset of every character."""
    out: list[str] = []
    where: list[int] = []
    pos = start
    for entity in _ENTITY.finditer(body, start, stop):
        out.append(body[pos : entity.start()])
        where += range(pos, entity.start())
        value = html.unescape(entity.group())
        out.append(value)
        where += [entity.start()] * len(value)
        pos = entity.end()
    out.append(body[pos:stop])
    where += [*range(pos, stop), stop]
    return "".join(out), tuple(where)


def paragraphs(body: str) -> list[str]:
    """The plain text of each block of an HTML body, whitespace collapsed."""
    text = html_text(body).text
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def link_first_mentions(
    body_html: str, detection: Detection, url_for: Callable[[Person], str] | None = None
) -> Markup:
    """Wrap each person's first body mention in a link; the text itself is left unchanged."""
    page = html_text(body_html)
    if page.text != detection.texts.get("body"):
        raise ValueError("the detection was made from a different body")
    url_for = url_for or (lambda person: person.url)
    starts = [run.start for run in page.runs]
    links: list[tuple[int, int, str]] = []
    done: set[str] = set()
    for mention in detection.mentions.get("body", []):
        person = mention.person
        if person is None or person.name in done:
            continue
        run = _run_of(page.runs, starts, mention)
        if run is None or not (run.linkable or run.in_link):
            continue  # across inline markup, or in code: try their next mention
        done.add(person.name)
        url = url_for(person)
        if run.linkable and url:
            links.append((_raw(run, mention.start), _raw(run, mention.end), url))
    return Markup(_splice(body_html, links))


def _run_of(runs: tuple[_Run, ...], starts: list[int], mention: Mention) -> _Run | None:
    index = bisect_right(starts, mention.start) - 1
    if index < 0:
        return None
    run = runs[index]
    return run if mention.end <= run.end else None


def _raw(run: _Run, offset: int) -> int:
    return run.raw[offset - run.start]


def _splice(body: str, links: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, url in sorted(links):
        out += [body[pos:start], f'<a href="{escape(url)}">', body[start:end], "</a>"]
        pos = end
    out.append(body[pos:])
    return "".join(out)
