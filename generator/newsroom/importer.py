"""Turn raw article text into Markdown entries with their front matter filled in.

`digest import` reads files in the raw form (a first line `date 2025-06-04 By A and B,
Outlet`, then paragraphs), takes the date, byline, outlet, headline and summary from the
text and the people and topics from the site's registries, and writes each as a draft
`YYYY-MM-DD-<first words of the title>.md` to edit and publish. Names the registry lacks
come back as proposals, ready to paste into `people.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator.config import load_config
from generator.errors import BuildFailed, DigestError
from generator.model import Entry, Person, Topic
from generator.newsroom.bodies import paragraphs
from generator.newsroom.proposals import Proposal, propose_people
from generator.newsroom.scan import Scanner
from generator.slug import slugify
from generator.source.parse import ParseOptions, parse_entry
from generator.source.registry import PEOPLE_FILE, TOPICS_FILE, parse_people, parse_topics
from generator.source.text import decode

SLUG_WORDS = 6
_DATELINE = re.compile(r"^\s*\([^)]{1,40}\)\s*[—–-]+\s*")  # `(CNN) — `
# Characters Markdown would read as syntax anywhere in a line, and what stops it.
_INLINE = re.compile(r"[\\`*_{}\[\]<>&]")
_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# What makes a line's start a heading, list item, rule or code fence.
_LINE_START = re.compile(r"^(?:([#+-])|(~)~~|(\d+)\.(?=\s|$))")


@dataclass
class Imported:
    """One article turned into an entry: where it came from, where it went, what was found."""

    source: str
    target: Path
    people: tuple[str, ...]
    topics: tuple[str, ...]
    text: str = field(repr=False)  # the article's text, for proposals


@dataclass
class ImportReport:
    imported: list[Imported]
    proposals: list[Proposal]
    warnings: list[str] = field(default_factory=list)  # what reading the inputs mended


def import_articles(paths: list[Path], root: Path, to: Path | None = None) -> ImportReport:
    """Import every raw article in `paths` (files, or folders of `.txt` files) into `to`.

    Every input is read and checked before anything is written: a problem in any of them
    raises BuildFailed listing them all, and no file is written.
    """
    warnings: list[str] = []
    try:
        config = load_config(root)
        people, topics = _registries(root, warnings)
    except DigestError as exc:
        raise exc.under(root) from exc  # inputs are named from here, so the site is too
    scanner = Scanner(people, topics)
    target_dir = to if to is not None else root / "content" / "imported"
    errors: list[DigestError] = []
    entries: list[tuple[str, Entry]] = []
    for source in _sources(paths, errors):
        try:
            data = Path(source).read_bytes()
            options = ParseOptions.of(config)
            entries.append((source, parse_entry(source, data, config.tz, options=options)))
        except DigestError as exc:
            errors.append(exc)
        except BuildFailed as exc:
            errors.extend(exc.errors)
        except OSError as exc:
            errors.append(DigestError(f"cannot read the file: {exc.strerror}", source))
    if errors:
        raise BuildFailed(errors)
    imported = []
    taken: set[Path] = set()
    for source, entry in entries:
        scan = scanner.scan(entry)
        target = _free_name(target_dir, entry, taken)
        text = "\n\n".join(paragraphs(entry.body))
        imported.append(Imported(source, target, scan.people, scan.topics, text))
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:  # never replaces a file
            handle.write(entry_markdown(entry, scan.people, scan.topics))
    proposals = propose_people([i.text for i in imported], people)
    warnings += [w for _, entry in entries for w in entry.warnings]
    return ImportReport(imported, proposals, warnings)


def _registries(root: Path, warnings: list[str]) -> tuple[list[Person], list[Topic]]:
    found: dict[str, Any] = {PEOPLE_FILE: [], TOPICS_FILE: []}
    for name, parser in ((PEOPLE_FILE, parse_people), (TOPICS_FILE, parse_topics)):
        path = root / "content" / name
        if path.is_file():
            rel = f"content/{name}"
            found[name] = parser(rel, decode(rel, path.read_bytes(), warnings, empty_ok=True))
    return found[PEOPLE_FILE], found[TOPICS_FILE]


def _sources(paths: list[Path], errors: list[DigestError]) -> list[str]:
    """The files to import, as the user named them; a folder gives its `.txt` files."""
    files: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                errors.append(DigestError("this folder has no .txt files to import", path))
            files += [str(p) for p in found]
        elif not path.exists():
            errors.append(DigestError("no such file or folder", path))
        elif path.suffix.lower() != ".txt":
            errors.append(
                DigestError(
                    "only raw article text (.txt) can be imported",
                    path,
                    hint="save it as .txt with a first line like "
                    "`date 2025-06-04 By Jane Doe and John Roe, Outlet`",
                )
            )
        else:
            files.append(str(path))
    return list(dict.fromkeys(files))


def _free_name(folder: Path, entry: Entry, taken: set[Path]) -> Path:
    """`2025-06-04-some-words.md`, or `-2`, `-3`… when that name is in use."""
    day = _day(entry)
    words = slugify(" ".join(_DATELINE.sub("", entry.title).split()[:SLUG_WORDS])) or "article"
    base = f"{day:%Y-%m-%d}-{words}"
    target, n = folder / f"{base}.md", 2
    while target.exists() or target in taken:
        target, n = folder / f"{base}-{n}.md", n + 1
    taken.add(target)
    return target


def _day(entry: Entry) -> date:
    """A raw article's day: its first line always gives a date."""
    assert entry.date is not None, f"{entry.path}: a raw article without a date"
    return entry.day or entry.date.date()


def entry_markdown(entry: Entry, people: tuple[str, ...], topics: tuple[str, ...]) -> str:
    """The entry as Markdown: YAML front matter, then each paragraph escaped to stay text."""
    texts = paragraphs(entry.body)
    front: dict[str, Any] = {
        "title": entry.title,
        "date": _day(entry),
        "authors": list(entry.authors),
        "source": entry.source,
        "people": list(people),
        "topics": list(topics),
        "summary": _DATELINE.sub("", texts[0]) if texts else entry.summary,
        "draft": True,
    }
    front = {key: value for key, value in front.items() if value not in (None, [])}
    yaml_text = yaml.safe_dump(
        front, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10**6
    )
    return "---\n" + yaml_text + "---\n" + "".join(f"\n{escape_markdown(t)}\n" for t in texts)


def escape_markdown(text: str) -> str:
    """Backslash what Markdown would read as markup, so the paragraph renders as written."""
    text = _INLINE.sub(lambda m: _ESCAPES.get(m.group(), "\\" + m.group()), text)
    match = _LINE_START.match(text)
    if match is None:
        return text
    if match.group(1):
        return "\\" + text
    if match.group(2):
        return "&#126;" + text[1:]  # Markdown has no backslash escape for `~`
    return f"{match.group(3)}\\{text[match.end(3) :]}"
