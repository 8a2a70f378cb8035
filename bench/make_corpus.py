"""Write a deterministic, made-up digest site of any size for benchmarks.

Usage: python bench/make_corpus.py OUT_DIR --entries N [--seed 1] [--people 300]
       [--topics 60] [--authors 40]

Everything comes from one seeded `random.Random`, never from the clock, so the same seed and
sizes give byte-identical files. Words and names are built from syllables: no real text, no
real people, nothing that a tool could special-case.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

# Two years of news ending 2025-06-30; the latest instant leaves room for +14:00 offsets
# so that no entry's local date falls in July.
LAST = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
FIRST = datetime(2023, 7, 1, 0, 0, tzinfo=UTC)
OFFSETS_MINUTES = (-420, -300, -240, 0, 0, 60, 120, 330, 480, 540)

ONSETS = (
    *("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"),
    *("br", "dr", "kr", "st", "tr", "th", "sh", "ch", "gl", "pl", ""),
)
NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei", "ou", "ia")
CODAS = ("", "", "", "n", "r", "l", "s", "m", "k", "th", "x", "nd", "rt")
# Names use plainer syllables, so they read like "Talvo Merrick" rather than tongue-twisters.
NAME_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "")
NAME_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "o")
NAME_CODAS = ("", "", "", "n", "r", "l", "s", "m", "k", "ck", "th")

VOCABULARY = 4000
BODY_WORDS = 750  # a real digest entry's length
PARAGRAPH_WORDS = 60  # a paragraph's mean: 3-6 sentences of 8-20 words
PLANNED = 8  # paragraphs every body has, whatever its length
LINKS = (3, 5)  # links per body, at least and at most
PEOPLE_EXPONENT = 1.1  # Zipf-like: a few people are in most of the news
# Words a YAML reader turns into booleans or null when they stand alone (a surname alias).
YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})


@dataclass(frozen=True)
class Person:
    name: str
    surname: str
    role: str
    description: str


@dataclass(frozen=True)
class Topic:
    name: str
    alias: str
    description: str


class Words:
    """Pseudo-words and sentences drawn with natural-language-like (Zipf) frequencies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        syllables = sorted({o + n + c for o in ONSETS for n in NUCLEI for c in CODAS})
        self.syllables = syllables
        self.name_syllables = sorted(
            {o + n + c for o in NAME_ONSETS for n in NAME_NUCLEI for c in NAME_CODAS}
        )
        words: dict[str, None] = {}
        while len(words) < VOCABULARY:
            word = self.word()
            if len(word) >= 3:
                words[word] = None
        # Short words are the common ones in real text; the noise keeps the mean word length
        # near English's (about five letters), so file sizes are realistic.
        noisy = {w: len(w) + rng.random() * 3 for w in words}
        self.vocabulary = sorted(words, key=lambda w: (noisy[w], w))
        weights = [1 / rank for rank in range(1, VOCABULARY + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def word(self, syllables: int | None = None) -> str:
        """A new pseudo-word of one to three syllables."""
        count = syllables or self.rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
        return "".join(self.rng.choice(self.syllables) for _ in range(count))

    def name(self) -> str:
        """A capitalised pseudo-word of two or three syllables, for names."""
        while True:
            count = self.rng.choice((2, 2, 3))
            name = "".join(self.rng.choice(self.name_syllables) for _ in range(count))
            if name not in YAML_WORDS:
                return name.capitalize()

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def sentence(self, low: int = 8, high: int = 20) -> str:
        words = self.words(self.rng.randint(low, high))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."


def make_people(words: Words, count: int) -> list[Person]:
    """Unique full names; surnames (the alias) may repeat, as they do in real news."""
    people: list[Person] = []
    seen: set[str] = set()
    surnames = [words.name() for _ in range(max(1, count * 2 // 3))]
    while len(people) < count:
        surname = words.rng.choice(surnames)
        name = f"{words.name()} {surname}"
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        role = " ".join(words.words(words.rng.randint(2, 4))).capitalize()
        people.append(Person(name, surname, role, words.sentence(12, 24)))
    return people


def make_topics(words: Words, count: int) -> list[Topic]:
    topics: list[Topic] = []
    seen: set[str] = set()
    while len(topics) < count:
        first, second = words.name(), words.word().lower()
        name = f"{first} {second}"
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        topics.append(Topic(name, f"{second.capitalize()} of {first}", words.sentence(10, 20)))
    return topics


def make_authors(words: Words, count: int) -> list[str]:
    authors: dict[str, None] = {}
    while len(authors) < count:
        authors[f"{words.name()} {words.name()}"] = None
    return list(authors)


def pick_weighted(
    rng: random.Random, items: Sequence[str], cumulative: list[float], count: int
) -> list[str]:
    """`count` distinct items, each draw weighted by `cumulative`."""
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        for item in rng.choices(items, cum_weights=cumulative, k=count - len(chosen)):
            chosen[item] = None
    return list(chosen)


def make_body(words: Words, people: list[str]) -> str:
    """About BODY_WORDS words of Markdown shaped like a real digest entry: paragraphs, one
    `##` heading, one list, one blockquote, LINKS links, emphasis and strong."""
    rng = words.rng
    blocks: list[str] = []
    total = 0
    # Fixed places for the structure keep the body shape the same in every entry; the
    # links go into paragraphs among the first PLANNED, which every body has.
    plan = {1: "heading", 3: "list", 5: "quote"}
    links = set(rng.sample(range(PLANNED), rng.randint(*LINKS)))
    index = 0
    while total < BODY_WORDS - PARAGRAPH_WORDS // 2 or index < PLANNED:
        kind = plan.get(index, "")
        if kind == "heading":
            blocks.append("## " + " ".join(words.words(rng.randint(3, 6))).capitalize())
        elif kind == "list":
            items = [words.sentence(5, 12) for _ in range(rng.randint(3, 5))]
            blocks.append("\n".join("- " + item for item in items))
            total += sum(len(item.split()) for item in items)
        elif kind == "quote":
            quote = " ".join(words.sentence() for _ in range(rng.randint(1, 3)))
            blocks.append(f"> {quote}\n>\n> — {rng.choice(people)}")
            total += len(quote.split())
        paragraph = [words.sentence() for _ in range(rng.randint(3, 6))]
        if index == 0:
            paragraph[0] = _mark(rng, paragraph[0], "**")
        if index == 2:
            paragraph[-1] = _mark(rng, paragraph[-1], "*")
        if index in links:
            text = " ".join(words.words(rng.randint(2, 4)))
            path = "/".join(words.words(2))
            paragraph.insert(1, f"See [{text}](https://example.org/{path}) for more.")
        blocks.append(" ".join(paragraph))
        total += sum(len(s.split()) for s in paragraph)
        index += 1
    return "\n\n".join(blocks) + "\n"


def _mark(rng: random.Random, sentence: str, marker: str) -> str:
    """Wrap one inner word of the sentence in `marker` (emphasis or strong)."""
    parts = sentence[:-1].split(" ")
    i = rng.randrange(1, len(parts)) if len(parts) > 1 else 0
    parts[i] = f"{marker}{parts[i]}{marker}"
    return " ".join(parts) + "."


def format_date(rng: random.Random) -> tuple[str, datetime]:
    """A minute-precision instant in the two years, written in a random UTC offset."""
    span = int((LAST - FIRST).total_seconds() // 60)
    instant = FIRST + timedelta(minutes=rng.randrange(span))
    offset = rng.choice(OFFSETS_MINUTES)
    local = instant.astimezone(timezone(timedelta(minutes=offset)))
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{local:%Y-%m-%d %H:%M} {sign}{hours:02d}:{minutes:02d}", instant


def write_corpus(
    out: Path, entries: int, seed: int = 1, people: int = 300, topics: int = 60, authors: int = 40
) -> None:
    """Write the site root: digest.toml, both registries and `entries` Markdown files."""
    rng = random.Random(seed)
    words = Words(rng)
    pool = make_people(words, people)
    subjects = make_topics(words, topics)
    bylines = make_authors(words, authors)
    names = [p.name for p in pool]
    topic_names = [t.name for t in subjects]
    people_weights = list(
        itertools.accumulate(1 / rank**PEOPLE_EXPONENT for rank in range(1, len(pool) + 1))
    )
    content = out / "content"
    content.mkdir(parents=True)
    (out / "digest.toml").write_text(
        'title = "Bench digest"\n'
        'description = "A made-up digest for benchmarks."\n'
        'timezone = "UTC"\n'
        'edition = "week"\n'
        "# `search` is left at its default (true): the benchmark builds with and without it.\n",
        encoding="utf-8",
    )
    (content / "people.yaml").write_text(_people_yaml(pool), encoding="utf-8")
    (content / "topics.yaml").write_text(_topics_yaml(subjects), encoding="utf-8")
    slugs: set[str] = set()
    for i in range(entries):
        title_words = words.words(rng.randint(5, 9))
        title = " ".join(title_words).capitalize()
        slug = _unique_slug("-".join(title_words[:6]), slugs)
        date, instant = format_date(rng)
        chosen = pick_weighted(rng, names, people_weights, rng.randint(2, 6))
        about = rng.sample(topic_names, rng.randint(1, min(4, len(topic_names))))
        # Name every person and topic at least once when there are enough entries, so
        # every tool (even those that only make pages for used terms) has the same pages.
        if i < len(names) and names[i] not in chosen:
            chosen[-1] = names[i]
        if i < len(topic_names) and topic_names[i] not in about:
            about[-1] = topic_names[i]
        byline = rng.sample(bylines, rng.randint(1, min(2, len(bylines))))
        front = (
            "---\n"
            f"title: {title}\n"
            f"date: {date}\n"
            f"authors: [{', '.join(byline)}]\n"
            f"people: [{', '.join(chosen)}]\n"
            f"topics: [{', '.join(about)}]\n"
            f"summary: {words.sentence(14, 26)}\n"
            "---\n"
        )
        folder = content / f"{instant:%Y}" / f"{instant:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        text = front + make_body(words, chosen)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")


def _unique_slug(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _people_yaml(people: list[Person]) -> str:
    return "".join(
        f"- name: {p.name}\n"
        f"  aliases: [{p.surname}]\n"
        f"  role: {p.role}\n"
        f"  description: {p.description}\n"
        for p in people
    )


def _topics_yaml(topics: list[Topic]) -> str:
    return "".join(
        f"- name: {t.name}\n  aliases: [{t.alias}]\n  description: {t.description}\n"
        for t in topics
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="site root to create (must be empty or absent)")
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--topics", type=int, default=60)
    parser.add_argument("--authors", type=int, default=40)
    args = parser.parse_args(argv)
    if min(args.entries, args.people, args.topics, args.authors) < 1:
        parser.error("--entries, --people, --topics and --authors must be at least 1")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty; choose a new folder")
    start = time.perf_counter()
    write_corpus(args.out, args.entries, args.seed, args.people, args.topics, args.authors)
    print(
        f"wrote {args.entries} entries, {args.people} people, {args.topics} topics "
        f"to {args.out} in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
