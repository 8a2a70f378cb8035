"""Lighthouse scores of the demo digest's home and an entry page; fail below the bar.

Usage: .venv/bin/python tools/lighthouse.py [--min 98] [--keep DIR]   (or `make lighthouse`)

Builds the demo site in the repository root into a temporary folder, serves it on a free
loopback port and runs Lighthouse (node_modules/.bin/lighthouse, pinned in package.json)
in Debian's headless Chromium on each page, for performance, accessibility,
best-practices and SEO. Prints every score and exits 1 if any is below `--min`, naming
the audits that cost points. Slow (about a minute), so it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.engine.build import build_site  # noqa: E402

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {"home": "/", "entry": "/2025/06/04/call-expected/"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def run_lighthouse(url: str, report: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    command = [
        str(LIGHTHOUSE), url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
    ]  # fmt: skip
    subprocess.run(command, env=env, check=True, timeout=300)
    return json.loads(report.read_text(encoding="utf-8"))


def lost_points(result: dict, category: str) -> list[str]:
    """The audits of a category that did not score full marks, with their weight."""
    refs = result["categories"][category]["auditRefs"]
    audits = result["audits"]
    return [
        f"{ref['id']} (score {audits[ref['id']]['score']}, weight {ref['weight']})"
        for ref in refs
        if ref["weight"] and audits[ref["id"]]["score"] not in (None, 1)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=int, default=98, help="lowest acceptable score (98)")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    args = parser.parse_args(argv)
    for tool, fix in ((LIGHTHOUSE, "run `npm ci`"), (CHROMIUM, "apt-get install chromium")):
        if not tool.exists():
            print(f"lighthouse: {tool} is missing: {fix}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        build_site(REPO, out, search=True, use_cache=False)
        handler = functools.partial(_Quiet, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        reports = args.keep or Path(tmp) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        failed = []
        try:
            for name, path in PAGES.items():
                url = f"http://127.0.0.1:{server.server_address[1]}{path}"
                result = run_lighthouse(url, reports / f"{name}.json")
                for category in CATEGORIES:
                    score = round(result["categories"][category]["score"] * 100)
                    print(f"{name:6} {category:15} {score:3}")
                    if score < args.min:
                        failed.append(f"{name} {category} {score}: " + "; ".join(
                            lost_points(result, category)
                        ))  # fmt: skip
        finally:
            server.shutdown()
            server.server_close()
    for line in failed:
        print(f"lighthouse: below {args.min}: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
