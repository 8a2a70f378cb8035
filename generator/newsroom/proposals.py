"""Propose people for the registry: capitalised names the news repeats that it does not know.

Heuristics, not a parser: runs of capitalised words, with titles (`Treasury Secretary`),
sentence-initial common words, places and organisations (`White House`, `San Francisco`)
taken out. The output is YAML to review and paste into `people.yaml`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import yaml

from generator.model import Person
from generator.newsroom.mentions import Matcher, build_matcher, fold


def _vocabulary(words: str) -> frozenset[str]:
    """A set of words written as one string, so the lists stay readable."""
    return frozenset(words.casefold().split())


_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_OPENERS = '.!?:;“"‘(—–'
_PARTICLES = _vocabulary("de da del della der di du la le van von bin al ibn dos das")
_TITLES = _vocabulary(
    "president vice secretary treasury press state foreign defense defence commerce trade"
    " finance interior energy health labor justice attorney general minister prime deputy"
    " chancellor premier chairman chairwoman chair party former senator sen. rep. gov. governor"
    " representative congressman congresswoman mayor ambassador speaker leader chief judge"
    " king queen prince princess pope sheikh lord lady sir dame director commissioner envoy"
    " spokesman spokeswoman spokesperson professor prof. dr. mr. mrs. ms. gen. col. lt."
    " adviser advisor official officer ceo chief executive founder chairman house white"
    " national security council homeland acting special senior top"
)
_ORGS = _vocabulary(
    "house office council department ministry committee senate congress parliament court"
    " university college school social desk street avenue party republic union bank fund"
    " agency administration commission times news post journal press group inc corp company"
    " city county state states island islands sea river ocean mountain valley lake park"
    " airport square hall center centre institute foundation association organization"
    " organisation force army navy forces summit conference games cup war act bill treaty"
    " reserve exchange market index museum hospital church cathedral palace garden station"
    " tower bridge road airlines motors technologies holdings capital partners"
)
_PLACE_STARTS = _vocabulary(
    "san santa los las new north south east west saint st. port fort mount lake cape"
)
_CALENDAR = _vocabulary(
    "monday tuesday wednesday thursday friday saturday sunday january february march april"
    " may june july august september october november december"
)
_COMMON_OPENERS = _vocabulary(
    "a an the and but or nor so yet for if when while as after before since though although"
    " because in on at by with from of to into about against among between during under over"
    " without within through across amid despite like unlike this that these those it its his"
    " her their our my your we they he she i you there here then now still also even only just"
    " later earlier meanwhile however today yesterday tonight last next first finally again"
    " once already instead indeed perhaps maybe otherwise nevertheless some many most both each"
    " every other another all no not several few more much what who whom whose which where why"
    " how asked speaking officials critics aides"
)


@dataclass(frozen=True)
class Proposal:
    """A name to consider adding, how often it appeared, and a role if a title preceded it."""

    name: str
    count: int  # occurrences of the full name
    entries: int  # how many texts it appeared in
    role: str | None = None
    first: int = field(default=0, compare=False)  # the index of the first text naming it

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.name.split()[-1],)


def propose_people(
    texts: Iterable[str], people: Sequence[Person] = (), min_count: int = 1
) -> list[Proposal]:
    """Names in the texts that the registry lacks, most frequent first."""
    texts = list(texts)
    lowercase = {w.casefold() for t in texts for w in _WORD.findall(t) if w[:1].islower()}
    matcher = build_matcher(people)
    spellings: dict[str, Counter[str]] = {}  # folded name -> its spellings
    entries: Counter[str] = Counter()
    roles: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    for index, text in enumerate(texts):
        seen = set()
        for name, role in _candidates(text, lowercase):
            if _known(name, matcher):
                continue
            key = fold(name)
            spellings.setdefault(key, Counter())[name] += 1
            seen.add(key)
            first.setdefault(key, index)
            if role:
                roles.setdefault(key, Counter())[role] += 1
        entries.update(seen)
    found = [
        Proposal(_spelling(names), names.total(), entries[key], _top(roles.get(key)), first[key])
        for key, names in spellings.items()
        if names.total() >= min_count
    ]
    return sorted(found, key=lambda p: (-p.count, -p.entries, p.name))


def _spelling(names: Counter[str]) -> str:
    """The commonest spelling; on a tie the one with accents, as `José` over `Jose`."""
    return max(names, key=lambda n: (names[n], sum(not c.isascii() for c in n)))


def _known(name: str, matcher: Matcher) -> bool:
    """In the registry under any spelling the matcher accepts (`Jose` for `José`)."""
    return any(m.start == 0 and m.end == len(name) for m in matcher.find(name))


def _top(roles: Counter[str] | None) -> str | None:
    return roles.most_common(1)[0][0] if roles else None


def _candidates(text: str, lowercase: set[str]) -> Iterable[tuple[str, str]]:
    """Each plausible personal name in a text, with the title written before it."""
    for run, initial in _capitalised_runs(text):
        words = _drop_opener(run, initial, lowercase)
        words, title = _split_title(words)
        words = _trim_particles(words)
        if _looks_like_person(words, lowercase):
            yield " ".join(words), " ".join(title)


def _capitalised_runs(text: str) -> Iterable[tuple[list[str], bool]]:
    """Runs of capitalised words separated by single spaces; a possessive or a stop ends one."""
    run: list[str] = []
    initial = False
    last_end = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if run and not (_name_word(word) and text[last_end : match.start()] == " "):
            yield run, initial
            run = []
        last_end = match.end()
        if not _name_word(word):
            continue
        if not run:
            initial = _starts_sentence(text, match.start())
        ends_sentence = not _keeps_dot(word)
        run.append(word.rstrip(".") if ends_sentence else _POSSESSIVE.sub("", word))
        if ends_sentence or _POSSESSIVE.search(word):
            yield run, initial
            run = []
    if run:
        yield run, initial


def _keeps_dot(word: str) -> bool:
    """False for a stop: `J.` in `Donald J. Trump` and `Sen.` in `Sen. Mike Lee` are not."""
    if not word.endswith("."):
        return True
    return (len(word) == 2 and word[0].isupper()) or word.casefold() in _TITLES


def _name_word(word: str) -> bool:
    """Capitalised but not shouted (`VERY TOUGH`), or a particle such as `de`."""
    if word.casefold() in _PARTICLES:
        return True
    letters = word.rstrip(".")
    return letters[:1].isupper() and not (len(letters) > 1 and letters.isupper())


def _starts_sentence(text: str, at: int) -> bool:
    """After a stop (`ready.” In Tokyo`), an opening mark, or a paragraph break."""
    before = text[:at].rstrip(" ")
    if not before or before.endswith("\n") or before[-1] in _SENTENCE_OPENERS:
        return True
    return before.rstrip("”\"’')]")[-1:] in (".", "!", "?")


def _drop_opener(words: list[str], initial: bool, lowercase: set[str]) -> list[str]:
    """`When Joe Biden`: a sentence's first word is only a name if it is never lower case."""
    first = words[0].rstrip(".").casefold() if words else ""
    adverb = first.endswith("ly") and len(words) > 2  # `Separately Jane Roe`, not `Kelly Roe`
    common = first in _COMMON_OPENERS or first in lowercase or adverb
    if initial and first not in _TITLES and common:
        return words[1:]
    return words


def _split_title(words: list[str]) -> tuple[list[str], list[str]]:
    """`Treasury Secretary Scott Bessent` -> (`Scott Bessent`, `Treasury Secretary`)."""
    last = max((i for i, w in enumerate(words) if w.casefold() in _TITLES), default=-1)
    if last >= 0 and len(words) - last - 1 >= 2:
        return words[last + 1 :], words[: last + 1]
    return words, []


def _trim_particles(words: list[str]) -> list[str]:
    while words and words[0].casefold() in _PARTICLES:
        words = words[1:]
    while words and words[-1].casefold() in _PARTICLES:
        words = words[:-1]
    return words


def _looks_like_person(words: list[str], lowercase: set[str]) -> bool:
    """Two to four words, no title first, no place, organisation, month or common words."""
    if not 2 <= len(words) <= 4:
        return False
    folded = [w.rstrip(".").casefold() for w in words]
    if folded[0] in _TITLES or folded[0] in _PLACE_STARTS or folded[-1].endswith("."):
        return False
    if any(w in _ORGS or w in _CALENDAR for w in folded):
        return False
    return not all(w in lowercase for w in folded)


def proposals_yaml(proposals: Iterable[Proposal]) -> str:
    """Registry entries ready to paste into `people.yaml`, each with its counts as a comment."""
    blocks = []
    for proposal in proposals:
        item: dict[str, object] = {"name": proposal.name, "aliases": list(proposal.aliases)}
        if proposal.role:
            item["role"] = proposal.role
        text = yaml.safe_dump(
            [item], allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000
        )
        mentions = _plural(proposal.count, "mention", "mentions")
        entries = _plural(proposal.entries, "entry", "entries")
        blocks.append(f"# {mentions} in {entries}\n{text}")
    return "\n".join(blocks)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
