"""Atheris fuzz target for Markdown nesting: lists, quotes, indentation and brackets.

render_markdown must return, or refuse a body nested too deep with NestingTooDeep, in
both dialects: a RecursionError or any other exception is a bug, and so is a slow input
(the run's -timeout catches it). Run through `make fuzz`; a crash input lands in
fuzz/crashes/nesting-*, which tests/test_fuzz_regressions.py replays.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from generator.config import DIALECTS
    from generator.source.markup import NestingTooDeep, render_markdown

# Bytes the fuzzer's mutations map to the characters that nest, so it reaches depth fast.
ALPHABET = "- *+1.>\t\n[]()x`~    "


def test_one_input(data: bytes) -> None:
    if not data:
        return
    # The first byte picks the dialect and safe mode; the rest is text, or with the
    # high bit of the first byte, bytes mapped onto the nesting characters.
    mode, rest = data[0], data[1:]
    if mode & 0x80:
        text = "".join(ALPHABET[b % len(ALPHABET)] for b in rest)
    else:
        text = rest.decode("utf-8", "replace")
    dialect = DIALECTS[(mode >> 1) % len(DIALECTS)]
    with contextlib.suppress(NestingTooDeep):
        render_markdown(text, safe=bool(mode & 1), dialect=dialect)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
