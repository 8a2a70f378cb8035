"""Atheris fuzz target for the parsers: front matter, Pelican headers, raw text, registries.

Any exception other than our own DigestError/BuildFailed is a bug. Run through
`make fuzz` (bounded time); a crash writes crash-* input files beside the corpus —
turn each into a regression test in tests/test_fuzz_regressions.py.
"""

from __future__ import annotations

import contextlib
import sys
from zoneinfo import ZoneInfo

import atheris

with atheris.instrument_imports():
    from generator.errors import BuildFailed, DigestError
    from generator.source.parse import parse_entry
    from generator.source.registry import parse_people, parse_topics

UTC = ZoneInfo("UTC")
NAMES = ("content/x.md", "content/2025-06-04-x.md", "content/x.txt")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    body = data[1:]
    with contextlib.suppress(DigestError, BuildFailed):
        parse_entry(name, body, UTC, safe=bool(data[0] & 0x80))
    text = body.decode("utf-8", "replace")
    for parser in (parse_people, parse_topics):
        with contextlib.suppress(DigestError):
            parser("content/people.yaml", text)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
