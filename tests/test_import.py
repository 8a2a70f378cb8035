"""`digest import`: raw article text becomes a draft Markdown entry with its front matter."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.newsroom.bodies import html_text, paragraphs
from generator.newsroom.importer import escape_markdown, import_articles
from generator.source.markup import render_markdown, render_plain_text, smarten
from generator.source.parse import parse_entry
from tests.conftest import REPO, WriteTree
from tests.helpers import SEED, SEED_PEOPLE

UTC = ZoneInfo("UTC")
ARTICLE = """\
date 2025-06-04 By Jane Doe and John Roe, Wire

(Wire) — Trump met Xi in Geneva on Wednesday, and Jane Smith took notes.

“We will talk again,” Trump said. Jane Smith said the *talks* would resume.

1. A line that looks like a list, # and a [bracket](x) and <b>tags</b> & &amp; too.
"""


def front_and_body(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


@pytest.fixture
def site(write_tree: WriteTree) -> Path:
    root = write_tree({"content/x.md": ""})
    (root / "content/x.md").unlink()
    shutil.copy(REPO / "content/people.yaml", root / "content/people.yaml")
    shutil.copy(REPO / "content/topics.yaml", root / "content/topics.yaml")
    (root / "in").mkdir()
    (root / "in/article.txt").write_text(ARTICLE, encoding="utf-8")
    return root


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_the_seed_imports_with_exactly_its_seven_people(tmp_path: Path) -> None:
    report = import_articles([SEED], REPO, tmp_path)
    [item] = report.imported
    assert item.target == tmp_path / "2025-06-04-for-months-president-donald-trump-has.md"
    front, _ = front_and_body(item.target)
    assert set(front["people"]) == SEED_PEOPLE and len(front["people"]) == 7
    assert {"Tariffs", "Critical minerals", "Trade talks", "Student visas"} <= set(front["topics"])
    assert front["authors"] == ["Kevin Liptak", "Kristen Holmes"]
    assert front["source"] == "CNN"
    assert str(front["date"]) == "2025-06-04" and front["draft"] is True
    assert front["summary"].startswith("For months, President Donald Trump has suggested")
    assert report.proposals == []  # the demo registry knows everyone the seed names


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_the_seed_reads_the_same_as_markdown_as_it_did_as_text(tmp_path: Path) -> None:
    [item] = import_articles([SEED], REPO, tmp_path).imported
    raw = parse_entry("seed.txt", SEED.read_bytes(), UTC)
    entry = parse_entry(item.target.name, item.target.read_bytes(), UTC)
    assert html_text(entry.body) == html_text(raw.body)
    assert (entry.title, entry.date, entry.authors, entry.source) == (
        raw.title,
        raw.date,
        raw.authors,
        raw.source,
    )
    assert entry.draft


def test_an_article_becomes_a_draft_with_front_matter(site: Path) -> None:
    report = import_articles([site / "in"], site)
    [item] = report.imported
    assert item.target == site / "content/imported/2025-06-04-trump-met-xi-in-geneva-on.md"
    front, body = front_and_body(item.target)
    assert front == {
        "title": "Trump met Xi in Geneva on Wednesday, and Jane Smith took notes.",
        "date": __import__("datetime").date(2025, 6, 4),
        "authors": ["Jane Doe", "John Roe"],
        "source": "Wire",
        "people": ["Donald Trump", "Xi Jinping"],
        "topics": ["Trade talks"],
        "summary": "Trump met Xi in Geneva on Wednesday, and Jane Smith took notes.",
        "draft": True,
    }
    assert "1\\. A line that looks like a list, # and a \\[bracket\\](x) and &lt;b&gt;" in body
    assert "the \\*talks\\* would resume" in body


def test_markup_characters_stay_text(site: Path) -> None:
    [item] = import_articles([site / "in/article.txt"], site).imported
    entry = parse_entry("content/x.md", item.target.read_bytes(), UTC)
    raw = parse_entry("in/article.txt", (site / "in/article.txt").read_bytes(), UTC)
    assert paragraphs(entry.body) == paragraphs(raw.body)
    assert "<b>" not in str(entry.body) and "<ol>" not in str(entry.body)


def test_names_the_registry_lacks_are_proposed(site: Path) -> None:
    report = import_articles([site / "in"], site)
    assert [(p.name, p.count) for p in report.proposals] == [("Jane Smith", 2)]


def test_an_existing_file_is_never_replaced(site: Path) -> None:
    first = import_articles([site / "in"], site).imported[0].target
    first.write_text("edited by hand", encoding="utf-8")
    second = import_articles([site / "in"], site).imported[0].target
    assert second.name == "2025-06-04-trump-met-xi-in-geneva-on-2.md"
    assert first.read_text(encoding="utf-8") == "edited by hand"


def test_two_articles_with_one_headline_get_two_files(site: Path) -> None:
    shutil.copy(site / "in/article.txt", site / "in/again.txt")
    names = sorted(i.target.name for i in import_articles([site / "in"], site).imported)
    assert names == [
        "2025-06-04-trump-met-xi-in-geneva-on-2.md",
        "2025-06-04-trump-met-xi-in-geneva-on.md",
    ]


def test_the_command_reports_what_it_found_and_proposes_registry_entries(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site)
    assert main(["import", "in", "--to", "drafts"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "in/article.txt -> drafts/2025-06-04-trump-met-xi-in-geneva-on.md: 2 people "
        "(Donald Trump, Xi Jinping), 1 topic (Trade talks)\n"
        "\n"
        "# Named in the text but not in content/people.yaml:\n"
        "# review these, then paste them into it\n"
        "\n"
        "# 2 mentions in 1 entry\n"
        "- name: Jane Smith\n"
        "  aliases: [Smith]\n"
        "imported 1 article as drafts (draft: true)\n"
    )
    assert (site / "drafts/2025-06-04-trump-met-xi-in-geneva-on.md").is_file()


def test_unreadable_input_is_reported_with_its_line_and_nothing_is_written(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "in/bad.txt").write_text("Just some words\n\nNo date line.\n", encoding="utf-8")
    (site / "notes.md").write_text("# not raw text\n", encoding="utf-8")
    monkeypatch.chdir(site)
    assert main(["import", "in", "notes.md", "missing.txt"]) == 1
    assert capsys.readouterr().err == (
        "in/bad.txt:1: the first line of a raw article must give its date, byline and outlet"
        " — write it as `date 2025-06-04 By Jane Doe and John Roe, Outlet`\n"
        "missing.txt: no such file or folder\n"
        "notes.md: only raw article text (.txt) can be imported — save it as .txt with a"
        " first line like `date 2025-06-04 By Jane Doe and John Roe, Outlet`\n"
        "digest: 3 problems found; nothing was written\n"
    )
    assert not (site / "content/imported").exists()


def test_without_to_the_root_must_be_a_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["import", str(tmp_path / "a.txt"), "--root", str(tmp_path)]) == 2
    assert "has no content/ folder" in capsys.readouterr().err


# --- escaping ----------------------------------------------------------------------------

PIECES = [*"ab 1.#-+*_`[]()!<>&;{}:|\\~=\"'x", "&amp;", "&#35;", "---", "1. ", "* * *", "<!--"]
TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join).filter(str.strip)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_escaped_paragraphs_render_as_the_same_text(text: str) -> None:
    plain = smarten(" ".join(text.split()))
    expected = paragraphs(render_plain_text([plain]))
    assert paragraphs(render_markdown(escape_markdown(expected[0]))) == expected
