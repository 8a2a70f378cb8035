"""Incremental builds must equal a clean build byte for byte, whatever the edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from generator.engine.build import Builder, build_site
from tests.conftest import entry_text
from tests.helpers import REGISTRY, EditSequence, clean_build, tree

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
