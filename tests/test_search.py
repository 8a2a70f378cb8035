"""Search: Pagefind indexes entry pages after the build, and the search page works offline."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from generator.config import Config
from generator.engine import search
from generator.engine.build import build_site
from generator.errors import DigestError
from tests.conftest import WriteTree, entry_text
from tests.helpers import TIMEOUT_MS, build_demo, chromium, serving, tree

INDEX = "pagefind/pagefind-entry.json"


def _site(write_tree: WriteTree, count: int = 3) -> Path:
    files: dict[str, str | bytes] = {}
    for i in range(count):
        files[f"content/e{i}.md"] = entry_text(
            f"Entry {i}", f"2025-05-{i + 1:02d}", people="[Ada Lovelace]", topics="[Engines]"
        ).replace("Body text.", f"Body text with the word marker{i}.")
    return write_tree(files)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(build_demo(tmp_path_factory)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _index_files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*") if p.is_file()}


def test_search_is_on_by_default() -> None:
    assert Config().search is True


def test_the_index_covers_entry_pages_only(write_tree: WriteTree) -> None:
    root = _site(write_tree)
    build_site(root, search=True)
    entry = json.loads((root / "site" / INDEX).read_text())
    assert entry["languages"]["en"]["page_count"] == 3  # not home, lists, people, topics


def test_entry_pages_carry_body_and_filters_and_list_pages_do_not(write_tree: WriteTree) -> None:
    root = _site(write_tree, 1)
    build_site(root, search=False)
    page = (root / "site/2025/05/01/e0/index.html").read_text()
    assert page.count("data-pagefind-body") == 1
    assert 'data-pagefind-filter="person:Ada Lovelace">Ada Lovelace<' in page
    assert 'data-pagefind-filter="topic:Engines">Engines<' in page
    assert 'data-pagefind-filter="edition:Week of 28 April 2025">Week of 28 April 2025<' in page
    for listing in ("index.html", "people/ada-lovelace/index.html", "topics/index.html"):
        assert "data-pagefind-body" not in (root / "site" / listing).read_text()


def test_search_page_is_linked_and_works_without_a_server(write_tree: WriteTree) -> None:
    root = _site(write_tree, 1)
    build_site(root, search=False)
    home = (root / "site/index.html").read_text()
    assert '<a href="/search/">Search</a>' in home
    page = (root / "site/search/index.html").read_text()
    assert "<noscript>" in page
    assert 'src="/pagefind/pagefind-ui.js"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_sub_path_site_loads_the_index_from_its_own_path(write_tree: WriteTree) -> None:
    root = _site(write_tree, 1)
    (root / "digest.toml").write_text('base_url = "https://example.org/news/"\n')
    build_site(root, search=True)
    page = (root / "site/search/index.html").read_text()
    assert 'src="/news/pagefind/pagefind-ui.js"' in page
    assert 'baseUrl: "/news/"' in page


def test_a_stale_index_is_replaced_whole(write_tree: WriteTree) -> None:
    root = _site(write_tree)
    build_site(root, search=True)
    assert len(list((root / "site/pagefind/fragment").iterdir())) == 3  # one per page
    stale = root / "site/pagefind/fragment/en_stale.pf_fragment"
    stale.write_text("left by an older index")
    (root / "content/e2.md").unlink()
    build_site(root, search=True)
    assert not stale.exists()
    assert len(list((root / "site/pagefind/fragment").iterdir())) == 2
    assert json.loads((root / "site" / INDEX).read_text())["languages"]["en"]["page_count"] == 2
    leftovers = {p.name for p in root.glob(".site*digest*")}
    assert leftovers <= {".site.digest-spare"}, "no temporary folder is left behind"


def test_the_index_survives_builds_that_change_no_page(write_tree: WriteTree) -> None:
    root = _site(write_tree)
    build_site(root, search=True)
    stamp = (root / "site/pagefind" / search.STAMP).stat()
    (root / "static").mkdir()
    (root / "static/CNAME").write_text("example.org\n")  # a build, but no page changes
    result = build_site(root, search=True)
    assert result.rendered == 0
    assert (root / "site/CNAME").is_file()
    assert (root / "site/pagefind" / search.STAMP).stat().st_mtime_ns == stamp.st_mtime_ns
    assert (root / "site" / INDEX).is_file()


def test_indexing_renders_no_page_again(write_tree: WriteTree) -> None:
    root = _site(write_tree)
    build_site(root, search=False)
    result = build_site(root, search=True)  # the index is added to an up-to-date site
    assert result.rendered == 0
    assert (root / "site" / INDEX).is_file()
    stamp = (root / "site/pagefind" / search.STAMP).read_text()
    entry = root / "content/e0.md"
    entry.write_text(entry.read_text().replace("marker0", "changed0"))
    result = build_site(root, search=True)
    assert result.write is not None
    assert "2025/05/01/e0/index.html" in result.write.changed
    assert "2025/05/02/e1/index.html" not in result.write.changed
    assert (root / "site/pagefind" / search.STAMP).read_text() != stamp


def test_search_on_an_unchanged_site_still_builds_the_index(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.engine.state

    monkeypatch.setattr(generator.engine.state, "RACY_NS", -(10**15))  # trust file stamps at once
    root = _site(write_tree)
    build_site(root, search=False)
    result = build_site(root, search=True)
    assert result.nothing_changed
    assert (root / "site" / INDEX).is_file()


def test_index_site_skips_pagefind_when_nothing_changed(write_tree: WriteTree) -> None:
    root = _site(write_tree)
    build_site(root, search=True)
    assert search.index_site(root / "site") is False
    (root / "site/pagefind" / search.STAMP).unlink()
    assert search.index_site(root / "site") is True


def test_a_missing_pagefind_is_a_clear_error(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pagefind_bin  # type: ignore[import-not-found]

    def missing() -> Path:
        raise FileNotFoundError("no binary")

    monkeypatch.setattr(pagefind_bin, "get_executable", missing)
    monkeypatch.setenv("PATH", "")
    root = _site(write_tree, 1)
    with pytest.raises(DigestError) as caught:
        build_site(root, search=True)
    assert "needs Pagefind, which is not installed" in str(caught.value)
    assert "pip install 'pagefind[bin]'" in str(caught.value)
    assert "--no-search" in str(caught.value)


def test_a_pagefind_that_cannot_run_is_a_clear_error(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "pagefind"
    broken.write_text("not a program")
    os.chmod(broken, 0o644)
    monkeypatch.setattr(search, "find_pagefind", lambda: broken)
    root = _site(write_tree, 1)
    with pytest.raises(DigestError) as caught:
        build_site(root, search=True)
    assert f"cannot run Pagefind ({broken})" in str(caught.value)
    assert "pagefind[bin]" in str(caught.value)


def test_a_failing_pagefind_keeps_the_old_index(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = _site(write_tree)
    build_site(root, search=True)
    before = _index_files(root / "site")
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'Error: out of cheese' >&2\nexit 3\n")
    os.chmod(failing, 0o755)
    monkeypatch.setattr(search, "find_pagefind", lambda: failing)
    (root / "content/e0.md").write_text(entry_text("Changed", "2025-05-01"))
    with pytest.raises(DigestError) as caught:
        build_site(root, search=True)
    assert "exit code 3" in str(caught.value) and "out of cheese" in str(caught.value)
    assert _index_files(root / "site") == before


@pytest.mark.parametrize("change", ["edit", "add"])
def test_a_failing_pagefind_leaves_the_whole_old_site(
    write_tree: WriteTree,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: str,
) -> None:
    """The pages and their index are swapped in together, after Pagefind succeeded: a
    Pagefind that fails (here as it panicked on markup in `language`) changes nothing."""
    from generator.cli import main

    root = _site(write_tree)
    build_site(root, search=True)
    before = tree(root / "site")
    failing = tmp_path / "pagefind"
    failing.write_text(
        '#!/bin/sh\nmkdir -p "$4/fragment"\n'
        "echo \"thread 'main' panicked at 'invalid language'\" >&2\nexit 101\n"
    )
    os.chmod(failing, 0o755)
    real = search.find_pagefind
    monkeypatch.setattr(search, "find_pagefind", lambda: failing)
    if change == "edit":  # applied to the last build's snapshot, in a new process
        (root / "content/e0.md").write_text(
            (root / "content/e0.md").read_text().replace("marker0", "changed0")
        )
    else:
        (root / "content/e9.md").write_text(entry_text("Entry 9", "2025-05-09"))
    capsys.readouterr()
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exit code 101" in err and "panicked" in err, err
    assert "the site was left as it was" in err
    assert tree(root / "site") == before
    assert {p.name for p in root.glob(".site*")} <= {".site.digest-spare"}
    monkeypatch.setattr(search, "find_pagefind", real)
    build_site(root, search=True)
    pages = 3 if change == "edit" else 4
    assert json.loads((root / "site" / INDEX).read_text())["languages"]["en"]["page_count"] == pages


@pytest.mark.browser
def test_searching_finds_entries_and_filters_by_person_topic_and_edition(
    browser: Browser, demo_url: str
) -> None:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(demo_url + "/search/?q=tariffs")
        results = page.locator(".pagefind-ui__result-link")
        expect(results.first).to_be_visible()
        expect(page.get_by_label("Words to look for")).to_have_value("tariffs")
        hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(h.startswith("/20") for h in hrefs), hrefs
        assert all(h.endswith("/") or "/#" in h for h in hrefs), hrefs
        found = page.evaluate(
            """async () => {
                const pagefind = await import("/pagefind/pagefind.js");
                await pagefind.init();
                const filters = await pagefind.filters();
                const some = await pagefind.search("tariffs");
                const count = async (filters) =>
                    (await pagefind.search("tariffs", {filters})).results.length;
                return {
                    filters,
                    all: some.results.length,
                    xi: await count({person: "Xi Jinping"}),
                    talks: await count({topic: "Trade talks"}),
                    june: await count({edition: "Week of 2 June 2025"}),
                };
            }"""
        )
        assert set(found["filters"]) == {"person", "topic", "edition"}
        assert "Xi Jinping" in found["filters"]["person"]
        assert "Tariffs" in found["filters"]["topic"]
        assert "Week of 2 June 2025" in found["filters"]["edition"]
        assert 0 < found["xi"] < found["all"]
        assert 0 < found["talks"] < found["all"]
        assert 0 < found["june"] < found["all"]
    finally:
        context.close()


def test_without_javascript_the_search_page_says_what_to_do(write_tree: WriteTree) -> None:
    root = _site(write_tree, 1)
    build_site(root, search=False)
    page = (root / "site/search/index.html").read_text()
    noscript = page[page.index("<noscript>") : page.index("</noscript>")]
    assert "needs JavaScript" in noscript
    assert 'href="/editions/"' in noscript and 'href="/people/"' in noscript


@pytest.mark.browser
def test_a_site_built_without_the_index_says_search_is_unavailable(
    browser: Browser, write_tree: WriteTree
) -> None:
    root = _site(write_tree, 1)
    build_site(root, search=False)
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        with serving(root / "site") as url:
            page = context.new_page()
            page.goto(url + "/search/")
            expect(page.get_by_text("The search index is not available")).to_be_visible()
    finally:
        context.close()


# --- names that are markup reach the search UI as text -----------------------------------

XSS_PERSON = '<img src=x onerror="window.__xss=1">'
XSS_TOPIC = "<svg onload=window.__xss=2>"
XSS_TITLE = "<img src=x onerror=window.__xss=3> & Co"
QUOTED = 'Ann & "Co"'


def _hostile_site(write_tree: WriteTree) -> Path:
    """A site whose names and title are markup, as a contributor could write them."""
    front = [
        "---",
        f"title: {json.dumps(XSS_TITLE)}",
        "date: 2025-05-01",
        f"people: [{json.dumps(XSS_PERSON)}, {json.dumps(QUOTED)}]",
        f"topics: [{json.dumps(XSS_TOPIC)}]",
        "---",
        "The word marker, and &lt;img src=x onerror=window.__xss=4&gt; as text.",
    ]
    return write_tree(
        {"digest.toml": "safe_mode = true\n", "content/a.md": "\n".join(front) + "\n"}
    )


def _fragments(out: Path) -> list[dict]:
    import gzip

    prefix = b"pagefind_dcd"
    found = []
    for path in (out / "pagefind/fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        found.append(json.loads(data[len(prefix) :] if data.startswith(prefix) else data))
    return found


def test_filter_values_reach_the_index_escaped(write_tree: WriteTree) -> None:
    """Issue 13: Pagefind's UI shows filter values as HTML; the index must hold text."""
    import html

    root = _hostile_site(write_tree)
    build_site(root, search=True)
    (fragment,) = _fragments(root / "site")
    filters = fragment["filters"]
    assert sorted(filters["person"]) == sorted(
        html.escape(n, quote=True) for n in (XSS_PERSON, QUOTED)
    )
    assert filters["topic"] == [html.escape(XSS_TOPIC, quote=True)]
    for values in filters.values():
        assert all("<" not in v and '"' not in v for v in values), values


@pytest.mark.browser
def test_markup_in_names_shows_as_text_and_runs_nothing_on_the_search_page(
    browser: Browser, write_tree: WriteTree
) -> None:
    """Issue 13: a person named `<img src=x onerror=…>` ran script for every searcher,
    safe_mode or not. The labels show the names as written, and no handler runs."""
    root = _hostile_site(write_tree)
    build_site(root, search=True)
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        with serving(root / "site") as url:
            page.goto(url + "/search/?q=marker")
            result = page.locator(".pagefind-ui__result-link").first
            expect(result).to_have_text(XSS_TITLE)
            for group in page.locator(".pagefind-ui__filter-name").all():
                group.click()  # open every filter group: its labels are in the page
            labels = page.locator(".pagefind-ui__filter-label")
            expect(labels.filter(has_text=XSS_PERSON)).to_have_count(1)
            expect(labels.filter(has_text=QUOTED)).to_have_count(1)
            expect(labels.filter(has_text=XSS_TOPIC)).to_have_count(1)
            # A control handler of the same kind, added now, runs: once it has, one
            # of the names' would have too.
            page.evaluate(
                """() => document.body.insertAdjacentHTML(
                    "beforeend", '<img src=x onerror="window.__control=1">')"""
            )
            page.wait_for_function("window.__control === 1")
            assert page.evaluate("window.__xss") is None
    finally:
        context.close()
