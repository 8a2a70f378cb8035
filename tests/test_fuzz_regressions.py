"""Replay the fuzz corpus and every crash the fuzzer ever found through the parsers."""

from __future__ import annotations

import contextlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.errors import BuildFailed, DigestError
from generator.parse import parse_entry
from generator.registry import parse_people, parse_topics
from tests.conftest import REPO

FUZZ = REPO / "fuzz"
INPUTS = sorted(p for folder in ("corpus", "crashes") for p in (FUZZ / folder).iterdir()
                if p.is_file() and not p.name.startswith("."))  # fmt: skip
NAMES = ("content/x.md", "content/2025-06-04-x.md", "content/x.txt")


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_fuzz_input_raises_only_our_errors(path: Path) -> None:
    data = path.read_bytes()
    for name in NAMES:  # every input as every format, as the fuzz target may try it
        for safe in (False, True):
            with contextlib.suppress(DigestError, BuildFailed):
                parse_entry(name, data, ZoneInfo("UTC"), safe=safe)
    text = data.decode("utf-8", "replace")
    for parser in (parse_people, parse_topics):
        with contextlib.suppress(DigestError):
            parser("content/people.yaml", text)


def test_the_corpus_is_there() -> None:
    assert len(INPUTS) >= 5, "fuzz/corpus/ seeds the fuzzer and this replay"
