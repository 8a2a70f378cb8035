"""End to end: the demo digest, the seed article, overrides, escaping and base paths."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from generator.engine.build import build_site
from generator.errors import BuildFailed
from tests.conftest import REPO, WriteTree, entry_text

SEED = REPO.parent / "shared" / "seeds" / "000_9f66ae1a13ba7f62.txt"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    result = build_site(root)
    return root / "site", result


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_demo_builds_without_warnings(demo: tuple[Path, object]) -> None:
    _, result = demo
    assert result.warnings == []  # type: ignore[attr-defined]
    assert 8 <= len(result.site.entries) <= 15  # type: ignore[attr-defined]


def test_demo_registries_cover_every_name(demo: tuple[Path, object]) -> None:
    _, result = demo
    site = result.site  # type: ignore[attr-defined]
    assert all(p.registered for p in site.people), [p.name for p in site.people]
    assert all(t.registered for t in site.topics), [t.name for t in site.topics]
    expected = {
        "Donald Trump",
        "Xi Jinping",
        "Joe Biden",
        "Volodymyr Zelensky",
        "Cyril Ramaphosa",
        "Karoline Leavitt",
        "Scott Bessent",
    }
    assert expected <= {p.name for p in site.people}


def test_xi_page_lists_and_links_every_entry_about_him(demo: tuple[Path, object]) -> None:
    out, result = demo
    about_xi = [
        e
        for e in result.site.entries  # type: ignore[attr-defined]
        if any(p.slug == "xi-jinping" for p in e.people)
    ]
    assert len(about_xi) >= 5
    page = (out / "people/xi-jinping/index.html").read_text()
    hrefs = _hrefs(page)
    for entry in about_xi:
        assert entry.url in hrefs, entry.path
        entry_page = (out / entry.output).read_text()
        assert "/people/xi-jinping/" in _hrefs(entry_page), "entry links back to Xi"
    # Newest first.
    positions = [page.index(f'href="{e.url}"') for e in about_xi]
    assert positions == sorted(positions)


def test_every_internal_link_of_the_demo_resolves(demo: tuple[Path, object]) -> None:
    out, _ = demo
    for html_file in out.rglob("*.html"):
        for href in _hrefs(html_file.read_text()):
            if href.startswith(("http://", "https://", "#", "mailto:")):
                continue
            target = out / href.lstrip("/").split("#")[0]
            if href.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{html_file.relative_to(out)} links to missing {href}"


def test_seed_article_builds_into_an_entry_page(write_tree: WriteTree) -> None:
    if not SEED.is_file():
        pytest.skip(f"the seed article is not at {SEED}")
    root = write_tree({"content/article.txt": SEED.read_bytes()})
    result = build_site(root)
    (entry,) = result.site.entries
    assert entry.date.date().isoformat() == "2025-06-04"
    assert entry.authors == ("Kevin Liptak", "Kristen Holmes")
    assert entry.source == "CNN"
    page = (root / "site" / entry.output).read_text()
    assert "Kevin Liptak" in page and "Kristen Holmes" in page and "CNN" in page
    assert '<time datetime="2025-06-04' in page
    assert entry.output == "2025/06/04/article/index.html"


def test_build_never_modifies_content(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text("One", people="[Ada]"),
            "content/people.yaml": "- name: Ada\n",
            "static/robots.txt": "User-agent: *\n",
        }
    )

    def snapshot() -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).parts[0] in ("content", "static")
        }

    before = snapshot()
    build_site(root)
    build_site(root)
    assert snapshot() == before


def test_front_matter_is_escaped_everywhere(write_tree: WriteTree) -> None:
    hostile = "</title><script>alert(1)</script>"
    root = write_tree(
        {
            "digest.toml": 'site_url = "https://example.org/"\n',
            "content/a.md": entry_text(f'"{hostile}"', people='["<b>Bold</b> Person"]'),
        }
    )
    build_site(root)
    for page in (root / "site").rglob("*.html"):
        html = page.read_text()
        assert "<script>alert(1)" not in html, page
        assert "<b>Bold</b>" not in html, page
    entry_page = (root / "site/2025/06/04/a/index.html").read_text()
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in entry_page
    for name in ("feed.xml", "feed.json", "sitemap.xml", "editions/feed.xml"):
        text = (root / "site" / name).read_text()
        assert "<script>" not in text and "<b>Bold</b>" not in text, name
    feed = json.loads((root / "site/feed.json").read_text())
    assert feed["items"][0]["title"] == hostile  # escaped for JSON, intact as text
    for index_file in (root / "site/pagefind").rglob("*"):  # the search index
        if index_file.is_file():
            assert b"<script>alert(1)" not in index_file.read_bytes(), index_file


def test_sub_path_base_url_prefixes_every_link(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "digest.toml": 'base_url = "https://example.org/news/"\n',
            "content/a.md": entry_text("Hello", people="[Ada]", topics="[Things]"),
        }
    )
    build_site(root)
    for page in (root / "site").rglob("*.html"):
        for href in _hrefs(page.read_text()):
            if href.startswith("/"):
                assert href.startswith("/news/"), f"{page}: {href}"


def test_site_templates_override_the_theme_file_by_file(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text("Hello"),
            "templates/entry.html": "<p>custom {{ entry.title }}</p>\n",
        }
    )
    build_site(root)
    assert (root / "site/2025/06/04/a/index.html").read_text() == "<p>custom Hello</p>\n"
    assert "<!doctype html>" in (root / "site/index.html").read_text()  # still the theme's


def test_static_files_are_copied_as_is(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": entry_text("Hello"), "static/img/logo.svg": b"<svg/>\x00"})
    build_site(root)
    assert (root / "site/img/logo.svg").read_bytes() == b"<svg/>\x00"


def test_static_file_may_not_replace_a_page(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": entry_text("Hello"), "static/index.html": "mine"})
    with pytest.raises(BuildFailed, match=r"would replace the generated /index\.html"):
        build_site(root)


def test_every_problem_is_reported_in_one_run(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": "---\ntitle: A\n---\n",
            "content/b.md": "---\ndate: 2025-01-01\n---\n",
            "content/c.md": entry_text("Fine"),
            "content/people.yaml": "- name: X\n- nam: Y\n",
        }
    )
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    where = [(e.path, e.line) for e in failed.value.errors]
    assert where == [
        ("content/a.md", 1),
        ("content/b.md", 1),
        ("content/people.yaml", 2),
    ]
    assert not (root / "site").exists()


def test_rebuild_after_editing_one_entry_rewrites_only_what_changed(
    write_tree: WriteTree,
) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text("One", date="2025-06-02", summary="S1"),
            "content/b.md": entry_text("Two", date="2025-05-01", summary="S2"),
        }
    )
    build_site(root)
    edited = entry_text("Two", date="2025-05-01", summary="S2").replace("Body", "New")
    (root / "content/b.md").write_text(edited)
    result = build_site(root)
    assert result.write is not None
    # The entry's page, and the feeds that carry its full text.
    assert result.write.changed == ["2025/05/01/b/index.html", "feed.json", "feed.xml"]


def test_safe_mode_setting_strips_raw_html_from_bodies(write_tree: WriteTree) -> None:
    body = "<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    root = write_tree({"content/a.md": entry_text("Hello").replace("Body text.", body)})
    build_site(root)
    assert "<script>alert(1)" in (root / "site/2025/06/04/a/index.html").read_text()
    (root / "digest.toml").write_text("safe_mode = true\n")
    build_site(root)  # the cache must not serve the unsafe body
    page = (root / "site/2025/06/04/a/index.html").read_text()
    assert "<script>alert(1)" not in page and "javascript:" not in page
