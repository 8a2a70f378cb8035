"""The live preview's edits applied to its last build (delta.py): which edits take that
way, what they render, and that the result is always a clean build's."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.engine.delta as delta
from generator.engine.build import Builder
from tests.conftest import entry_text
from tests.helpers import REGISTRY, clean_build, tree


@pytest.fixture
def live(tmp_path: Path) -> Builder:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/people.yaml").write_text(REGISTRY.format(role="Mathematician"))
    for i, (date, people, topics) in enumerate([
        ("2024-03-04", "[Ada]", "[Computing]"),
        ("2024-03-05", "[Charles Babbage]", "[Computing, Policy]"),
        ("2024-03-20", "[Ada, Grace Hopper]", "[Policy]"),
        ("2024-03-21", "[Grace Hopper]", "[Computing]"),
    ]):  # fmt: skip
        write(tmp_path, i, date=date, people=people, topics=topics)
    builder = Builder(tmp_path, tmp_path / "site", in_place=True, search=False)
    builder.build()
    return builder


def write(root: Path, i: int, body: str = "Body text.", **fields: str) -> None:
    fields.setdefault("date", "2024-03-04")
    date = fields.pop("date")
    title = fields.pop("title", f"Entry {i}")
    text = entry_text(title, date, **fields).replace("Body text.", body)
    (root / f"content/e{i}.md").write_text(text)


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which way each build went: 'delta' or 'full'."""
    taken: list[str] = []
    real = delta.apply_edits

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            change = real(*args, **kwargs)
        except delta.NeedsFullBuild:
            taken.append("full")
            raise
        taken.append("delta")
        return change

    monkeypatch.setattr(delta, "apply_edits", spy)
    return taken


def edit(live: Builder, i: int, **fields: str) -> tuple[int, list[str]]:
    write(live.root, i, **fields)
    result = live.build(changed=[f"content/e{i}.md"])
    assert tree(live.root / "site") == clean_build(live.root)
    assert result.write is not None
    return result.rendered, result.write.changed


def test_body_edit_renders_the_entry_and_the_feeds_showing_its_body(
    live: Builder, paths: list[str]
) -> None:
    rendered, changed = edit(
        live, 1, date="2024-03-05", people="[Charles Babbage]", topics="[Computing, Policy]",
        body="Body text.\n\nA second paragraph, with *more* words than before.",
    )  # fmt: skip
    assert paths == ["delta"]
    assert "2024/03/05/e1/index.html" in changed
    assert all(p.endswith(("e1/index.html", "feed.xml", "feed.json")) for p in changed), changed
    assert rendered < 10


def test_title_edit_renames_the_page_and_its_cards(live: Builder, paths: list[str]) -> None:
    _, changed = edit(
        live, 3, date="2024-03-21", people="[Grace Hopper]", topics="[Computing]",
        title="A new title",
    )  # fmt: skip
    assert paths == ["delta"]
    assert {"2024/03/21/e3/index.html", "index.html", "people/grace-hopper/index.html"} <= set(
        changed
    )


def test_people_edits_add_and_drop_a_person_nobody_had(live: Builder, paths: list[str]) -> None:
    site = live.root / "site"
    edit(live, 0, date="2024-03-04", people="[Ada, Edsger Dijkstra]", topics="[Computing]")
    assert (site / "people/edsger-dijkstra/index.html").is_file()
    assert (site / "people/edsger-dijkstra/feed.xml").is_file()
    edit(live, 0, date="2024-03-04", people="[Ada]", topics="[Computing]")
    assert not (site / "people/edsger-dijkstra").exists()
    assert paths == ["delta", "delta"]


def test_topics_move_between_existing_topics(live: Builder, paths: list[str]) -> None:
    edit(live, 3, date="2024-03-21", people="[Grace Hopper]", topics="[Policy]")
    edit(live, 2, date="2024-03-20", people="[Charles Babbage]", topics="[Computing]")
    assert paths == ["delta", "delta"]


def test_quotes_follow_the_edit(live: Builder, paths: list[str]) -> None:
    body = '"The engine will weave patterns," Ada Lovelace said.'
    edit(live, 2, date="2024-03-20", people="[Ada, Grace Hopper]", topics="[Policy]", body=body)
    page = (live.root / "site/people/ada-lovelace/index.html").read_text()
    assert "weave patterns" in page
    edit(live, 2, date="2024-03-20", people="[Ada, Grace Hopper]", topics="[Policy]")
    assert paths == ["delta", "delta"]


@pytest.mark.parametrize(
    "fields",
    [
        {"date": "2024-03-30", "people": "[Charles Babbage]"},  # moves in every list
        {"date": "2024-03-05", "people": "[Charles Babbage]", "slug": "elsewhere"},  # URL
        {"date": "2024-03-05", "people": "[Charles Babbage]", "draft": "true"},  # hidden
    ],
)
def test_edits_that_move_things_take_the_full_build(
    live: Builder, paths: list[str], fields: dict[str, str]
) -> None:
    edit(live, 1, **fields)
    assert paths == ["full"]


def test_other_files_and_new_entries_take_the_full_build(live: Builder, paths: list[str]) -> None:
    write(live.root, 9, date="2024-04-01", people="[Ada]")
    live.build(changed=["content/e9.md"])
    (live.root / "content/people.yaml").write_text(REGISTRY.format(role="Writer"))
    live.build(changed=["content/people.yaml"])
    assert tree(live.root / "site") == clean_build(live.root)
    assert paths == []  # refused before anything was applied


def test_an_unchanged_save_does_nothing(live: Builder) -> None:
    (live.root / "content/e0.md").touch()
    result = live.build(changed=["content/e0.md"])
    assert result.rendered == 0 and result.write is not None and not result.write.changed


def test_a_broken_edit_is_reported_by_the_full_build(live: Builder) -> None:
    from generator.errors import BuildFailed

    (live.root / "content/e0.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    with pytest.raises(BuildFailed):
        live.build(changed=["content/e0.md"])
    write(live.root, 0, date="2024-03-04", people="[Ada]", topics="[Computing]")
    live.build(changed=["content/e0.md"])
    assert tree(live.root / "site") == clean_build(live.root)


def test_a_preview_started_on_a_current_site_still_applies_edits(
    live: Builder, paths: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The no-change shortcut would leave the new preview without a site in memory."""
    import generator.engine.state

    monkeypatch.setattr(generator.engine.state, "RACY_NS", -(10**12))  # trust stats of just now
    live.build()  # records the stats the shortcut compares
    live.save()
    fresh = Builder(live.root, live.root / "site", in_place=True, search=False)
    assert fresh.build().rendered == 0  # the cache says every page is current
    write(fresh.root, 0, date="2024-03-04", people="[Ada]", topics="[Computing]", title="New")
    fresh.build(changed=["content/e0.md"])
    assert paths == ["delta"]
    assert tree(fresh.root / "site") == clean_build(fresh.root)


def test_dropping_one_spelling_of_a_merged_topic_takes_the_full_build(
    live: Builder, paths: list[str]
) -> None:
    """`policy` and `Policy` are one topic, named by the best spelling left: an edit
    that drops one spelling may rename it, which only index decides."""
    edit(live, 0, date="2024-03-04", people="[Ada]", topics="[Computing, policy]")
    edit(live, 1, date="2024-03-05", people="[Charles Babbage]", topics="[Computing]")
    edit(live, 2, date="2024-03-20", people="[Ada, Grace Hopper]", topics="[Computing]")
    assert "policy" in (live.root / "site/topics/policy/index.html").read_text()
    assert paths[-3:] == ["full", "full", "full"]


@pytest.mark.parametrize(
    "address",
    [
        {"permalink": "/kept/:title/"},
        {"aliases": "[/old/e1/]"},
        {"layout": "page"},
        {"layout": "page", "nav": "true"},
    ],
)
def test_address_edits_take_the_full_build(
    live: Builder, paths: list[str], address: dict[str, str]
) -> None:
    """Issue 12: the edit path does not place entries; index does, in the full build."""
    fields = {"date": "2024-03-05", "people": "[Charles Babbage]", "topics": "[Computing, Policy]"}
    edit(live, 1, **fields, **address)
    edit(live, 1, **fields)  # and back
    assert "delta" not in paths  # (an extra key's change skips even trying the edit path)


def test_a_title_edit_renames_the_redirect_pages_too(live: Builder, paths: list[str]) -> None:
    fields = {"date": "2024-03-05", "people": "[Charles Babbage]", "topics": "[Computing, Policy]"}
    edit(live, 1, aliases="[/old/e1/]", **fields)
    edit(live, 1, aliases="[/old/e1/]", title="A new title", **fields)  # checked against clean
    assert paths == ["full", "delta"]
    assert ">A new title</a>" in (live.root / "site/old/e1/index.html").read_text()


def test_a_static_page_edit_takes_the_full_build(live: Builder, paths: list[str]) -> None:
    page = live.root / "content/pages/about.md"
    page.parent.mkdir()
    page.write_text("---\ntitle: About\nnav: true\n---\nText.\n")
    live.build(changed=["content/pages/about.md"])
    page.write_text("---\ntitle: About us\nnav: true\n---\nText.\n")
    live.build(changed=["content/pages/about.md"])
    assert tree(live.root / "site") == clean_build(live.root)
    assert paths == ["full"]  # the new file was refused before anything was applied
    assert '<a href="/about/">About us</a>' in (live.root / "site/index.html").read_text()
