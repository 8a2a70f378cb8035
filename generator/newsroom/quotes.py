"""Direct quotations in an entry and who said them, so a person's page can show their words.

A quote goes to a registry person only when the attribution names them (`“…,” X said`,
`X said: “…”`, `according to X`), when a pronoun or a follow-on quote points back to the one
person named in the sentence before, and never when the speaker is someone unnamed.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.model import Entry, Person
from generator.newsroom.bodies import paragraphs
from generator.newsroom.mentions import Matcher, Mention, detect


def _vocabulary(words: str) -> frozenset[str]:
    """A set of words written as one string, so the lists stay readable."""
    return frozenset(words.split())


MIN_WORDS = 4  # shorter quoted phrases are scare quotes unless a person is named as saying them
_MAX_SUBJECT_WORDS = 12
_PAIRS = {"“": "”", '"': '"', "«": "»"}
_VERB = re.compile(
    r"\b(?:according to|said|says|say|told|tells|wrote|writes|asked|asks|added|adds|posted"
    r"|tweeted|stated|declared|insisted|argued|noted|explained|replied|responded|continued"
    r"|recalled|warned|acknowledged|claimed|remarked|announced|conceded|predicted|vowed|joked"
    r"|quipped|countered|urged|promised|complained|recounted|observed|cautioned|stressed)\b",
    re.IGNORECASE,
)
_STOP = re.compile(r"[.!?…]+[”\"’')\]]*")
_ABBREVIATIONS = _vocabulary(
    "mr mrs ms dr sen rep gov gen lt col sgt st jr sr prof rev hon a.m p.m u.s u.k u.n e.u"
    " jan feb mar apr jun jul aug sep sept oct nov dec no vs etc"
)
_CONNECTORS = _vocabulary("for of from to with by at about on behalf near than and or")
_AUXILIARIES = _vocabulary("has had have also later then once previously again would will")
_CLAUSE_WORDS = _vocabulary("and but which that where who when while as because if")
_PASSIVE = _vocabulary("when if as was were being been is are")
_PRONOUNS = frozenset({"he", "she"})
_OPENERS = '“"‘«('
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Quote:
    """A direct quotation; `person` is None when the speaker is not a named registry person."""

    person: Person | None
    text: str
    paragraph_index: int


@dataclass
class _Paragraph:
    text: str
    spans: list[tuple[int, int, int, int]]  # outer start, inner start, inner end, outer end
    starts: list[int]  # where each sentence starts
    mentions: list[Mention]  # people only, shared aliases resolved
    speakers: dict[int, Person | None] = field(default_factory=dict)  # kept quote -> speaker


def paragraphs_of(body_html: str) -> list[str]:
    """The plain text of each paragraph of an entry body, the unit quotes are read in."""
    return paragraphs(body_html)


def quotes_of_entry(entry: Entry, matcher: Matcher) -> list[Quote]:
    """Every direct quotation in an entry's body, with its speaker where one is named."""
    if not has_quote_marks(entry.body):
        return []  # most bodies: no need to take the HTML apart
    return extract_quotes(paragraphs_of(entry.body), matcher)


def has_quote_marks(body_html: str) -> bool:
    """Whether the text of a body (not its attributes) has an opening quotation mark."""
    if "“" in body_html or "«" in body_html:
        return True
    if "&" not in body_html and body_html.count('"') == 2 * body_html.count('="'):
        return False  # every straight quote delimits an attribute
    text = _TAG.sub("", body_html)
    return any(mark in html.unescape(text) for mark in _PAIRS)


def extract_quotes(texts: Sequence[str], matcher: Matcher) -> list[Quote]:
    """Find quotations paragraph by paragraph, each attributed with what came before it."""
    detection = detect({str(i): t for i, t in enumerate(texts)}, matcher)
    done: list[_Paragraph] = []
    quotes: list[Quote] = []
    for index, text in enumerate(texts):
        spans = _quote_spans(text)
        people = [m for m in detection.mentions[str(index)] if m.person]
        paragraph = _Paragraph(text, spans, _sentence_starts(text, spans), people)
        for number, span in enumerate(spans):
            speaker = _attribute(paragraph, number, done[-1] if done else None)
            inner = text[span[1] : span[2]].strip().rstrip(",").strip()
            if inner and (speaker or len(inner.split()) >= MIN_WORDS):
                paragraph.speakers[number] = speaker
                quotes.append(Quote(speaker, inner, index))
        done.append(paragraph)
    return quotes


def _quote_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Pair opening and closing marks; an unclosed quote runs on into the next paragraph."""
    spans: list[tuple[int, int, int, int]] = []
    pos = 0
    while True:
        opening = min((i for i in (text.find(o, pos) for o in _PAIRS) if i >= 0), default=-1)
        if opening < 0:
            return spans
        closing = text.find(_PAIRS[text[opening]], opening + 1)
        if closing < 0:
            spans.append((opening, opening + 1, len(text), len(text)))
            return spans
        spans.append((opening, opening + 1, closing, closing + 1))
        pos = closing + 1


def _sentence_starts(text: str, spans: list[tuple[int, int, int, int]]) -> list[int]:
    """Sentence starts, ignoring stops inside quotes and after `Mr.` or `U.S.`."""
    starts = [0]
    for stop in _STOP.finditer(text):
        after = len(text) - len(text[stop.end() :].lstrip())
        if after == stop.end() or after >= len(text) or _inside(spans, stop):
            continue
        following = text[after]
        if (following.isupper() or following.isdigit() or following in _OPENERS) and not (
            _abbreviation(text, stop.start())
        ):
            starts.append(after)
    return starts


def _inside(spans: list[tuple[int, int, int, int]], stop: re.Match[str]) -> bool:
    """A stop inside a quote does not end the sentence unless it also closes the quote."""
    return any(inner <= stop.start() < end and stop.end() < outer for _, inner, end, outer in spans)


def _abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    begin = dot
    while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:dot]
    return word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _sentence_of(paragraph: _Paragraph, pos: int) -> int:
    return bisect_right(paragraph.starts, pos) - 1


def _sentence_bounds(paragraph: _Paragraph, number: int) -> tuple[int, int]:
    starts = [*paragraph.starts, len(paragraph.text)]
    return starts[number], starts[number + 1]


def _attribute(paragraph: _Paragraph, number: int, previous: _Paragraph | None) -> Person | None:
    """Tail first (`,” X said`), then lead (`X said: “`), then the sentence before."""
    for clause, tail in ((_tail(paragraph, number), True), (_lead(paragraph, number), False)):
        found, speaker = _speaker_of_clause(paragraph, clause, previous, tail)
        if found:
            return speaker
    lead_start, outer = _lead(paragraph, number)
    if paragraph.text[lead_start:outer].strip(" ,;:—–-"):
        return None  # a quote inside a sentence that names no speaker
    return _from_sentence_before(paragraph, paragraph.spans[number][0], previous)


def _tail(paragraph: _Paragraph, number: int) -> tuple[int, int]:
    """From the closing mark to the end of the sentence or the next quote."""
    text, spans = paragraph.text, paragraph.spans
    _, _, inner_end, outer = spans[number]
    first = len(text) - len(text[outer:].lstrip())  # `!” Trump wrote` is still this sentence
    ends = [s for s in paragraph.starts if s > first] + [len(text)]
    ends += [spans[number + 1][0]] if number + 1 < len(spans) else []
    closes_clause = text[:inner_end].rstrip()[-1:] in (",", "?", "!", "—", "–", "-", "…")
    if not (closes_clause or text[outer:].lstrip().startswith(",")):
        return outer, outer
    return outer, min(ends)


def _lead(paragraph: _Paragraph, number: int) -> tuple[int, int]:
    """From the sentence start, or the previous quote in it, to the opening mark."""
    outer = paragraph.spans[number][0]
    start = paragraph.starts[_sentence_of(paragraph, outer)]
    if number:
        start = max(start, paragraph.spans[number - 1][3])
    return start, outer


def _speaker_of_clause(
    paragraph: _Paragraph, clause: tuple[int, int], previous: _Paragraph | None, tail: bool = False
) -> tuple[bool, Person | None]:
    """(True, speaker) when the clause has a speech verb; speaker is None for `a spokesman`.

    Only the first active speech verb counts: in `a spokesman said, adding that Trump told
    him`, Trump is not the speaker.
    """
    text = paragraph.text
    verbs = (v for v in _VERB.finditer(text, *clause) if not _passive(text, v))
    verb = next(verbs, None)
    subject = _subject(text, clause, verb, tail) if verb else None
    if subject is None:
        return False, None
    if _is_pronoun(text[subject[0] : subject[1]]):
        return True, _pronoun(paragraph, subject[0], previous)
    return True, _named_speaker(paragraph, *subject)


def _passive(text: str, verb: re.Match[str]) -> bool:
    """`was told`, `when asked`, or a sentence opening `Asked about it, he said`."""
    at = verb.start()
    if verb.group().casefold() == "according to":
        return False
    if text[at].isupper():
        return True
    before = text[max(0, at - 12) : at].split()
    return bool(before) and before[-1].casefold() in _PASSIVE


def _is_pronoun(subject: str) -> bool:
    """`he`, `she has`, or `Asked about it, she`: the words after the last comma."""
    words = subject.strip(" ,;:—–-").rsplit(",", 1)[-1].split()
    while len(words) > 1 and words[-1].casefold() in _AUXILIARIES:
        words.pop()
    return len(words) == 1 and words[0].casefold() in _PRONOUNS


def _subject(
    text: str, clause: tuple[int, int], verb: re.Match[str], tail: bool
) -> tuple[int, int] | None:
    """The words before the verb, or after it for `said X` and `according to X`."""
    start, end = clause
    subject = (start, verb.start())
    if verb.group().casefold() == "according to" or not text[start : verb.start()].strip(" ,"):
        after = text[verb.end() : end]
        subject = (verb.end(), verb.end() + len(after.split(",")[0]))
    words = text[subject[0] : subject[1]].strip(" ,;:—–-").split()
    if not words or len(words) > _MAX_SUBJECT_WORDS:
        return None
    if tail and words[0].casefold() in _CLAUSE_WORDS:
        return None  # `,” which he said` is a new clause, not an attribution
    return subject


def _named_speaker(paragraph: _Paragraph, start: int, end: int) -> Person | None:
    """The person the subject is, not one it mentions: `a spokesman for X` is not X.

    The last such name wins, so `When asked about Xi, Trump said` is Trump.
    """
    text = paragraph.text
    for mention in reversed(paragraph.mentions):
        if not (start <= mention.start and mention.end <= end):
            continue
        after = text[mention.end : end].strip(" .!?;:")
        before = text[start : mention.start].split()
        if after[:2] in ("’s", "'s") or after in ("’", "'"):
            continue
        rest = after.split()
        if rest and not after.startswith((",", "—", "–", "(")) and not _all_auxiliaries(rest):
            continue  # `Trump aide Jane Roe`: Trump only describes the speaker
        if before and before[-1].strip(",").casefold() in _CONNECTORS:
            continue
        return mention.person
    return None


def _all_auxiliaries(words: list[str]) -> bool:
    return all(w.casefold() in _AUXILIARIES for w in words)


def _pronoun(paragraph: _Paragraph, pos: int, previous: _Paragraph | None) -> Person | None:
    """`he said` means the one person named (or quoted) in the sentence before, or nobody."""
    before = _sentence_before(paragraph, pos, previous)
    if before is None:
        return None
    source, start, end = before
    speakers = [source.speakers[n] for n in _kept_in(source, start, end)]
    people = _people_outside_quotes(*before) + [p for p in speakers if p]
    distinct = {id(p): p for p in people}
    return next(iter(distinct.values())) if len(distinct) == 1 else None


def _from_sentence_before(
    paragraph: _Paragraph, pos: int, previous: _Paragraph | None
) -> Person | None:
    """A quote standing alone: the speaker of the sentence before, or its last-named person."""
    before = _sentence_before(paragraph, pos, previous)
    if before is None:
        return None
    source, start, end = before
    kept = _kept_in(source, start, end)
    if kept:
        return source.speakers[kept[-1]]
    found, speaker = _speaker_of_clause(source, (start, end), None)
    if found:
        return speaker
    people = _people_outside_quotes(source, start, end)
    return people[-1] if people else None


def _kept_in(paragraph: _Paragraph, start: int, end: int) -> list[int]:
    """The quotes kept so far that open between start and end."""
    return [n for n in paragraph.speakers if start <= paragraph.spans[n][0] < end]


def _sentence_before(
    paragraph: _Paragraph, pos: int, previous: _Paragraph | None
) -> tuple[_Paragraph, int, int] | None:
    number = _sentence_of(paragraph, pos)
    if number > 0:
        return (paragraph, *_sentence_bounds(paragraph, number - 1))
    if previous is None:
        return None
    return (previous, *_sentence_bounds(previous, len(previous.starts) - 1))


def _people_outside_quotes(paragraph: _Paragraph, start: int, end: int) -> list[Person]:
    """People the narration names, leaving out those a quote talks about."""
    return [
        m.person
        for m in paragraph.mentions
        if m.person
        and start <= m.start < end
        and not any(o <= m.start < c for o, _, _, c in paragraph.spans)
    ]
