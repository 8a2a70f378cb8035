"""The page plan: which pages exist, at which URLs, and how long lists are cut."""

from __future__ import annotations

from pathlib import Path

from generator.config import Config
from generator.engine.build import build_site
from generator.model import Site
from generator.render.plan import page_url, plan_pages
from tests.conftest import WriteTree, entry_text


def test_page_urls_are_stable() -> None:
    assert page_url("/people/xi-jinping/", 1) == "/people/xi-jinping/"
    assert page_url("/people/xi-jinping/", 2) == "/people/xi-jinping/page/2/"


def test_empty_lists_still_get_their_first_page() -> None:
    outputs = [p.output for p in plan_pages(Site([], [], [], []), Config())]
    assert outputs.count("index.html") == 1
    assert "editions/index.html" in outputs


def _site(write_tree: WriteTree, count: int, page_size: int) -> Path:
    files: dict[str, str | bytes] = {"digest.toml": f"page_size = {page_size}\n"}
    for i in range(count):
        files[f"content/e{i:02d}.md"] = entry_text(
            f"Entry {i}", f"2025-05-{i + 1:02d}", people="[Ada Lovelace]", summary=f"S{i}"
        )
    return write_tree(files)


def test_long_person_list_is_cut_into_pages(write_tree: WriteTree) -> None:
    root = _site(write_tree, count=7, page_size=3)
    build_site(root)
    person = root / "site/people/ada-lovelace"
    pages = [person / "index.html", person / "page/2/index.html", person / "page/3/index.html"]
    assert all(p.is_file() for p in pages)
    assert not (person / "page/4").exists()
    first, second, third = (p.read_text() for p in pages)
    assert "Entry 6" in first and "Entry 4" in first and "Entry 3" not in first
    assert "Entry 3" in second and "Entry 1" in second
    assert "Entry 0" in third and "Entry 1" not in third
    assert '<link rel="next" href="/people/ada-lovelace/page/2/">' in first
    assert '<link rel="prev" href="/people/ada-lovelace/">' in second
    assert '<link rel="next" href="/people/ada-lovelace/page/3/">' in second
    assert "Page 2 of 3" in second


def test_home_and_archive_paginate_too(write_tree: WriteTree) -> None:
    root = _site(write_tree, count=5, page_size=2)
    build_site(root)
    assert (root / "site/page/3/index.html").is_file()
    assert "Entry 0" in (root / "site/page/3/index.html").read_text()
    assert not (root / "site/page/1").exists()  # page 1 is the list's own URL


def test_pages_disappear_when_the_list_shrinks(write_tree: WriteTree) -> None:
    root = _site(write_tree, count=7, page_size=3)
    build_site(root)
    for i in range(3, 7):  # three left: one page
        (root / f"content/e{i:02d}.md").unlink()
    build_site(root)
    assert not (root / "site/people/ada-lovelace/page/2").exists()
