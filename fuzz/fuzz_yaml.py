"""Atheris fuzz target for YAML as digest reads it (front matter and registries).

Each input is read by every parser PyYAML was built with; anything but a DigestError is
a bug, and so are two parsers disagreeing (data, or message and line), or an alias
bomb or deep nesting that is not refused (the run's -timeout and -rss_limit_mb catch
those). Text libyaml accepts and PyYAML's own parser refuses is a difference of the
parsers themselves: those real files meet (a tab between words, a `?` inside a word
within `[…]`) are made alike in yamlsrc; the rest is not reported here.

Run through `make fuzz`; a crash input lands in fuzz/crashes/yaml-*, which
tests/test_fuzz_regressions.py replays.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from generator.errors import DigestError
    from generator.source import yamlsrc


def outcome(loader: type, text: str) -> object:
    yamlsrc._Loader = loader
    try:
        return ("data", repr(yamlsrc.load_yaml(text, "content/x.md", 2)[0]))
    except DigestError as error:
        return ("error", error.message, error.line)


def disagree(outcomes: list[tuple[object, ...]]) -> bool:
    """Whether the parsers' outcomes differ in a way yamlsrc promises they do not:
    libyaml's comes first, PyYAML's own last."""
    first, last = outcomes[0], outcomes[-1]
    return first != last and not (first[0] == "data" and last[0] == "error")


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    outcomes = [outcome(loader, text) for loader in yamlsrc.LOADERS]
    if disagree(outcomes):
        raise AssertionError(f"the parsers disagree: {outcomes}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
