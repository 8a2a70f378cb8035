"""`digest serve` in a real headless Chromium: edits appear without the test reloading."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import WriteTree

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
START_SECONDS = 60.0
ENTRY_FILE = "content/2025/2025-06-04-long.md"
ENTRY_URL = "/2025/06/04/long/"
OVERLAY = "#__digest_overlay[role=alert]"
DRAFT_FILE = "content/2025/2025-06-02-draft.md"
DRAFT_URL = "/2025/06/02/draft/"


def entry(opening: str, date: str = "2025-06-04") -> str:
    """A long entry (so the page scrolls) whose first paragraph is `opening`."""
    filler = "\n\n".join(
        f"Paragraph {i}: the talks went on, and the tariffs stayed where they were." * 3
        for i in range(60)
    )
    return f"---\ntitle: A long entry\ndate: {date}\n---\n{opening}\n\n{filler}\n"


@dataclass
class Served:
    root: Path
    url: str  # the site's root URL, as the server printed it
    output: list[str]  # everything the server printed so far

    @property
    def entry_path(self) -> Path:
        return self.root / ENTRY_FILE


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, "
            "or run tools/ensure-system.sh as root); the CI installs it",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def served(write_tree: WriteTree) -> Iterator[Served]:
    root = write_tree(
        {
            ENTRY_FILE: entry("Opening paragraph, version 1."),
            "content/2025/2025-06-03-short.md": entry("Another one.", "2025-06-03"),
            DRAFT_FILE: "---\ntitle: A draft entry\ndate: 2025-06-02\ndraft: true\n---\nNot yet.\n",
            "templates/static/style.css": "body { background-color: rgb(255, 255, 255); }\n",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(root), "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output: list[str] = []
    url = wait_for_url(process, output)
    try:
        yield Served(root, url, output)
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        print("digest serve printed:\n" + "".join(output))  # shown when a test fails
    assert code == 0, "digest serve did not stop cleanly on SIGTERM:\n" + "".join(output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(process: subprocess.Popen[str], output: list[str]) -> str:
    """Read the server's output in a thread; return the URL from its "Serving" line."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=START_SECONDS)
        except queue.Empty:
            process.kill()
            pytest.fail("digest serve printed no URL:\n" + "".join(output))
        if line is None:
            pytest.fail("digest serve exited:\n" + "".join(output))
        found = re.search(r"Serving .* at (http://\S+) ", line)
        if found:
            return found.group(1)


def atomic_write(path: Path, text: str) -> None:
    """Save the way many editors do: a temporary file in the same folder, renamed over."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def open_entry(page: Page, served: Served) -> None:
    page.goto(served.url.rstrip("/") + ENTRY_URL)
    expect(page.locator("h1")).to_have_text("A long entry")
    # The reload script ran (it is deferred, so it may come after the heading).
    page.wait_for_function("() => window.__digestLiveReload === true")


def test_edits_appear_without_reloading_by_hand(page: Page, served: Served) -> None:
    open_entry(page, served)
    prose = page.locator(".prose")
    expect(prose).to_contain_text("version 1")

    served.entry_path.write_text(entry("Opening paragraph, version 2."), encoding="utf-8")
    expect(prose).to_contain_text("version 2", timeout=TIMEOUT_MS)

    atomic_write(served.entry_path, entry("Opening paragraph, version 3."))
    expect(prose).to_contain_text("version 3", timeout=TIMEOUT_MS)


def edit_and_record_requests(page: Page, served: Served, marker: str) -> list[str]:
    """Write a new opening paragraph; wait until the tab shows it, not having reloaded;
    return the URLs the tab asked for meanwhile."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.evaluate("() => { window.__beforeReload = true; }")
    served.entry_path.write_text(entry(f"Opening paragraph, {marker}."), encoding="utf-8")
    expect(page.locator(".prose")).to_contain_text(marker, timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__beforeReload") is True
    return asked


def test_the_changed_page_comes_with_the_event(page: Page, served: Served) -> None:
    """The tab's own page travels with the change event: no request for it, no reload."""
    open_entry(page, served)
    asked = edit_and_record_requests(page, served, "pushed")
    assert not [url for url in asked if ENTRY_URL in url]


def test_a_tab_not_sent_its_page_fetches_it(page: Page, served: Served) -> None:
    """Without the page in the event (a tab that named no page), the tab asks for it."""
    page.route(
        "**/__digest__/events*",
        lambda route: route.continue_(url=route.request.url.replace("&page=", "&unnamed=")),
    )
    open_entry(page, served)
    asked = edit_and_record_requests(page, served, "fetched")
    assert [url for url in asked if url.endswith(ENTRY_URL)]


def test_scroll_position_survives_the_update(page: Page, served: Served) -> None:
    open_entry(page, served)
    page.evaluate("() => window.scrollTo(0, 1500)")
    before = page.evaluate("() => window.scrollY")
    assert before > 1000, "the entry is too short to scroll"
    page.evaluate("() => { window.__beforeReload = true; }")

    served.entry_path.write_text(entry("Opening paragraph, scrolled."), encoding="utf-8")
    expect(page.locator(".prose")).to_contain_text("scrolled", timeout=TIMEOUT_MS)
    # Swapped in place, not reloaded: the page's window (and its scroll) stayed.
    assert page.evaluate("() => window.__beforeReload") is True
    page.wait_for_function(f"() => Math.abs(window.scrollY - {before}) < 40")
    expect(page).to_have_title("A long entry · News digest")


def test_broken_front_matter_shows_an_overlay_until_fixed(page: Page, served: Served) -> None:
    open_entry(page, served)
    broken = entry("Opening paragraph, broken.").replace(
        "date: 2025-06-04", "date: <img src=x onerror=window.__xss=1>"
    )
    served.entry_path.write_text(broken, encoding="utf-8")

    overlay = page.locator(OVERLAY)
    expect(overlay).to_be_visible(timeout=TIMEOUT_MS)
    expect(overlay).to_contain_text(f"{ENTRY_FILE}:3: `date`: cannot read")
    expect(overlay).to_contain_text("<img src=x onerror=window.__xss=1>")  # shown as text
    expect(overlay.locator("img")).to_have_count(0)
    expect(page.locator(".prose")).to_contain_text("version 1")  # the last good page

    other = page.context.new_page()  # a tab opened while the site is broken
    other.goto(served.url)
    expect(other.locator(OVERLAY)).to_contain_text(f"{ENTRY_FILE}:3:")
    assert page.evaluate("() => window.__xss") is None
    assert any(f"{ENTRY_FILE}:3: `date`" in line for line in served.output)

    served.entry_path.write_text(entry("Opening paragraph, fixed."), encoding="utf-8")
    expect(page.locator(".prose")).to_contain_text("fixed", timeout=TIMEOUT_MS)
    expect(page.locator(OVERLAY)).to_have_count(0)
    expect(other.locator(OVERLAY)).to_have_count(0)


def test_stylesheet_edit_applies_without_a_reload(page: Page, served: Served) -> None:
    open_entry(page, served)
    body = page.locator("body")
    expect(body).to_have_css("background-color", "rgb(255, 255, 255)")
    page.evaluate("() => { window.__marker = 'still here'; }")

    css = served.root / "templates/static/style.css"
    css.write_text("body { background-color: rgb(1, 2, 3); }\n", encoding="utf-8")
    expect(body).to_have_css("background-color", "rgb(1, 2, 3)", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__marker") == "still here"
    expect(page.locator('link[rel="stylesheet"]:not([href^="/__digest__/"])')).to_have_count(1)


def test_a_page_with_scripts_of_its_own_is_reloaded(page: Page, served: Served) -> None:
    """Swapping would leave the search page's scripts unrun: it reloads instead."""
    page.goto(served.url.rstrip("/") + "/search/")
    page.wait_for_function("() => window.__digestLiveReload === true")
    page.evaluate("() => { window.__beforeReload = true; }")

    from generator.render.templates import theme_dir

    theme = (theme_dir() / "search.html").read_text(encoding="utf-8")
    block = "{% block content %}"
    override = served.root / "templates/search.html"
    override.parent.mkdir(exist_ok=True)
    override.write_text(theme.replace(block, f"{block}<p>Search help</p>", 1), encoding="utf-8")
    expect(page.locator("main")).to_contain_text("Search help", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__beforeReload") is None  # a real reload


def test_drafts_are_marked_in_the_preview(page: Page, served: Served) -> None:
    page.goto(served.url.rstrip("/") + DRAFT_URL)
    banner = page.locator("[data-digest-mark]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Draft — digest build leaves it out")
    expect(page.locator("h1")).to_have_text("A draft entry")

    page.goto(served.url)  # the home page lists it: its links carry a tag
    expect(page.locator(f'main a[href="{DRAFT_URL}"]').first).to_be_visible()
    tag = """([draft, other]) => [draft, other].map((url) => getComputedStyle(
        document.querySelector(`main a[href="${url}"]`), "::after").content)"""
    page.wait_for_function(f"() => ({tag})({[DRAFT_URL, ENTRY_URL]!r})[0] === '\"Draft\"'")
    assert page.evaluate(tag, [DRAFT_URL, ENTRY_URL])[1] in ("none", "normal")
    expect(page.locator("[data-digest-mark]")).to_have_count(0)


def test_a_new_broken_entry_is_listed_while_edits_go_on(page: Page, served: Served) -> None:
    open_entry(page, served)
    broken = served.root / "content/2025/2025-06-05-broken.md"
    broken.write_text("---\ntitle: Broken\ndate: nope\n---\nBody\n", encoding="utf-8")
    overlay = page.locator(OVERLAY)
    expect(overlay).to_contain_text("left out of the preview", timeout=TIMEOUT_MS)
    expect(overlay).to_contain_text("2025-06-05-broken.md:3: `date`")

    served.entry_path.write_text(entry("Opening paragraph, edited meanwhile."), encoding="utf-8")
    expect(page.locator(".prose")).to_contain_text("edited meanwhile", timeout=TIMEOUT_MS)
    expect(overlay).to_contain_text("2025-06-05-broken.md:3:")  # still left out

    broken.write_text(entry("Now it builds.", "2025-06-05"), encoding="utf-8")
    expect(page.locator(OVERLAY)).to_have_count(0, timeout=TIMEOUT_MS)
