"""What a build wrote: its pages by kind (to compare page sets tool to tool), and how two
output folders differ (to check an incremental build against a clean one)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

MANIFEST = ".digest-manifest.json"
INDEX_DIR = "pagefind/"  # the search index, inside the output folder
# Hugo 0.111 writes a redirect at …/page/1/ of every paginated list, and cannot be told not to.
REDIRECTS = "page-1 redirects"
PAGE_KINDS = (  # (pattern of a page's path in the output, the kind of page it is)
    (r"(.+/)?page/1/index\.html", REDIRECTS),
    (r"index\.html", "home"),
    (r"page/\d+/index\.html", "home, pages 2+"),
    (r"404\.html", "404"),
    (r"search/index\.html", "search"),
    (r"(people|topics|editions)/index\.html", r"\1 index"),
    (r"editions/page/\d+/index\.html", "editions index, pages 2+"),
    (r"(people|topics|editions)/[^/]+/index\.html", r"\1"),
    (r"(people|topics)/[^/]+/page/\d+/index\.html", r"\1, pages 2+"),
    (r"\d{4}/\d{2}/\d{2}/[^/]+/index\.html", "entries"),
)


def count_pages(out: Path) -> Counter[str]:
    """HTML files in `out` by kind of page, so page sets can be compared tool to tool."""
    kinds: Counter[str] = Counter()
    for path in out.rglob("*.html"):
        kinds[page_kind(path.relative_to(out).as_posix())] += 1
    return kinds


def page_kind(rel: str) -> str:
    for pattern, kind in PAGE_KINDS:
        if m := re.fullmatch(pattern, rel):
            return m.expand(kind)
    return "other"


def tree_differences(a: Path, b: Path) -> list[str]:
    """Every path whose bytes differ between two output folders (the manifest aside)."""

    def files(root: Path) -> dict[str, Path]:
        found = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
        found.pop(MANIFEST, None)
        return found

    left, right = files(a), files(b)
    diffs = [f"only in the rebuild: {p}" for p in sorted(left.keys() - right.keys())]
    diffs += [f"missing from the rebuild: {p}" for p in sorted(right.keys() - left.keys())]
    diffs += [
        f"differs: {rel}"
        for rel in sorted(left.keys() & right.keys())
        if left[rel].read_bytes() != right[rel].read_bytes()
    ]
    return diffs


def in_index(difference: str) -> bool:
    """Whether a line of `tree_differences` is about a file of the search index."""
    return difference.split(": ", 1)[1].startswith(INDEX_DIR)


def snapshot(out: Path) -> dict[str, str]:
    """Every output file's hash, to tell whether a no-change rebuild changed anything."""
    if not out.is_dir():
        return {}
    return {
        p.relative_to(out).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file()
    }
