"""Where in a text a registry name may start, found without a Python step per word.

The matcher (`mentions`) checks names token by token; this narrows the places it checks
to a few. Texts are read as bytes, ASCII with every other character as `?`: people's names
start at words spelled as a name's first word is (as written, or in capitals), found by
one regex and a set lookup; topic names (any case) at the names whose first word the text
holds, each then found by a regex of its own that starts with a literal. A text with
letters outside ASCII (`é`, other scripts) is left to the token-by-token search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

_GAP = rb"[\s\x1c-\x1f?]*"  # between two tokens of a name: any white space, or none
# Curly apostrophes and dashes, which names match as straight ones, read as `?`.
_ATOMS = {"'": rb"['?]", "-": rb"[-?]", None: _GAP}
# Reading other characters as `?` is safe for the punctuation blocks (UTF-8 lead bytes C2
# and E2: dashes, quotes, no-break spaces) but for their few characters that fold to an
# ASCII letter or digit (`ª`, `²`, `ℌ`, `①`).
_QUICK_BYTES = bytes(range(0xC0)) + b"\xc2\xe2"  # ASCII, continuation bytes, two blocks
_FOLDS_TO_ASCII = (
    re.compile(rb"\xc2[\xaa\xb2\xb3\xb9\xba\xbc-\xbe]"),
    re.compile(rb"\xe2(?:\x81[\xb0-\xbf]|[\x82\x84\x85\x91-\x93])"),
)


def _quick_readable(raw: bytes) -> bool:
    """Whether UTF-8 text holds nothing the quick search would misread."""
    if raw.translate(None, _QUICK_BYTES):
        return False
    return not any(pattern.search(raw) for pattern in _FOLDS_TO_ASCII)


class QuickSearch:
    """Where names may start, found with the regex engine and set lookups: people at words
    spelled as a name's first word is (as written, or in capitals), topics at the names
    whose first word the text holds in any case. Nothing here grows with the registry
    but two sets, so compiling it stays cheap for thousands of names."""

    def __init__(self, names: Iterable[tuple[tuple[str, ...], bool]]) -> None:
        """`names`: each name's tokens as written (accents and apostrophes folded), and
        whether it matches in any case (a topic) or only as written or in capitals."""
        people: set[bytes] = set()  # first words of people's names, as written and in capitals
        odd: set[bytes] = set()  # first tokens of people's names that are not words
        self._other: set[str] = set()  # unusual characters of names the search leaves out
        self._topics: dict[bytes, list[_TopicName]] = {}  # by first word
        for shapes, any_case in names:
            keys = [shape.casefold() for shape in shapes]
            if not all(k.isascii() for k in keys):
                self._other |= {c for k in keys for c in k if not _needs_tokens(c)}
                continue
            if any_case:
                topic = _TopicName.of(keys)
                self._topics.setdefault(topic.first, []).append(topic)
                continue
            for spelling in {shapes[0], shapes[0].upper()}:  # as the matcher takes them
                if spelling.isascii():
                    # `O'Brien` reads as the word `O` followed by a mark: look for `O`.
                    head = spelling.encode("ascii").split(b"'")[0]
                    (people if head[:1].isalnum() else odd).add(head)
        self._people = frozenset(people)
        starts = sorted({re.escape(word[:1]) for word in people})
        self._people_words = (
            re.compile(b"[" + b"".join(starts) + rb"](?<![A-Za-z0-9].)[A-Za-z0-9]*")
            if starts
            else None
        )
        marks = b"|".join(re.escape(token) for token in sorted(odd))
        self._people_marks = re.compile(marks) if marks else None
        self._firsts = frozenset(self._topics) - {b""}

    def people_starts(self, data: bytes) -> list[int]:
        """Where in the text a person's name may start, in order."""
        found: set[int] = set()
        if self._people_words is not None:
            words = self._people_words.findall(data)
            hits = self._people.intersection(words)
            if len(hits) <= _FEW_WORDS:  # a few, if any: one fast search each
                for word in hits:
                    found.update(_word_at(data, word))
            else:  # a roster: one pass, or the time would grow with words times text
                people = self._people
                found.update(
                    m.start() for m in self._people_words.finditer(data) if m.group() in people
                )
        if self._people_marks is not None:
            found.update(m.start() for m in self._people_marks.finditer(data))
        return sorted(found)

    def topic_starts(self, lowered: bytes) -> list[int]:
        """Where in the lower-cased text a topic name may start, in order."""
        firsts = self._firsts.intersection(lowered.translate(_WORDS_ONLY).split())
        starts: set[int] = set()
        for first in [*firsts, b""]:  # b"": names with no word, such as `%`
            for name in self._topics.get(first, ()):
                starts.update(name.starts(lowered))
        return sorted(starts)

    def prepare(self, text: str) -> bytes | None:
        """The text as the regexes read it, one byte per character; None if they cannot."""
        if text.isascii():
            return text.encode("ascii")
        if any(c in text for c in self._other):
            return None
        if not _quick_readable(text.encode("utf-8", "surrogatepass")):
            return None
        return text.encode("ascii", "replace")


# Past this many distinct registry words in one text, one pass over its words beats a
# search of the whole text for each.
_FEW_WORDS = 32
_WORDS_ONLY = bytes(c if 0x30 <= c <= 0x39 or 0x61 <= c <= 0x7A else 0x20 for c in range(256))


def _word_at(data: bytes, word: bytes) -> list[int]:
    """Where `word` stands in `data` between characters that are not letters or digits
    (so `Trump` in `Trump’s` and in `Trump–Xi`, not in `Trumpet`)."""
    found = []
    pos = data.find(word)
    while pos >= 0:
        end = pos + len(word)
        if not (pos and data[pos - 1 : pos].isalnum()) and not data[end : end + 1].isalnum():
            found.append(pos)
        pos = data.find(word, pos + 1)
    return found


@dataclass(frozen=True)
class _TopicName:
    """A topic name or keyword as the quick search looks for it in lower-cased text."""

    first: bytes  # its first word of letters and digits (b"" for a name of marks only)
    atoms: tuple[str | None, ...]  # its characters, None between two tokens
    word: bool  # starts with a letter or digit, so only at the start of a word

    @classmethod
    def of(cls, keys: list[str]) -> _TopicName:
        atoms: list[str | None] = []
        for n, key in enumerate(keys):
            atoms += [None, *key] if n else [*key]
        spelled = "".join(a or " " for a in atoms).encode("ascii")
        words = spelled.translate(_WORDS_ONLY).split()
        return cls(words[0] if words else b"", tuple(atoms), spelled[:1].isalnum())

    @cached_property
    def pattern(self) -> re.Pattern[bytes]:
        """The name itself, starting with a literal the engine finds fast; compiled when a
        text first holds its first word."""
        return re.compile(b"".join(map(_atom, self.atoms)))

    def starts(self, lowered: bytes) -> list[int]:
        found, pos = [], 0
        while match := self.pattern.search(lowered, pos):
            pos = match.start() + 1
            if not (self.word and match.start() and lowered[match.start() - 1 : pos - 1].isalnum()):
                found.append(match.start())
        return found


def _needs_tokens(char: str) -> bool:
    """Whether a text holding this character is searched token by token anyway."""
    return not _quick_readable(char.encode("utf-8", "surrogatepass"))


def _atom(atom: str | None) -> bytes:
    return _ATOMS.get(atom) or re.escape(atom.encode("ascii"))  # type: ignore[union-attr]
