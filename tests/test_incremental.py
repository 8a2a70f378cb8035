"""Incremental builds must equal a clean build byte for byte, whatever the edits."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from generator.engine.build import Builder, build_site
from generator.errors import BuildFailed
from generator.output.manifest import MANIFEST
from tests.conftest import entry_text

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


EditSequence.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_incremental_builds_equal_clean_builds = EditSequence.TestCase


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/people.yaml").write_text(REGISTRY.format(role="Mathematician"))
    entries = [
        ("2024-03-04", "[Ada]"),
        ("2024-03-05", "[Charles Babbage]"),
        ("2024-03-20", "[Ada]"),
        ("2024-03-21", "[Grace Hopper]"),
        ("2024-03-22", "[Grace Hopper]"),
    ]
    for i, (date, people) in enumerate(entries):
        (tmp_path / f"content/e{i}.md").write_text(
            entry_text(f"Entry {i}", date, people=people, summary=f"S{i}")
        )
    return tmp_path


def rendered_after(site: Path, edit) -> set[str]:
    builder = Builder(site, site / "site", search=False)
    builder.build()
    edit()
    return set(builder.build().regenerated)


def test_body_edit_renders_only_the_entry(site: Path) -> None:
    path = site / "content/e1.md"
    changed = rendered_after(site, lambda: path.write_text(path.read_text().replace("Body", "New")))
    # Lists show summaries, not bodies; feeds carry full content.
    assert changed == {
        "2024/03/05/e1/index.html",
        "feed.xml",
        "feed.json",
        "people/charles-babbage/feed.xml",
    }


def test_title_edit_renders_the_entry_its_lists_and_its_neighbours(site: Path) -> None:
    path = site / "content/e1.md"
    changed = rendered_after(
        site, lambda: path.write_text(path.read_text().replace("Entry 1", "Renamed"))
    )
    assert changed == {
        "2024/03/05/e1/index.html",
        "2024/03/04/e0/index.html",  # its next link shows the title
        "2024/03/20/e2/index.html",  # its previous link too
        "index.html",
        "editions/2024-w10/index.html",
        "editions/feed.xml",
        "people/charles-babbage/index.html",
        "people/charles-babbage/feed.xml",
        "feed.xml",
        "feed.json",
    } | {p for p in changed if p.endswith("index.html") and p.count("/") == 4}


def test_people_edit_renders_old_and_new_people_pages(site: Path) -> None:
    path = site / "content/e1.md"
    changed = rendered_after(
        site, lambda: path.write_text(path.read_text().replace("Charles Babbage", "Ada"))
    )
    assert {
        "people/ada-lovelace/index.html",
        "people/charles-babbage/index.html",
        "people/index.html",
        "2024/03/05/e1/index.html",
    } <= changed
    assert "2024/03/21/e3/index.html" not in changed  # not a neighbour of e1


def test_registry_edit_renders_only_pages_showing_that_person(site: Path) -> None:
    registry = site / "content/people.yaml"
    changed = rendered_after(site, lambda: registry.write_text(REGISTRY.format(role="Countess")))
    assert "people/ada-lovelace/index.html" in changed
    assert "people/charles-babbage/index.html" not in changed
    assert "2024/03/05/e1/index.html" not in changed  # Babbage's entry


def test_template_edit_renders_only_pages_using_it(site: Path) -> None:
    from generator.render.templates import theme_dir

    def override() -> None:
        (site / "templates").mkdir()
        text = (theme_dir() / "person.html").read_text()
        (site / "templates/person.html").write_text(text + "<!-- x -->")

    changed = rendered_after(site, override)
    assert changed == {
        "people/ada-lovelace/index.html",
        "people/charles-babbage/index.html",
        "people/grace-hopper/index.html",
    }


def test_no_change_build_renders_and_writes_nothing(site: Path) -> None:
    build_site(site, search=False)
    result = build_site(site, search=False)
    assert result.rendered == 0
    assert result.write is not None and result.write.written == 0


def test_output_rewritten_by_another_build_is_not_trusted(site: Path) -> None:
    """A cache-less build into the same folder between two cached ones must not fool them."""
    path = site / "content/e1.md"
    original = path.read_text()
    build_site(site, search=False)  # cached: remembers the pages it wrote
    path.write_text(original.replace("Entry 1", "Other title"))
    build_site(site, use_cache=False, search=False)  # other bytes; the cache is left alone
    path.write_text(original)
    build_site(site, search=False)  # the fingerprints match again, but the files do not
    assert tree(site / "site") == clean_build(site)


def test_files_written_just_before_a_build_are_checked_by_their_bytes(site: Path) -> None:
    """Stats within the racy window prove nothing, so the shortcut hashes those files
    instead of giving up; when the bytes are what was built, nothing is done."""
    Builder(site, site / "site", search=False).build()
    again = Builder(site, site / "site", search=False).build()  # within the window
    assert again.nothing_changed
    (site / "content/e0.md").write_text(
        (site / "content/e0.md").read_text().replace("Entry 0", "Entry zero")
    )
    changed = Builder(site, site / "site", search=False).build()
    assert not changed.nothing_changed and changed.rendered > 0
