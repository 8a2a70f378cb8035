"""Replay the fuzz corpora and every crash the fuzzers ever found through their targets."""

from __future__ import annotations

import contextlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.config import DIALECTS
from generator.errors import BuildFailed, DigestError
from generator.source import yamlsrc
from generator.source.markup import NestingTooDeep, render_markdown
from generator.source.parse import parse_entry
from generator.source.registry import parse_people, parse_topics
from tests.conftest import REPO
from tests.deadline import ends_within

FUZZ = REPO / "fuzz"


def inputs(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (FUZZ / folder).iterdir()
                  if p.is_file() and not p.name.startswith("."))  # fmt: skip


INPUTS = inputs("corpus", "crashes")
YAML_INPUTS = inputs("corpus-yaml", "crashes")
NESTING_INPUTS = inputs("corpus-nesting", "crashes")
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


@pytest.mark.parametrize("path", YAML_INPUTS, ids=[p.name for p in YAML_INPUTS])
def test_yaml_fuzz_input_reads_alike_with_every_parser(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    outcomes = []
    for loader in yamlsrc.LOADERS:
        monkeypatch.setattr(yamlsrc, "_Loader", loader)
        with ends_within(20):
            try:
                outcomes.append(("data", repr(yamlsrc.load_yaml(text, "content/x.md", 2)[0])))
            except DigestError as error:
                outcomes.append(("error", error.message, error.line))
    # As fuzz/fuzz_yaml.py: alike, but for what libyaml accepts and PyYAML's parser refuses.
    first, last = outcomes[0], outcomes[-1]
    assert first == last or (first[0] == "data" and last[0] == "error"), outcomes


@pytest.mark.parametrize("path", NESTING_INPUTS, ids=[p.name for p in NESTING_INPUTS])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_nesting_fuzz_input_renders_or_is_refused(path: Path, dialect: str) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    with ends_within(20), contextlib.suppress(NestingTooDeep):
        render_markdown(text, dialect=dialect)


def test_the_corpora_are_there() -> None:
    assert len(INPUTS) >= 5, "fuzz/corpus/ seeds the fuzzer and this replay"
    assert len(inputs("corpus-yaml")) >= 5
    assert len(inputs("corpus-nesting")) >= 5
