"""Write two made-up archives to migrate into digest: a Pelican newsletter and a Jekyll site.

Usage: python bench/archives.py OUT_DIR [--seed 1] [--issues 668] [--posts 2289]

`OUT_DIR/pelican/` is a weekly newsletter (Pelican `Key: value` headers, roundup bodies of
a few thousand words, static pages under `content/pages/`); `OUT_DIR/jekyll/` is a news
site (`content/_posts/YYYY-MM-DD-title.md` with Jekyll's YAML front matter, kramdown
lists, a few `layout: page` pages). Each has a `digest.toml` with the addresses its old
generator used. Into both are planted, at files chosen by the seed, the inputs issue 12
lists as what a migration meets (`PELICAN_CASES`, `JEKYLL_CASES`); `Archive.planted`
says which files hold each, and what they should become.

Everything comes from one seeded `random.Random`, so the same seed and sizes give the
same files, except the one entry dated later today, whose date is read from the clock
(`now`). The text is made of syllables: no real prose, no facts.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

# The inputs planted in each archive, in the order the report lists them.
PELICAN_CASES = (
    "control byte",
    "comment with >",
    "--flags in prose",
    "WordPress slugs",
    "tag/category alike",
    "later today",
    "drafts",
    "static pages",
    "old addresses",
)
JEKYLL_CASES = (
    "control byte",
    "comment with >",
    "WordPress slugs",
    "tabs after key:",
    "unclosed bracket",
    "unclosed quote",
    "quote closed later",
    "alias vs surname",
    "title + surname",
    "tag/category alike",
    "later today",
    "published: false",
    "layout: page",
    "old addresses",
    "redirect_from",
    "unknown keys",
    "nested lists",
    "list after paragraph",
    "Jekyll keys",
)
COMMENT = '<!-- <img src="x.png"> -->'
ALIKE_TAG, ALIKE_CATEGORY = "this-week-in-rust", "This Week in Rust"

ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "br", "st", "tr", "")
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ei", "ou")
CODAS = ("", "", "n", "r", "l", "s", "m", "k", "nd", "rt")
VOCABULARY = 3000
# Words YAML reads as booleans or null when they stand alone (a tag): never generated.
YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n"})


@dataclass
class Post:
    """One dated file: where it lived, where digest should put it, whether it is shown."""

    rel: str  # the content file
    old: str  # its address on the old site
    address: str  # where digest should publish it: the old address, its slug made
    default: str  # digest's own default address (/yyyy/mm/dd/slug/), for a version
    # that knows no `permalinks`
    shown: bool  # published (not a draft, not scheduled, not broken)
    facts: dict[str, Any] = field(default_factory=dict)  # what its page should show


@dataclass
class Archive:
    """One generated site: where it is, its files, and which cases were planted where."""

    kind: str  # "pelican" or "jekyll"
    root: Path
    posts: dict[str, Post] = field(default_factory=dict)  # by content file
    pages: list[tuple[str, str]] = field(default_factory=list)  # (file, its address)
    # case -> {"files": [content files], ...details the case needs}
    planted: dict[str, dict[str, Any]] = field(default_factory=dict)

    def files(self, case: str) -> list[str]:
        return self.planted[case]["files"]

    def plant(self, case: str, rel: str) -> None:
        self.planted.setdefault(case, {"files": []})["files"].append(rel)


class Text:
    """Pseudo-words, sentences and paragraphs with a Zipf-like word frequency."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        syllables = sorted({o + n + c for o in ONSETS for n in NUCLEI for c in CODAS})
        words: dict[str, None] = {}
        while len(words) < VOCABULARY:
            word = "".join(rng.choices(syllables, k=rng.choice((1, 1, 2, 2, 2, 3))))
            if len(word) >= 2 and word not in YAML_WORDS:
                words[word] = None
        self.words = sorted(words, key=lambda w: (len(w) + rng.random() * 3, w))
        total, cumulative = 0.0, []
        for rank in range(1, len(self.words) + 1):
            total += 1 / rank
            cumulative.append(total)
        self.cumulative = cumulative

    def word(self) -> str:
        return self.rng.choices(self.words, cum_weights=self.cumulative)[0]

    def phrase(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=count))

    def title(self, low: int = 3, high: int = 7) -> str:
        return " ".join(w.capitalize() for w in self.phrase(low, high).split())

    def sentence(self) -> str:
        words = self.phrase(6, 22).split()
        if len(words) > 9 and self.rng.random() < 0.4:
            words[self.rng.randrange(3, len(words) - 3)] += ","
        if self.rng.random() < 0.08:  # a quotation, straight quotes as people type them
            words[1] = '"' + words[1]
            words[4] = words[4].rstrip(",") + '"'
        return " ".join(words).capitalize() + self.rng.choice(".....?!")

    def paragraph(self, low: int = 3, high: int = 7) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def name(self) -> str:
        """A person's name made of rare words, so the text never names them by chance."""
        rare = self.words[len(self.words) // 2 :]
        return f"{self.rng.choice(rare).capitalize()} {self.rng.choice(rare).capitalize()}"

    def link(self, host: str = "example.org") -> str:
        path = "/".join(self.phrase(1, 3).split())
        return f"[{self.phrase(2, 6).capitalize()}](https://{host}/{path})"

    def code(self) -> str:
        return f"`{self.word()}::{self.word()}()`"


def _pick(rng: random.Random, pool: list[int], count: int) -> list[int]:
    """`count` indices taken out of `pool` (so cases planted at different files stay apart)."""
    chosen = sorted(rng.sample(pool, min(count, len(pool))))
    taken = set(chosen)
    pool[:] = [i for i in pool if i not in taken]
    return chosen


def _later_today(now: datetime) -> datetime:
    """A minute in the future, later today when today has time left (UTC)."""
    end = now.replace(hour=23, minute=59, second=0, microsecond=0)
    later = min(now + timedelta(hours=3), end)
    if later - now < timedelta(minutes=10):
        later = now + timedelta(hours=1)  # a few minutes before midnight: early tomorrow
    return later.replace(second=0, microsecond=0)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _line_col(rel: str, content: str) -> tuple[str, int, int]:
    """The file, and the 1-based line and column of its first control byte (0x02)."""
    at = content.index("\x02")
    return rel, content.count("\n", 0, at) + 1, at - content.rfind("\n", 0, at)


# ---------------------------------------------------------------------------- Pelican


def _issue_body(text: Text, rng: random.Random, number: int, *, flags: bool) -> str:
    """A weekly roundup: intro, headed sections of links, a quote, code spans, events."""
    sections = [
        f"Hello and welcome to issue {number} of the newsletter! {text.paragraph(2, 4)}",
        f"## Updates from the core\n\n{text.paragraph(1, 2)}",
        "\n".join(f"* {text.link('blog.example.org')}" for _ in range(rng.randint(8, 16))),
        "## Project and tooling updates",
        "\n".join(f"* {text.link()}: {text.sentence()}" for _ in range(rng.randint(8, 16))),
        "## Observations and thoughts",
        "\n\n".join(text.paragraph(3, 6) for _ in range(rng.randint(2, 4))),
        "## Crate of the week",
        f"This week's crate is {text.link('crates.example.org')}, which offers "
        f"{text.code()} and {text.code()}. {text.paragraph(3, 6)}",
    ]
    if flags:
        sections.append(
            f"To try it on a whole project, run the tests with --workspace and "
            f'--all-features, or pass --name="{text.word()}" to pick one. {text.paragraph(1, 3)}'
        )
    sections += [
        "## Quote of the week",
        f"> {text.paragraph(1, 3)}\n>\n> – {text.name()} on {text.link('forum.example.org')}",
        "## Call for participation",
        text.paragraph(2, 5),
        "\n".join(f"* {text.link('issues.example.org')}" for _ in range(rng.randint(4, 9))),
        "## Upcoming events",
        "\n".join(
            f"* {2012 + rng.randrange(14)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} | "
            f"{text.word().capitalize()} | {text.link('events.example.org')}"
            for _ in range(rng.randint(4, 10))
        ),
        "## Discussions",
        "\n\n".join(text.paragraph(4, 8) for _ in range(rng.randint(2, 5))),
    ]
    return "\n\n".join(sections) + "\n"


def make_pelican(
    root: Path, *, issues: int = 668, seed: int = 1, now: datetime | None = None
) -> Archive:
    """Write the Pelican newsletter: `issues` dated files (drafts and one scheduled included)."""
    rng = random.Random(f"pelican-{seed}")
    text = Text(rng)
    now = now or datetime.now(UTC)
    archive = Archive("pelican", root, planted={case: {"files": []} for case in PELICAN_CASES})
    planted = archive.planted
    _write(
        root,
        "digest.toml",
        'title = "The Weekly Ferrous"\n'
        'description = "A weekly roundup of links, notes and events."\n'
        'site_url = "https://weekly.example.org/"\n'
        'timezone = "UTC"\n'
        'permalinks = "{date:%Y}/{slug}.html"\n',
    )
    tags = sorted({text.word() for _ in range(20)})
    # Issue n comes out on the Tuesday n-1 weeks after the first; the last one is
    # scheduled for later today, the two before it (and one old one) are drafts.
    first = date(2025, 6, 24) - timedelta(weeks=issues - 2)
    pool = list(range(1, issues - 2))
    scheduled = [issues]
    drafts = [*_pick(rng, pool, 1), issues - 2, issues - 1]
    control = _pick(rng, pool, 3)
    comment = _pick(rng, pool, 3)
    wordpress = _pick(rng, pool, 3)
    alike = _pick(rng, pool, 4)
    flags = _pick(rng, list(range(1, issues - 2)), min(135, max(3, issues // 5)))
    cases = {
        "control byte": control,
        "comment with >": comment,
        "--flags in prose": flags,
        "WordPress slugs": wordpress,
        "tag/category alike": alike,
        "later today": scheduled,
        "drafts": drafts,
    }
    planted["--flags in prose"]["count"] = 0
    for number in range(1, issues + 1):
        day = first + timedelta(weeks=number - 1)
        when = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        if number in scheduled:
            when = _later_today(now)
        slug = old_slug = f"this-week-{number}"
        name = f"{when:%Y}/{when:%Y-%m-%d}-{slug}.md"
        header = {
            "Title": f"This Week {number}: {text.title(2, 4)}",
            "Date": f"{when:%Y-%m-%d %H:%M}",
            "Tags": ", ".join(sorted(rng.sample(tags, rng.randint(1, 3)))),
            "Category": "Newsletter",
            "Author": text.name() if rng.random() < 0.3 else "The Editors",
            "Slug": slug,
        }
        if rng.random() < 0.5:
            header["Status"] = "published"
        body = _issue_body(text, rng, number, flags=number in flags)
        if number in drafts:
            header["Status"] = "draft"
        if number in control:  # pasted into a link target
            body = body.replace("](https://blog.example.org/", "](https://blog.example.org/\x02", 1)
        if number in comment:  # a commented-out image, then the rest of the issue
            marker = f"Everything below the comment survives in issue {number}."
            body = body.replace(
                "## Observations and thoughts",
                f"{COMMENT}\n\n## Observations and thoughts\n\n{marker}",
                1,
            )
            planted["comment with >"].setdefault("markers", {})[f"content/{name}"] = marker
        if number in wordpress:  # a BOM, `_` or `.`: in the file name, or in `Slug:`
            kind = wordpress.index(number)
            old_slug = ("%ef%bb%bf" + slug, slug.replace("-", "_"), f"{slug}.5")[kind]
            slug = (slug, slug, f"{slug}-5")[kind]
            if kind == 0:
                del header["Slug"]
                name = f"{when:%Y}/{old_slug}.md"
            else:
                header["Slug"] = old_slug
        if number in alike:
            header["Tags"] = f"{header['Tags']}, {ALIKE_TAG}"
            header["Category"] = ALIKE_CATEGORY
        content = "".join(f"{k}: {v}\n" for k, v in header.items()) + "\n" + body
        rel = f"content/{name}"
        _write(root, rel, content)
        archive.posts[rel] = Post(
            rel,
            old=f"/{when:%Y}/{old_slug}.html",
            address=f"/{when:%Y}/{slug}.html",
            default=f"/{when:%Y/%m/%d}/{slug}/",
            shown=number not in drafts + scheduled,
        )
        for case, numbers in cases.items():
            if number in numbers:
                archive.plant(case, rel)
        if number in control:
            planted["control byte"].setdefault("where", []).append(_line_col(rel, content))
        if number in flags:
            planted["--flags in prose"]["count"] += content.count("--workspace")
    planted["later today"]["when"] = f"{_later_today(now):%Y-%m-%d %H:%M}"
    pages = {
        "about": ("About", "Who writes the newsletter, and how to send a link."),
        "privacy-policy": ("Privacy policy", "What the site keeps about its readers."),
        "contribute": ("Contribute", "How to suggest a link or an event."),
    }
    for slug, (title, summary) in pages.items():
        rel = f"content/pages/{slug}.md"
        body = "\n\n".join([summary, *(text.paragraph() for _ in range(4))])
        _write(root, rel, f"Title: {title}\nDate: 2015-02-03 10:00\n\n{body}\n")
        archive.pages.append((rel, f"/{slug}/"))
        archive.plant("static pages", rel)
    planted["old addresses"]["files"] = [p.rel for p in archive.posts.values() if p.shown]
    return archive


# ---------------------------------------------------------------------------- Jekyll


def _post_body(text: Text, rng: random.Random, *, nested: bool, after: bool) -> str:
    """A news post: paragraphs, a heading, maybe kramdown-style lists."""
    parts = [text.paragraph(2, 5), text.paragraph(2, 5)]
    if nested:
        items = []
        for _ in range(rng.randint(2, 4)):
            items.append(f"- {text.phrase(3, 8).capitalize()}")
            items += [f"  - {text.phrase(2, 6)}" for _ in range(rng.randint(1, 3))]
        parts.append("\n".join(items))
    parts.append(f"## {text.title(2, 5)}")
    parts.append(text.paragraph(3, 6))
    if after:
        lead = f"The changes, {text.phrase(2, 5)}:"
        parts.append(lead + "\n" + "\n".join(f"- {text.phrase(3, 8)}" for _ in range(3)))
    if rng.random() < 0.3:
        parts.append(f"> {text.sentence()}")
    parts.append(text.paragraph(2, 5))
    return "\n\n".join(parts) + "\n"


def _yaml_list(items: list[str], rng: random.Random) -> str:
    """` [a, b]` or a block list, as people write both."""
    if rng.random() < 0.5:
        return " [" + ", ".join(items) + "]"
    return "".join(f"\n  - {item}" for item in items)


CATEGORIES = ("news", "releases", "community", "events", "security", "reviews")


def make_jekyll(
    root: Path, *, posts: int = 2289, seed: int = 1, now: datetime | None = None
) -> Archive:
    """Write the Jekyll news site: `posts` files under content/_posts/, and four pages."""
    rng = random.Random(f"jekyll-{seed}")
    text = Text(rng)
    now = now or datetime.now(UTC)
    archive = Archive("jekyll", root, planted={case: {"files": []} for case in JEKYLL_CASES})
    planted = archive.planted
    _write(
        root,
        "digest.toml",
        'title = "Filler Gazette"\n'
        'description = "News from a town that does not exist."\n'
        'site_url = "https://gazette.example.org/"\n'
        'timezone = "UTC"\n'
        'edition = "day"\n'
        'permalinks = "/:year/:month/:day/:title/"\n'
        'markdown = "kramdown-compatible"\n',
    )
    # The registry: an alias one person lists, another person's implicit surname.
    registry = [("Donald Trump", "  aliases: [Trump]\n"), ("Lara Trump", "")]
    registry += [(text.name(), "") for _ in range(20)]
    _write(root, "content/people.yaml", "".join(f"- name: {n}\n{a}" for n, a in registry))
    authors = [text.name() for _ in range(25)]
    tags = sorted({text.word() for _ in range(60)})
    # Posts spread over 2012-01-01 .. 2025-06-30, in date order; the last is later today.
    start, stop = datetime(2012, 1, 1, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)
    seconds = int((stop - start).total_seconds())
    times = sorted(start + timedelta(seconds=rng.randrange(seconds)) for _ in range(posts))
    scale = posts / 2289
    pool = list(range(posts - 1))
    cases = {
        "later today": [posts - 1],
        "unclosed bracket": _pick(rng, pool, 1),
        "unclosed quote": _pick(rng, pool, 1),
        "quote closed later": _pick(rng, pool, 1),
        "control byte": _pick(rng, pool, 2),
        "comment with >": _pick(rng, pool, 2),
        "WordPress slugs": _pick(rng, pool, 5),
        "tabs after key:": _pick(rng, pool, 3),
        "alias vs surname": _pick(rng, pool, 3),
        "title + surname": _pick(rng, pool, 1),
        "tag/category alike": _pick(rng, pool, 3),
        "redirect_from": _pick(rng, pool, max(3, round(40 * scale))),
        "published: false": _pick(rng, pool, max(2, round(95 * scale))),
    }
    broken = {*cases["unclosed bracket"], *cases["unclosed quote"], *cases["quote closed later"]}
    hidden = {*broken, *cases["later today"], *cases["published: false"]}
    shown = [i for i in range(posts) if i not in hidden]
    cases["nested lists"] = _pick(rng, list(shown), max(3, round(627 * scale)))
    cases["list after paragraph"] = _pick(rng, list(shown), max(3, round(82 * scale)))
    planted_any = {i for indices in cases.values() for i in indices}
    cases["Jekyll keys"] = [i for i in shown if i not in planted_any][:3]
    of = {case: set(indices) for case, indices in cases.items()}
    counts = planted["unknown keys"]["counts"] = {"legacy_id": 0, "comments": 0}
    used: set[str] = set()
    for i, when in enumerate(times):
        if i in of["later today"]:
            when = _later_today(now)
        title = text.title(3, 8)
        slug = "-".join(title.lower().split()[:6])
        while slug in used:
            slug += f"-{text.word()}"
        used.add(slug)
        name_slug = made = slug  # the file name's part after the date; the slug digest makes
        front: list[str] = ["---", "layout: post", f"title: {title}"]
        front.append(f"date: {when:%Y-%m-%d %H:%M:%S}")
        author = rng.choice(authors)
        front.append(f"author: {author}" if rng.random() < 0.8 else f"author:\n  name: {author}")
        categories = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
        front.append(f"categories: {' '.join(categories)}")
        post_tags = rng.sample(tags, rng.randint(1, 4))
        front.append(f"tags:{_yaml_list(post_tags, rng)}")
        excerpt = f"In short: {text.phrase(6, 14)}."
        front.append(f'excerpt: "{excerpt}"')
        if rng.random() < 0.4:
            front.append(f"image: /assets/img/{when:%Y}/{text.word()}.jpg")
        old = address = f"/{when:%Y/%m/%d}/{slug}/"
        if when.year <= 2014 and i not in of["WordPress slugs"]:
            # Imported from WordPress, with the old blog's addresses and ids.
            old = address = f"/{when:%Y/%m}/{slug}/"
            front.append(f"permalink: {address}")
            front.append(f"legacy_id: {1000 + i}")
        if rng.random() < 0.6:
            front.append(f"comments: {rng.choice(('true', 'false'))}")
        body = _post_body(
            text, rng, nested=i in of["nested lists"], after=i in of["list after paragraph"]
        )
        if rng.random() < 0.3:
            speaker = rng.choice(registry[2:])[0]
            body = f"{speaker} said the {text.phrase(2, 4)} would {text.phrase(2, 5)}.\n\n" + body
        if i in of["WordPress slugs"]:
            # The file name (as jekyll-import wrote it) or `slug:`, in three old forms.
            kind = cases["WordPress slugs"].index(i)
            odd = ("%ef%bb%bf" + slug, "_".join(w.capitalize() for w in slug.split("-")),
                   slug + ".2")[kind % 3]  # fmt: skip
            if kind < 3:
                name_slug = odd
            else:
                front.append(f'slug: "{odd}"')  # quoted: `%` cannot start a YAML word
            made = slug + "-2" if kind % 3 == 2 else slug
            old = f"/{when:%Y/%m/%d}/{odd}/"  # what Jekyll's :title gave
            address = f"/{when:%Y/%m/%d}/{made}/"
        if i in of["tabs after key:"]:
            front = [
                line.replace(": ", ":\t", 1) if line.startswith(("title", "author: ")) else line
                for line in front
            ]
        if i in of["unclosed bracket"]:
            front = [line for line in front if not line.startswith(("tags", "  - ", "comments"))]
            front.insert(4, f"tags: [{', '.join(post_tags)}")
            planted["unclosed bracket"]["line"] = 5  # the file's line: `---` is line 1
        if i in of["unclosed quote"] or i in of["quote closed later"]:
            front = [line for line in front if not line.startswith("comments")]
            front[2] = f'title: "{title}'
            case = "unclosed quote" if i in of["unclosed quote"] else "quote closed later"
            planted[case]["line"] = 3
            if case == "unclosed quote":  # no other quote: the title's runs to the end
                front = [line.replace('"', "") if line.startswith("excerpt") else line
                         for line in front]  # fmt: skip
        if i in of["published: false"]:
            front.append("published: false")
        if i in of["redirect_from"]:
            alias = f"/news/{1000 + i}.html"
            front.append(f"redirect_from:\n  - {alias}")
            planted["redirect_from"].setdefault("aliases", []).append((alias, address))
        if i in of["tag/category alike"]:
            front = [line for line in front if not line.startswith(("categories", "tags", "  - "))]
            front.insert(4, f'categories: ["{ALIKE_CATEGORY}"]')
            front.insert(5, f"tags: [{ALIKE_TAG}, {post_tags[0]}]")
        if i in of["control byte"]:
            body = body.replace(
                "\n\n", f"\n\nSee [the notes](https://notes.example.org/\x02{slug}/).\n\n", 1
            )
        if i in of["comment with >"]:  # a commented-out image, then the footer
            footer = f'<div class="post-footer">Filed by the desk, post {i}.</div>'
            body += f"\n{COMMENT}\n{footer}\n"
        if i in of["alias vs surname"]:  # names both in full: "Trump" is the alias's
            body = (
                "Lara Trump and Donald Trump met at the filler fair. Trump said the fair "
                "would return next year.\n\n" + body
            )
        if i in of["title + surname"]:  # "President Trump": the alias, with a title
            body = (
                "Lara Trump and President Trump met at the filler fair. Trump said the fair "
                "would return next year.\n\n" + body
            )
        front.append("---")
        content = "\n".join(front) + "\n" + body
        rel = f"content/_posts/{when:%Y-%m-%d}-{name_slug}.md"
        _write(root, rel, content)
        facts = {"author": author, "excerpt": excerpt, "topics": [*categories, *post_tags]}
        if i in of["comment with >"]:
            facts["marker"] = footer
        archive.posts[rel] = Post(
            rel, old, address, f"/{when:%Y/%m/%d}/{made}/", i not in hidden, facts
        )
        for case, indices in of.items():
            if i in indices:
                archive.plant(case, rel)
        if i in of["control byte"]:
            planted["control byte"].setdefault("where", []).append(_line_col(rel, content))
        if i not in broken:
            for key in counts:
                counts[key] += f"\n{key}:" in content
    planted["later today"]["when"] = f"{_later_today(now):%Y-%m-%d %H:%M}"
    pages = {
        "about.md": ("About the Gazette", ""),
        "contact.md": ("Contact", ""),
        "privacy.md": ("Privacy policy", "/privacy-policy/"),
        "legal/imprint.md": ("Imprint", "/imprint/"),
    }
    for rel_name, (title, permalink) in pages.items():
        rel = f"content/{rel_name}"
        front = ["---", "layout: page", f"title: {title}"]
        if permalink:
            front.append(f"permalink: {permalink}")
        front.append("---")
        body = "\n\n".join(text.paragraph() for _ in range(3))
        _write(root, rel, "\n".join(front) + "\n" + body + "\n")
        archive.pages.append((rel, permalink or f"/{Path(rel_name).stem}/"))
        archive.plant("layout: page", rel)
    planted["old addresses"]["files"] = [p.rel for p in archive.posts.values() if p.shown]
    planted["unknown keys"]["files"] = []
    return archive


def make_archives(
    out: Path,
    *,
    seed: int = 1,
    issues: int = 668,
    posts: int = 2289,
    now: datetime | None = None,
) -> tuple[Archive, Archive]:
    """Write both archives under `out` (`out/pelican`, `out/jekyll`) and describe them."""
    now = now or datetime.now(UTC)
    return (
        make_pelican(out / "pelican", issues=issues, seed=seed, now=now),
        make_jekyll(out / "jekyll", posts=posts, seed=seed, now=now),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--issues", type=int, default=668)
    parser.add_argument("--posts", type=int, default=2289)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    for archive in make_archives(args.out, seed=args.seed, issues=args.issues, posts=args.posts):
        print(f"{archive.root}: {len(archive.posts)} dated files, {len(archive.pages)} pages")
        for case, data in archive.planted.items():
            first = data["files"][0] if data["files"] else "(many)"
            print(f"  {case}: {len(data['files'])} files, e.g. {first}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
