"""Lay a bench corpus out the way Hugo, Eleventy or Pelican wants it.

Usage: python bench/anchors/prepare.py TOOL CORPUS_DIR WORK_DIR

TOOL is `hugo-minimal` (Hugo with a bare theme), `hugo` (Hugo, like for like), `eleventy` or
`pelican`. The anchors must build the same page set as digest from the same entries (see README.md
beside this file), so this converter does only what each tool cannot read by itself: it
turns digest's front matter and registries into the tool's own format. Preparation is not
timed by the harness; the tool's build is.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TOOLS = ("hugo-minimal", "hugo", "eleventy", "pelican")
# The anchors whose users add Pagefind (`pagefind --site OUT`) for search; Pelican has no
# search step of its own (a plugin would add one), so it is built as is.
SEARCHED = ("hugo-minimal", "hugo", "eleventy")
ELEVENTY_CLI = HERE / "eleventy" / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    date: datetime  # in UTC, the zone the bench corpus's digest.toml sets
    authors: list[str]
    people: list[str]
    topics: list[str]
    summary: str
    body: str

    @property
    def url(self) -> str:
        return f"/{self.date:%Y/%m/%d}/{self.slug}/"

    @property
    def edition(self) -> str:
        """The ISO week, as digest names it (`2025-W23`, published at /editions/2025-w23/)."""
        year, week, _ = self.date.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Corpus:
    entries: list[Entry]
    people: list[dict[str, Any]]
    topics: list[dict[str, Any]]


def read_corpus(root: Path) -> Corpus:
    """Read a corpus written by bench/make_corpus.py (YAML front matter, both registries)."""
    entries = [_read_entry(path) for path in sorted((root / "content").rglob("*.md"))]
    people = yaml.load((root / "content" / "people.yaml").read_text("utf-8"), SAFE_LOADER)
    topics = yaml.load((root / "content" / "topics.yaml").read_text("utf-8"), SAFE_LOADER)
    return Corpus(entries, people or [], topics or [])


def _read_entry(path: Path) -> Entry:
    text = path.read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.load(front, SAFE_LOADER)
    date = datetime.strptime(str(meta["date"]), "%Y-%m-%d %H:%M %z").astimezone(UTC)
    return Entry(
        slug=path.stem,
        title=str(meta["title"]),
        date=date,
        authors=[str(a) for a in meta.get("authors", [])],
        people=[str(p) for p in meta.get("people", [])],
        topics=[str(t) for t in meta.get("topics", [])],
        summary=str(meta.get("summary", "")),
        body=body,
    )


def slugify(name: str) -> str:
    """The slug all three tools and digest give a plain ASCII name (`Talvo Merrick`)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _q(value: object) -> str:
    """A YAML scalar or flow list: JSON is valid YAML and quotes everything safely."""
    return json.dumps(value, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_skeleton(tool: str, work: Path) -> None:
    """The tool's fixed files (config, templates) from bench/anchors/TOOL/."""
    shutil.copytree(HERE / tool, work, ignore=shutil.ignore_patterns("node_modules"))


def prepare_hugo(corpus: Corpus, work: Path, skeleton: str = "hugo") -> None:
    """Entries under content/posts/; people, topics and editions are taxonomies.

    A term's `_index.md` carries the registry's role and description, as Hugo documents.
    Both Hugo anchors get the same content; only their layouts (`skeleton`) differ.
    """
    _copy_skeleton(skeleton, work)
    for e in corpus.entries:
        _write(
            work / "content" / "posts" / f"{e.date:%Y}" / f"{e.date:%m}" / f"{e.slug}.md",
            "---\n"
            f"title: {_q(e.title)}\n"
            f"date: {e.date:%Y-%m-%dT%H:%M:%SZ}\n"
            f"url: {e.url}\n"
            f"byline: {_q(e.authors)}\n"
            f"people: {_q(e.people)}\n"
            f"topics: {_q(e.topics)}\n"
            f"editions: {_q([e.edition])}\n"
            f"summary: {_q(e.summary)}\n"
            f"---\n{e.body}",
        )
    for section, items in (("people", corpus.people), ("topics", corpus.topics)):
        for item in items:
            # Hugo's own `aliases` key makes redirect pages, so the registry's go in `aka`.
            fields = {k: v for k, v in item.items() if k in ("role", "description")}
            fields["aka"] = item.get("aliases", [])
            _write(
                work / "content" / section / slugify(item["name"]) / "_index.md",
                f"---\ntitle: {_q(item['name'])}\n"
                + "".join(f"{k}: {_q(v)}\n" for k, v in fields.items())
                + "---\n",
            )


def prepare_eleventy(corpus: Corpus, work: Path) -> None:
    """Entries under src/entries/; the registries become global data files.

    Person, topic and edition pages are paginated from collections built in .eleventy.js.
    """
    _copy_skeleton("eleventy", work)
    (work / "node_modules").symlink_to(HERE / "eleventy" / "node_modules")
    for e in corpus.entries:
        _write(
            work / "src" / "entries" / f"{e.date:%Y}" / f"{e.date:%m}" / f"{e.slug}.md",
            "---\n"
            f"title: {_q(e.title)}\n"
            f"date: {e.date:%Y-%m-%dT%H:%M:%SZ}\n"
            f"permalink: {e.url}\n"
            f"byline: {_q(e.authors)}\n"
            f"people: {_q(e.people)}\n"
            f"topics: {_q(e.topics)}\n"
            f"edition: {_q(e.edition)}\n"
            f"summary: {_q(e.summary)}\n"
            f"---\n{e.body}",
        )
    for name, items in (("people", corpus.people), ("topics", corpus.topics)):
        registry = [{**item, "slug": slugify(item["name"])} for item in items]
        # Not `people.json`: Eleventy would merge it into every entry's own `people` list.
        _write(work / "src" / "_data" / f"{name}_registry.json", json.dumps(registry, indent=1))


def prepare_pelican(corpus: Corpus, work: Path) -> None:
    """Pelican's closest equivalents: people → authors, topics → tags, edition → category.

    The byline moves to a custom `Byline:` field; the registries become settings that the
    person and topic templates look names up in.
    """
    _copy_skeleton("pelican", work)
    for e in corpus.entries:
        _write(
            work / "content" / "entries" / f"{e.date:%Y}" / f"{e.date:%m}" / f"{e.slug}.md",
            f"Title: {e.title}\n"
            f"Date: {e.date:%Y-%m-%d %H:%M}\n"
            f"Slug: {e.slug}\n"
            f"Authors: {', '.join(e.people)}\n"
            f"Tags: {', '.join(e.topics)}\n"
            f"Category: {e.edition}\n"
            f"Byline: {', '.join(e.authors)}\n"
            f"Summary: {e.summary}\n\n{e.body}",
        )
    for name, items in (("people", corpus.people), ("topics", corpus.topics)):
        registry = {item["name"]: item for item in items}
        _write(work / f"{name}.json", json.dumps(registry, indent=1))


def prepare_hugo_minimal(corpus: Corpus, work: Path) -> None:
    """Hugo with a bare theme: list pages show titles and dates, entry pages their body."""
    prepare_hugo(corpus, work, skeleton="hugo-minimal")


PREPARE: dict[str, Callable[[Corpus, Path], None]] = {
    "hugo-minimal": prepare_hugo_minimal,
    "hugo": prepare_hugo,
    "eleventy": prepare_eleventy,
    "pelican": prepare_pelican,
}


def build_command(tool: str, work: Path, out: Path, python: Path | None = None) -> list[str]:
    """The command that builds a prepared WORK_DIR into `out` (run with cwd=WORK_DIR)."""
    if tool in ("hugo", "hugo-minimal"):
        return ["hugo", "--source", str(work), "--destination", str(out), "--quiet"]
    if tool == "eleventy":
        return ["node", str(ELEVENTY_CLI), "--config=.eleventy.js", f"--output={out}", "--quiet"]
    if tool == "pelican":
        exe = str(python or sys.executable)
        return [exe, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(out), "-q"]
    raise ValueError(f"unknown tool {tool!r}")


def search_command(out: Path) -> list[str]:
    """Pagefind over a built site, as a user of Hugo or Eleventy runs it after the build:
    the binary digest uses (the `pagefind[bin]` package), writing `out/pagefind/`."""
    return [str(pagefind_binary()), "--site", str(out), "--silent"]


def pagefind_binary() -> Path:
    """The Pagefind binary of the `pagefind[bin]` package, as digest finds it; else PATH's."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-not-found]

        return Path(get_executable())
    except (ImportError, OSError):
        pass
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    if not found:
        raise FileNotFoundError("Pagefind is not installed (pip install 'pagefind[bin]')")
    return Path(found)


def prepare(tool: str, corpus_dir: Path, work: Path) -> None:
    """Convert `corpus_dir` into a new `work` folder for `tool`."""
    if work.exists() and any(work.iterdir()):
        raise FileExistsError(f"{work} is not empty")
    if work.exists():
        work.rmdir()
    PREPARE[tool](read_corpus(corpus_dir), work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=TOOLS)
    parser.add_argument("corpus", type=Path, help="a site root written by bench/make_corpus.py")
    parser.add_argument("work", type=Path, help="folder to create for the tool")
    args = parser.parse_args(argv)
    try:
        prepare(args.tool, args.corpus, args.work)
    except FileExistsError as exc:
        parser.error(str(exc))
    out = (args.work / "public").resolve()
    print(shlex.join(build_command(args.tool, args.work.resolve(), out)))
    if args.tool in SEARCHED:
        print(shlex.join(search_command(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
