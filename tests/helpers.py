"""Helpers shared by several test modules: sites to build, trees to compare, the
edit sequence the incremental builds are checked with, the newsroom set, browsers.

Test modules import from here (or use the fixtures in conftest.py), never from each
other."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from playwright.sync_api import Browser, sync_playwright
from watchdog.observers.polling import PollingObserver

from generator.engine.build import Builder, build_site
from generator.errors import BuildFailed
from generator.model import Entry, Person
from generator.newsroom.mentions import fold
from generator.output.manifest import MANIFEST
from generator.source.parse import parse_entry
from generator.source.registry import parse_people
from tests.conftest import REPO, TESTS, entry_text

PEOPLE = ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing"]


TOPICS = ["Computing", "Policy", "Funding", "computing"]  # two spellings of one topic


# Where an entry is published, and whether it is news (issue 12); `{name}` is its file's.
ADDRESSES = [
    "",
    "permalink: /kept/:title/",
    "aliases: [/old/{name}/, /old/{name}.html]",
    "layout: page",
    "layout: page\nnav: true",
]


REGISTRY = "- name: Ada Lovelace\n  aliases: [Ada]\n  role: {role}\n- name: Charles Babbage\n"


DATES = ["2024-03-04", "2024-03-06", "2024-03-12", "2024-04-01", "2024-04-02 10:00"]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def clean_build(root: Path) -> dict[str, bytes] | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            build_site(root, Path(tmp) / "out", use_cache=False, search=False)
        except BuildFailed:
            return None
        return tree(Path(tmp) / "out")


class EditSequence(RuleBasedStateMachine):
    """Random edits, each followed by an incremental build (in memory and from disk)."""

    @initialize()
    def make_site(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="digest-incr-"))
        (self.root / "content").mkdir()
        (self.root / "content/people.yaml").write_text(REGISTRY.format(role="Mathematician"))
        self.names: list[str] = []
        self.counter = 0
        self.touched: list[str] = []  # what a watcher would report, for the live preview
        for _ in range(3):
            self._write_entry(self._new_name(), "First", DATES[0], ["Ada"], ["Computing"])
        self.live = Builder(self.root, self.root / "site", in_place=True, search=False)
        self.live.build()
        # Files outside the site that links lead to (refused unless allow_outside_links).
        self.outside = Path(tempfile.mkdtemp(prefix="digest-incr-outside-"))
        self.settings = {"title": "One", "allow": False}
        self._write_outside("a")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.outside, ignore_errors=True)

    def _write_outside(self, marker: str) -> None:
        (self.outside / "entry.md").write_text(entry_text(f"Linked {marker}", DATES[1]))
        (self.outside / "404.html").write_text(f'{{% extends "base.html" %}}{marker}\n')
        (self.outside / "extra.txt").write_text(marker)

    def _write_settings(self) -> None:
        allow = "true" if self.settings["allow"] else "false"
        text = f'title = "{self.settings["title"]}"\nallow_outside_links = {allow}\n'
        (self.root / "digest.toml").write_text(text)
        self.touched.append("digest.toml")

    def _new_name(self) -> str:
        self.counter += 1
        name = f"entry-{self.counter}.md"
        self.names.append(name)
        return name

    def _write_entry(
        self,
        name: str,
        title: str,
        date: str,
        people: list[str],
        topics: list[str],
        body: str = "Body text.",
        address: str = "",
    ) -> None:
        text = entry_text(
            title, date, people=f"[{', '.join(people)}]", topics=f"[{', '.join(topics)}]"
        ).replace("Body text.", body)
        if address:
            text = text.replace("\n---\n", f"\n{address.format(name=name[:-3])}\n---\n", 1)
        (self.root / "content" / name).write_text(text)
        self.touched.append(f"content/{name}")

    @rule(
        index=st.integers(0, 50),
        title=st.sampled_from(["First", "Second", "Third <b>"]),
        date=st.sampled_from(DATES),
        people=st.lists(st.sampled_from([*PEOPLE, "Ada"]), max_size=3, unique=True),
        topics=st.lists(st.sampled_from(TOPICS), max_size=2, unique=True),
        body=st.sampled_from(
            [
                "Body text.",
                "Other *words*.",
                "A [link](https://x.org).",
                '"We will build the engine," Ada Lovelace said. Charles Babbage agreed at length.',
                '"It works," said Charles Babbage.\n\nGrace Hopper and Alan Turing were not there.',
                "A character XML cannot carry: &#x1;.",
            ]
        ),
        address=st.sampled_from(ADDRESSES),
    )
    def edit_entry(self, index, title, date, people, topics, body, address) -> None:
        if self.names:
            name = self.names[index % len(self.names)]
            self._write_entry(name, title, date, people, topics, body, address)

    @rule(name=st.sampled_from(["about", "privacy"]), nav=st.booleans(), delete=st.booleans())
    def edit_page(self, name, nav, delete) -> None:
        """A static page under content/pages/, in the menu or not, or gone."""
        path = self.root / "content/pages" / f"{name}.md"
        if delete:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"---\ntitle: {name.title()}\nnav: {str(nav).lower()}\n---\nText.\n")
        self.touched.append(f"content/pages/{name}.md")

    @rule(date=st.sampled_from(DATES), people=st.lists(st.sampled_from(PEOPLE), max_size=2))
    def add_entry(self, date, people) -> None:
        self._write_entry(self._new_name(), "Added", date, list(dict.fromkeys(people)), [])

    @rule(index=st.integers(0, 50))
    def delete_entry(self, index) -> None:
        if len(self.names) > 1:
            name = self.names.pop(index % len(self.names))
            (self.root / "content" / name).unlink()
            self.touched.append(f"content/{name}")

    @rule(index=st.integers(0, 50))
    def rename_entry(self, index) -> None:
        if self.names:
            old = self.names.pop(index % len(self.names))
            new = self._new_name()
            (self.root / "content" / old).rename(self.root / "content" / new)
            self.touched += [f"content/{old}", f"content/{new}"]

    @rule(role=st.sampled_from(["Mathematician", "Writer", "Countess"]))
    def edit_registry(self, role) -> None:
        (self.root / "content/people.yaml").write_text(REGISTRY.format(role=role))
        self.touched.append("content/people.yaml")

    @rule(
        template=st.sampled_from(
            ["entry.html", "person.html", "base.html", "partials/entry_card.html"]
        ),
        marker=st.sampled_from(["", "<!-- a -->", "<!-- b -->"]),
    )
    def edit_template(self, template, marker) -> None:
        from generator.render.templates import theme_dir

        target = self.root / "templates" / template
        target.parent.mkdir(parents=True, exist_ok=True)
        source = (theme_dir() / template).read_text()
        target.write_text(source.replace("</main>", f"{marker}</main>", 1) + marker)
        self.touched.append(f"templates/{template}")

    @rule(title=st.sampled_from(["One", "Two"]))
    def edit_config(self, title) -> None:
        self.settings["title"] = title
        self._write_settings()

    @rule(allow=st.booleans())
    def allow_outside_links(self, allow) -> None:
        self.settings["allow"] = allow
        self._write_settings()

    @rule(
        link=st.sampled_from(
            [
                ("content/linked.md", "entry.md"),
                ("templates/404.html", "404.html"),
                ("static/linked.txt", "extra.txt"),
            ]
        ),
        present=st.booleans(),
    )
    def link_outside(self, link, present) -> None:
        rel, target = link
        path = self.root / rel
        if path.is_symlink():
            path.unlink()
        if present:
            path.parent.mkdir(exist_ok=True)
            os.symlink(self.outside / target, path)
        self.touched.append(rel)

    @rule(marker=st.sampled_from(["a", "b"]))
    def edit_outside(self, marker) -> None:
        self._write_outside(marker)  # a watcher would not see it: say the links changed
        self.touched += ["content/linked.md", "templates/404.html", "static/linked.txt"]

    @rule(data=st.sampled_from([b"a", b"b", None]))
    def edit_static(self, data) -> None:
        path = self.root / "static" / "extra.txt"
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        self.touched.append("static/extra.txt")

    @invariant()
    def incremental_equals_clean(self) -> None:
        if not hasattr(self, "root"):
            return
        expected = clean_build(self.root)
        if expected is None:
            return  # an edit that breaks the site (e.g. a duplicate slug) builds nothing
        # The live preview's way: told what changed, it applies entry edits to its last
        # build where they move nothing (delta.py), and builds fully otherwise.
        touched, self.touched = self.touched, []
        self.live.build(changed=touched)
        assert tree(self.root / "site") == expected, "in-memory incremental build differs"
        disk = self.root / "site-disk"
        Builder(
            self.root, disk, search=False
        ).build()  # a new process: its state comes from the cache
        assert tree(disk) == expected, "cache-backed incremental build differs"


def make_site(root: Path, entries: int, marker: str) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    paragraph = "Words about the talks and the tariffs, for a body of some length. " * 40
    for i in range(entries):
        text = entry_text(
            f"{marker} entry {i}", f"2025-0{1 + i % 6}-{1 + i % 27:02d}",
            people=f"[Person {i % 13}]", topics=f"[Topic {i % 5}]",
        ).replace("Body text.", f"{marker}\n\n{paragraph}")  # fmt: skip
        (root / "content" / f"e{i:04d}.md").write_text(text)


CORPUS_ENTRIES = 1000


CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


TIMEOUT_MS = 15_000


_built: dict[str, Path] = {}


def build_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bench corpus of 1,000 entries, built with its search index; its output folder."""
    if "corpus" not in _built:
        root = tmp_path_factory.mktemp("corpus") / "root"
        make = REPO / "bench" / "make_corpus.py"
        args = [str(root), "--entries", str(CORPUS_ENTRIES)]
        subprocess.run([sys.executable, str(make), *args], check=True, capture_output=True)
        build_site(root, root / "site", search=True, use_cache=False)
        _built["corpus"] = root / "site"
    return _built["corpus"]


def build_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo digest in the repository root, built with its search index."""
    if "demo" not in _built:
        out = tmp_path_factory.mktemp("demo") / "site"
        build_site(REPO, out, search=True, use_cache=False)
        _built["demo"] = out
    return _built["demo"]


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve a built site on a free loopback port from a thread; yield its root URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright; its absence fails the test."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: run tools/ensure-system.sh as root (make test does)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class BrokenObserver(PollingObserver):
    """An observer that fails like inotify does when its limits are reached."""

    def start(self) -> None:
        raise OSError(28, "inotify watch limit reached")


NEWSROOM = TESTS / "newsroom"


SEED = Path("/work/shared/seeds/000_9f66ae1a13ba7f62.txt")


SEED_PEOPLE = {
    "Donald Trump",
    "Xi Jinping",
    "Joe Biden",
    "Volodymyr Zelensky",
    "Cyril Ramaphosa",
    "Karoline Leavitt",
    "Scott Bessent",
}


@dataclass
class Newsroom:
    """The labelled set: registry, parsed entries and the expected answers."""

    people: list[Person]
    entries: dict[str, Entry]
    labels: dict[str, dict]


@cache
def load_newsroom() -> Newsroom:
    """Parse every raw article in tests/newsroom the way the build does."""
    people = parse_people("people.yaml", (NEWSROOM / "people.yaml").read_text(encoding="utf-8"))
    labels = yaml.safe_load((NEWSROOM / "labels.yaml").read_text(encoding="utf-8"))
    entries = {
        name: parse_entry(name, (NEWSROOM / name).read_bytes(), ZoneInfo("UTC")) for name in labels
    }
    return Newsroom(people, entries, labels)


def person(name: str, *aliases: str, role: str | None = None) -> Person:
    return Person(
        name=name, aliases=aliases, role=role, url=f"/people/{'-'.join(fold(name).split())}/"
    )


VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu() -> list[str]:
    """The checker's command; a missing tool fails the run rather than skipping it."""
    java = shutil.which("java")
    assert java, "Java is missing: run tools/ensure-system.sh (make test does)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `npm ci` (make test does)"
    return [java, "-jar", str(VNU_JAR)]
