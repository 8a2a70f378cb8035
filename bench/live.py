"""Edit-to-browser latency of `digest serve`, measured in a real headless Chromium.

Usage: python bench/live.py [--entries 4000] [--runs 7] [--corpus DIR]

Starts `digest serve` on a generated corpus, opens an entry page in Debian's Chromium
(driven by Playwright), then for each kind of edit writes the file and times until
the open tab shows the change, without the script reloading it: an entry's body (a new
first paragraph, nothing else), its people list (a new person: several index pages
change), and a template every entry page uses. Each edit changes only what its name
says: the person is taken out again, untimed, before the next edits. Reports the median
of --runs edits each, and where the time went: the server's own build time (from its
log line) and when the change event reached the tab. At the end the tab's page must
equal the page as served, and the file on disk must hold no reload script.
"""

from __future__ import annotations

import argparse
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from make_corpus import write_corpus
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
PREVIEW_FOLDER = ".digest-cache/preview"  # where `digest serve` writes (generator/preview/serve.py)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
# Bench-only instrumentation: when the tab received each change event (epoch ms).
TRACE_EVENTS = """
window.__benchEvents = [];
const Source = window.EventSource;
window.EventSource = function (url) {
  const source = new Source(url);
  source.addEventListener("changed", () =>
    window.__benchEvents.push(performance.timeOrigin + performance.now()));
  return source;
};
window.EventSource.CLOSED = Source.CLOSED;
"""
BUILD_LINE = re.compile(r"^\[[\d:]+\] (?!first build)\S.*: .* in (\d+) ms$")
SHOWN = "m => document.body && document.body.innerText.includes(m)"
GONE = "m => document.body && !document.body.innerText.includes(m)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(process: subprocess.Popen[str], port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("digest serve exited before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("digest serve did not start in time")


class ServerLog:
    """The server's output, read in a thread, so build times can be picked out of it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line.rstrip("\n"))

    def drain(self) -> list[str]:
        taken = []
        while True:
            try:
                taken.append(self.lines.get_nowait())
            except queue.Empty:
                return taken

    def build_ms(self, timeout: float = 5.0) -> float | None:
        """The time the server reported for the entry build that just ran."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            found = BUILD_LINE.search(line)
            if found:
                return float(found[1])
        return None


def _timed(
    page: Page, log: ServerLog, change: Callable[[], object], marker: str
) -> tuple[float, float, float | None]:
    """Write, wait until the tab shows `marker`: ms to shown, ms to event in tab, build ms.

    Shown is timed here, when the wait returns: Playwright checks the tab's text at
    every animation frame. The event's arrival is stamped by the tab; its clock is
    compared with ours just before the write.
    """
    log.drain()
    page.evaluate("() => { window.__benchEvents = []; }")
    before = time.time()
    tab_clock = page.evaluate("() => performance.timeOrigin + performance.now()")
    wall, start = time.time(), time.perf_counter()
    offset = tab_clock - (before + wall) / 2 * 1000  # the tab's clock minus ours, in ms
    change()
    page.wait_for_function(SHOWN, arg=marker, timeout=60_000)
    shown = (time.perf_counter() - start) * 1000
    events = page.evaluate("() => window.__benchEvents")
    event = events[0] - offset - wall * 1000 if events else float("nan")
    return shown, event, log.build_ms()


def _check_tab_matches_server(page: Page, url: str, site_file: Path) -> None:
    """The swapped-in page must be the served page; the file on disk must be build output."""
    same = page.evaluate(
        """async url => {
            const html = await (await fetch(url, {cache: "no-store"})).text();
            const served = new DOMParser().parseFromString(html, "text/html");
            return served.body.innerHTML === document.body.innerHTML
                && served.title === document.title;
        }""",
        url,
    )
    assert same, "the tab's page differs from the page the server serves"
    assert b"__digest__" not in site_file.read_bytes(), "the reload script reached the disk"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", type=Path, help="copy this corpus instead of making one")
    args = parser.parse_args(argv)
    kinds = ("body edit", "people edit", "template edit")
    results: dict[str, list[tuple[float, float, float | None]]] = {k: [] for k in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        if args.corpus:
            shutil.copytree(args.corpus, root, ignore=shutil.ignore_patterns("site", ".*"))
        else:
            write_corpus(root, args.entries, seed=1)
        (root / "templates").mkdir(exist_ok=True)
        theme_entry = (REPO / "templates" / "entry.html").read_text()
        template = root / "templates" / "entry.html"
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-u", "-m", "generator", "serve", str(root), "--port", str(port)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            log = ServerLog(server)
            _wait_for_server(server, port)
            files = sorted((root / "content").rglob("*.md"))
            entry = files[len(files) // 2]
            original = entry.read_text()
            stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", entry.stem)
            date = re.search(r"^date: (\d{4})-(\d{2})-(\d{2})", original, re.M)
            assert date, "the corpus entry has no date line"
            path = f"/{date[1]}/{date[2]}/{date[3]}/{stem}/"
            url = f"http://127.0.0.1:{port}{path}"
            with sync_playwright() as play:
                browser = play.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                page.add_init_script(TRACE_EVENTS)
                page.goto(url)
                for i in range(args.runs):
                    marker = f"Livebench{i}body"
                    text = original.replace("\n---\n", f"\n---\n{marker} opens this.\n\n", 1)
                    results["body edit"].append(
                        _timed(page, log, lambda t=text: entry.write_text(t), marker)
                    )
                    marker = f"Livebench Person{i}"
                    person = re.sub(r"^people: \[", f"people: [{marker}, ", text, flags=re.M)
                    results["people edit"].append(
                        _timed(page, log, lambda t=person: entry.write_text(t), marker)
                    )
                    entry.write_text(text)  # untimed: the next edits change one thing each
                    page.wait_for_function(GONE, arg=marker, timeout=60_000)
                    log.build_ms()  # that build's line, so it is not taken for the next
                    marker = f"Livebench template {i}"
                    block = "{% block content %}"
                    themed = theme_entry.replace(block, f"{block}<p>{marker}</p>", 1)
                    results["template edit"].append(
                        _timed(page, log, lambda t=themed: template.write_text(t), marker)
                    )
                preview = root / PREVIEW_FOLDER / path.strip("/") / "index.html"
                _check_tab_matches_server(page, url, preview)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name, runs in results.items():
        shown = [r[0] for r in runs]
        event = statistics.median(r[1] for r in runs)
        builds = [r[2] for r in runs if r[2] is not None]
        build = f", build {statistics.median(builds):.0f} ms" if builds else ""
        print(f"{name}: median {statistics.median(shown):.0f} ms over {len(shown)} edits "
              f"(best {min(shown):.0f} ms; event in tab {event:.0f} ms{build})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
