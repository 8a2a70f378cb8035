"""Edit-to-browser latency of `digest serve`, measured in a real headless Chromium.

Usage: python bench/live.py [--entries 4000] [--runs 7]

Starts `digest serve` on a generated corpus, opens an entry page in Debian's Chromium
(driven by Playwright), then for each kind of edit writes the file and times until
the open tab shows the change, without the script reloading it: an entry's body,
its people list (several index pages change), and a template every entry page uses.
Reports the median of --runs edits each.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_corpus import write_corpus
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


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


def _timed(page: Page, change, marker: str) -> float:
    """Write, then wait until the tab's text shows `marker`; seconds from write to shown."""
    start = time.perf_counter()
    change()
    page.wait_for_function(
        "m => document.body && document.body.innerText.includes(m)", arg=marker, timeout=30_000
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        write_corpus(root, args.entries, seed=1)
        (root / "templates").mkdir()
        theme_entry = (REPO / "templates" / "entry.html").read_text()
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", str(root), "--port", str(port)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            _wait_for_server(server, port)
            files = sorted((root / "content").rglob("*.md"))
            entry = files[len(files) // 2]
            original = entry.read_text()
            stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", entry.stem)
            date = re.search(r"^date: (\d{4})-(\d{2})-(\d{2})", original, re.M)
            assert date, "the corpus entry has no date line"
            url = f"http://127.0.0.1:{port}/{date[1]}/{date[2]}/{date[3]}/{stem}/"
            results: dict[str, list[float]] = {"body edit": [], "people edit": [],
                                               "template edit": []}  # fmt: skip
            with sync_playwright() as play:
                browser = play.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                page.goto(url)
                for i in range(args.runs):
                    marker = f"Livebench{i}body"
                    text = original.replace("\n---\n", f"\n---\n{marker} opens this.\n\n", 1)
                    results["body edit"].append(
                        _timed(page, lambda t=text: entry.write_text(t), marker)
                    )
                    marker = f"Livebench Person{i}"
                    text = re.sub(r"^people: \[", f"people: [{marker}, ", original, flags=re.M)
                    results["people edit"].append(
                        _timed(page, lambda t=text: entry.write_text(t), marker)
                    )
                    marker = f"Livebench template {i}"
                    block = "{% block content %}"
                    themed = theme_entry.replace(block, f"{block}<p>{marker}</p>", 1)
                    results["template edit"].append(
                        _timed(
                            page,
                            lambda t=themed: (root / "templates" / "entry.html").write_text(t),
                            marker,
                        )
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name, times in results.items():
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms "
              f"over {len(times)} edits (best {min(times) * 1000:.0f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
