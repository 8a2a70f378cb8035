"""Shared fixtures: a writable copy of a sample site and a helper to lay out files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
REPO = TESTS.parent
SAMPLE_SITE = TESTS / "sample_site"

WriteTree = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def write_tree(tmp_path: Path) -> WriteTree:
    """Write `{relative path: text or bytes}` under a fresh site root and return the root."""

    def write(files: dict[str, str | bytes]) -> Path:
        for rel, data in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A per-test copy of tests/sample_site, so tests may edit and build it freely."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE_SITE, root)
    return root


def entry_text(title: str = "A title", date: str = "2025-06-04", **fields: str) -> str:
    """Front matter plus a one-paragraph body, for tests that need a valid entry."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join([*lines, "---", "Body text.", ""])


def without_address_warning(text: str) -> str:
    """Command output less the one warning every site without `site_url` gets (no sitemap)."""
    from generator.render.feeds import NO_ADDRESS

    return "".join(line for line in text.splitlines(True) if NO_ADDRESS not in line)
