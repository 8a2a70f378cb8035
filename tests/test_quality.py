"""The built site meets the quality bar: valid HTML, no broken links, no serious a11y issues.

- The Nu HTML Checker passes every page of the 1,000-entry bench corpus (the demo and the
  sample site are checked in test_html_valid.py).
- Every internal link, `#fragment` and `page/n/` link of the demo, the sample site (which
  lives under a sub-path) and the corpus resolves to a file and an element id.
- axe-core, in headless Chromium, finds no serious or critical violation on the home,
  entry, person, topic, edition and search pages, in the light and the dark theme.

A missing tool (Java, vnu.jar, Chromium, axe-core) fails the test, never skips it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, expect

from generator.config import load_config
from generator.engine.build import build_site
from tests.conftest import REPO, SAMPLE_SITE
from tests.helpers import (
    CHROMIUM,
    CORPUS_ENTRIES,
    TIMEOUT_MS,
    build_corpus,
    build_demo,
    chromium,
    serving,
    vnu,
)

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# -- shared by the tests of feeds, search and SEO ------------------------------------


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def demo_url(demo_site: Path) -> Iterator[str]:
    with serving(demo_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def html_pages(out: Path) -> list[Path]:
    """Every page we wrote (Pagefind's own files are not ours to check)."""
    return sorted(p for p in out.rglob("*.html") if "pagefind" not in p.relative_to(out).parts)


# -- the Nu HTML Checker -------------------------------------------------------------


def test_every_corpus_page_passes_the_nu_checker(corpus_site: Path) -> None:
    pages = [str(p) for p in html_pages(corpus_site)]
    assert len(pages) > CORPUS_ENTRIES
    css = str(corpus_site / "theme/style.css")
    result = subprocess.run(
        [*vnu(), "--errors-only", "--also-check-css", *pages, css],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, (result.stderr or result.stdout)[:5000]


# -- links -----------------------------------------------------------------------------

LINK_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action"}


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        wanted = LINK_ATTRIBUTES.get(tag)
        if wanted and values.get(wanted):
            self.links.append(values[wanted] or "")
        if tag == "meta" and values.get("property") == "og:url" and values.get("content"):
            self.links.append(values["content"] or "")


def broken_links(out: Path, base_url: str) -> list[str]:
    """Every internal link of the site that misses its file or its `#fragment`."""
    base = urlsplit(base_url)
    origin = f"{base.scheme}://{base.netloc}" if base.netloc else ""
    base_path = base.path if base.path.endswith("/") else base.path + "/"
    scans: dict[Path, _PageScan] = {}

    def scan(path: Path) -> _PageScan:
        if path not in scans:
            scans[path] = _PageScan()
            scans[path].feed(path.read_text(encoding="utf-8"))
        return scans[path]

    problems = []
    for page in html_pages(out):
        rel = page.relative_to(out).as_posix()
        page_url = base_path + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        for link in scan(page).links:
            if origin and link.startswith(origin + "/"):
                link = link[len(origin) :]
            parts = urlsplit(urljoin(page_url, link))
            if parts.scheme or parts.netloc:
                continue  # another site
            if not parts.path.startswith(base_path):
                problems.append(f"/{rel}: {link} is outside the site's {base_path}")
                continue
            target = out / unquote(parts.path[len(base_path) :])
            if target.is_dir():
                if not parts.path.endswith("/"):
                    problems.append(f"/{rel}: {link} lacks its trailing slash")
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"/{rel}: {link} leads nowhere")
            elif parts.fragment and unquote(parts.fragment) not in scan(target).ids:
                problems.append(f"/{rel}: {link} has no element with that id")
    return problems


def test_demo_links_resolve(demo_site: Path) -> None:
    assert broken_links(demo_site, load_config(REPO).base_url) == []


def test_sample_links_resolve_under_its_sub_path(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(SAMPLE_SITE, out, search=True, use_cache=False)
    base_url = load_config(SAMPLE_SITE).base_url
    assert urlsplit(base_url).path == "/news/"
    assert broken_links(out, base_url) == []


def test_corpus_links_resolve(corpus_site: Path) -> None:
    assert broken_links(corpus_site, "/") == []


def test_the_link_checker_sees_broken_links_and_fragments(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text(
        '<p id="here"><a href="/a/#here">ok</a> <a href="/a/#gone">bad fragment</a> '
        '<a href="/b/">missing</a> <a href="/a">no slash</a> <a href="https://x.org/">out</a>'
    )
    assert broken_links(tmp_path, "/") == [
        "/a/index.html: /a/#gone has no element with that id",
        "/a/index.html: /b/ leads nowhere",
        "/a/index.html: /a lacks its trailing slash",
    ]


# -- accessibility ---------------------------------------------------------------------


def _kinds_of_page(out: Path) -> dict[str, str]:
    """One URL path for each kind of page the tests look at."""
    entry = sorted(out.glob("20*/*/*/*/index.html"))[-1]
    person = sorted(p for p in out.glob("people/*/index.html"))[0]
    topic = sorted(p for p in out.glob("topics/*/index.html"))[0]
    edition = sorted(p for p in out.glob("editions/*/index.html"))[-1]
    paths = {"home": "/", "search": "/search/?q=tariffs"}
    found = {"entry": entry, "person": person, "topic": topic, "edition": edition}
    for kind, path in found.items():
        paths[kind] = "/" + path.parent.relative_to(out).as_posix() + "/"
    return paths


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    browser: Browser, demo_site: Path, demo_url: str, scheme: str
) -> None:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    found = {}
    try:
        for kind, path in _kinds_of_page(demo_site).items():
            page.goto(demo_url + path)
            if kind == "search":  # the results are what needs checking, so wait for them
                expect(page.locator(".pagefind-ui__result").first).to_be_visible()
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document)")
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(str(n["target"]) for n in v["nodes"][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                found[kind] = serious
    finally:
        context.close()
    assert found == {}


def test_tools_are_where_the_tests_expect_them() -> None:
    """A missing checker is a failure with a message, never a silent skip."""
    assert shutil.which("java"), "Java is missing: run tools/ensure-system.sh (make test does)"
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run tools/ensure-system.sh as root"
