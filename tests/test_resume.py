"""A new `digest build` process applies entry edits to the snapshot the last build kept."""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path

import pytest

from generator.engine import resume
from generator.engine.build import Builder
from generator.engine.cache import CACHE_DIR, load
from generator.engine.state import STATE_FILE
from generator.model import Edition, Entry, Person, Site, Topic
from tests.conftest import entry_text
from tests.helpers import REGISTRY, clean_build, tree


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/people.yaml").write_text(REGISTRY.format(role="Mathematician"))
    people = ["[Ada]", "[Charles Babbage]", "[Ada, Charles Babbage]", "[Grace Hopper]"]
    for i, names in enumerate(people):
        (tmp_path / f"content/e{i}.md").write_text(
            entry_text(f"Entry {i}", f"2024-03-0{i + 1}", people=names, summary=f"S{i}")
        )
    return tmp_path


def new_process(site: Path):
    """A build by a fresh builder: all it knows comes from `.digest-cache/`."""
    return Builder(site, site / "site", search=False).build()


def edit(site: Path, name: str, old: str, new: str) -> None:
    path = site / "content" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def stored_state(site: Path):
    return load(site / CACHE_DIR / STATE_FILE)


def test_an_entry_edit_in_a_new_process_takes_the_snapshot(site: Path) -> None:
    assert not new_process(site).resumed  # the first build makes the snapshot
    assert (site / CACHE_DIR / resume.SNAPSHOT_FILE).is_file()
    edit(site, "e1.md", "summary: S1", "summary: A new summary")
    result = new_process(site)
    assert result.resumed
    assert "2024/03/02/e1/index.html" in result.regenerated
    assert len(result.regenerated) < result.pages / 2
    assert tree(site / "site") == clean_build(site)


def test_people_edits_and_their_reverts_replay_from_the_journal(site: Path) -> None:
    new_process(site)
    steps = [
        ("e0.md", "people: [Ada]", "people: [Ada, Someone New]"),
        ("e3.md", "people: [Grace Hopper]", "people: [Ada]"),
        ("e0.md", "people: [Ada, Someone New]", "people: [Ada]"),
        ("e2.md", "Body text.", "Body text, and more of it."),
    ]
    for name, old, new in steps:
        edit(site, name, old, new)
        result = new_process(site)
        assert result.resumed, (name, new)
        assert tree(site / "site") == clean_build(site), (name, new)
    journal = stored_state(site).journal
    assert set(journal) == {"content/e0.md", "content/e2.md", "content/e3.md"}


def test_past_the_journal_limit_the_edit_writes_a_new_snapshot(site: Path) -> None:
    new_process(site)
    first = stored_state(site).snapshot
    for i in range(resume.JOURNAL_LIMIT + 2):
        # A new file name each time would be a new entry: edit the same few instead, and
        # check the journal holds each path once.
        path = site / "content" / f"e{i % 4}.md"
        path.write_text(path.read_text().replace("Body text", f"Body text {i}"))
        assert new_process(site).resumed
    state = stored_state(site)
    assert len(state.journal) <= 4
    assert tree(site / "site") == clean_build(site)
    assert state.snapshot == first  # four paths never pass the limit
    for i in range(resume.JOURNAL_LIMIT + 1):
        (site / f"content/n{i}.md").write_text(entry_text(f"New {i}", "2024-02-01"))
    new_process(site)  # new entries: a full build and a new snapshot
    for i in range(resume.JOURNAL_LIMIT + 1):
        edit(site, f"n{i}.md", "Body text.", "Other text.")
        assert new_process(site).resumed
    state = stored_state(site)
    assert state.snapshot != first and len(state.journal) == 0
    assert tree(site / "site") == clean_build(site)
    edit(site, "e1.md", "summary: S1", "summary: After the new snapshot")
    assert new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_a_template_edit_takes_the_full_build(site: Path) -> None:
    new_process(site)
    (site / "templates").mkdir()
    (site / "templates/footer.html").write_text("<p>x</p>")
    edit(site, "e1.md", "summary: S1", "summary: Changed")
    assert not new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_a_touched_but_unchanged_registry_leaves_the_edit_path_open(site: Path) -> None:
    new_process(site)
    registry = site / "content/people.yaml"
    registry.write_bytes(registry.read_bytes())  # new stats, same bytes
    edit(site, "e1.md", "summary: S1", "summary: Changed")
    assert new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_a_new_date_or_a_new_entry_takes_the_full_build(site: Path) -> None:
    new_process(site)
    edit(site, "e1.md", "date: 2024-03-02", "date: 2024-03-09")
    assert not new_process(site).resumed
    (site / "content/e9.md").write_text(entry_text("Nine", "2024-03-09"))
    assert not new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_a_damaged_snapshot_is_ignored(site: Path) -> None:
    new_process(site)
    snapshot = site / CACHE_DIR / resume.SNAPSHOT_FILE
    data = bytearray(snapshot.read_bytes())
    data[-100] ^= 0xFF
    snapshot.write_bytes(bytes(data))
    edit(site, "e1.md", "summary: S1", "summary: Changed")
    assert not new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_output_written_by_someone_else_is_not_patched(site: Path) -> None:
    new_process(site)
    Builder(site, site / "site", search=False, use_cache=False).build()  # rewrites the manifest
    manifest = site / "site/.digest-manifest.json"
    manifest.write_text(manifest.read_text().replace("{", '{"stray.html": "x", ', 1))
    edit(site, "e1.md", "summary: S1", "summary: Changed")
    assert not new_process(site).resumed
    assert tree(site / "site") == clean_build(site)


def test_the_graph_pickle_keeps_shared_objects_shared_at_any_depth() -> None:
    """Related entries chain the graph: a plain pickle would recurse once per link."""
    person, topic = Person(name="Ada", slug="ada"), Topic(name="Maths", slug="maths")
    entries = [
        Entry(path=f"e{i}.md", title=f"E{i}", date=None, slug=f"e{i}", body="", summary="")  # type: ignore[arg-type]
        for i in range(20_000)
    ]
    for before, after in itertools.pairwise(entries):
        before.related = [after]
        before.people, before.topics = [person], [topic]
    person.entries = list(entries)
    edition = Edition(id="d", title="D", start=None, end=None, entries=entries[:3])  # type: ignore[arg-type]
    site = Site(entries, [person], [topic], [edition])
    handle = io.BytesIO()
    resume._dump((site, {"page": [entries[5]]}), handle)
    handle.seek(0)
    copy, pages = resume._load(handle)
    assert copy.entries[0].related[0] is copy.entries[1]
    assert copy.entries[19_998].related == [copy.entries[19_999]]
    assert copy.people[0].entries[7] is copy.entries[7]
    assert copy.entries[3].people[0] is copy.people[0]
    assert copy.editions[0].entries[2] is copy.entries[2]
    assert pages["page"][0] is copy.entries[5]
    assert copy.entries[9].title == "E9"


def test_no_snapshot_is_kept_without_a_cache(site: Path) -> None:
    Builder(site, site / "site", search=False, use_cache=False).build()
    assert not (site / CACHE_DIR / resume.SNAPSHOT_FILE).exists()
    assert os.listdir(site / "site")
