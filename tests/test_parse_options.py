"""The digest.toml settings parsing reads: read and checked, applied by every build, and a
change to one re-parses what the cache holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import CONFIG_NAME, load_config
from generator.engine.build import build_site
from generator.errors import DigestError
from tests.conftest import WriteTree

ENTRY = "content/2025-06-04-a.md"
TEXT = '---\ntitle: "It\'s -- \\"quoted\\""\ndate: 2025-06-04\n---\nRun --workspace -- "now"...\n'


def page(root: Path) -> str:
    return (root / "site" / "2025" / "06" / "04" / "a" / "index.html").read_text()


def test_typography_defaults_to_on(write_tree: WriteTree) -> None:
    assert load_config(write_tree({})).typography is True


def test_typography_must_be_true_or_false(write_tree: WriteTree) -> None:
    root = write_tree({CONFIG_NAME: 'title = "x"\ntypography = "no"\n'})
    with pytest.raises(DigestError) as info:
        load_config(root)
    assert info.value.line == 2
    assert "`typography` must be a true/false" in info.value.message


def test_typography_off_keeps_titles_summaries_and_bodies_as_typed(write_tree: WriteTree) -> None:
    root = write_tree({ENTRY: TEXT})
    on = build_site(root, search=False).site.entries[0]
    assert on.title == "It’s – “quoted”"
    assert "Run --workspace – “now”…" in page(root)
    (root / CONFIG_NAME).write_text("typography = false\n")
    off = build_site(root, search=False).site.entries[0]  # the cached parse is not reused
    assert off.title == 'It\'s -- "quoted"'
    assert off.summary == 'Run --workspace -- "now"...'
    assert 'Run --workspace -- "now"...' in page(root)


def test_topics_from_defaults_to_tags_and_categories(write_tree: WriteTree) -> None:
    assert load_config(write_tree({})).topics_from == ("tags", "categories", "category")


def test_topics_from_is_a_list_of_keys(write_tree: WriteTree) -> None:
    root = write_tree({CONFIG_NAME: 'topics_from = ["tags"]\n'})
    assert load_config(root).topics_from == ("tags",)


@pytest.mark.parametrize("value", ['"tags"', "[1, 2]", "true"])
def test_topics_from_of_wrong_type(write_tree: WriteTree, value: str) -> None:
    root = write_tree({CONFIG_NAME: f"\ntopics_from = {value}\n"})
    with pytest.raises(DigestError) as info:
        load_config(root)
    assert info.value.line == 2
    assert info.value.message.startswith("`topics_from` must be a list of strings")
    assert info.value.hint == 'for example `topics_from = ["tags", "categories", "category"]`'


def test_topics_from_changes_what_a_cached_parse_gave(write_tree: WriteTree) -> None:
    root = write_tree({ENTRY: "---\ntitle: A\ndate: 2025-06-04\ntags: [Tariffs]\n"
                              "categories: [News]\n---\nBody.\n"})  # fmt: skip
    assert build_site(root, search=False).site.entries[0].topic_names == ("Tariffs", "News")
    (root / CONFIG_NAME).write_text('topics_from = ["categories"]\n')
    result = build_site(root, search=False)
    assert result.site.entries[0].topic_names == ("News",)
    assert [t.name for t in result.site.topics] == ["News"]
    assert any(
        "'tags', which digest ignores — add it to `topics_from`" in w for w in result.warnings
    )


def test_markdown_defaults_to_python_markdown(write_tree: WriteTree) -> None:
    assert load_config(write_tree({})).markdown == "default"


def test_markdown_must_be_a_known_dialect(write_tree: WriteTree) -> None:
    root = write_tree({CONFIG_NAME: '\nmarkdown = "kramdown"\n'})
    with pytest.raises(DigestError) as info:
        load_config(root)
    assert info.value.line == 2
    assert info.value.message == (
        "`markdown` must be one of default, kramdown-compatible, not 'kramdown'"
    )


def test_kramdown_compatible_site_nests_lists_and_starts_them_after_a_line(
    write_tree: WriteTree,
) -> None:
    text = "---\ntitle: A\ndate: 2025-06-04\n---\nThe plan:\n- one\n  - one and a half\n- two\n"
    root = write_tree({ENTRY: text})
    build_site(root, search=False)
    assert "<p>The plan:\n- one" in page(root)
    (root / CONFIG_NAME).write_text('markdown = "kramdown-compatible"\n')
    build_site(root, search=False)  # the cached parse is not reused
    assert "<p>The plan:</p>\n<ul>\n<li>one<ul>\n<li>one and a half</li>" in page(root)
