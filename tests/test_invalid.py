"""Each folder in tests/invalid/ is a broken site; `digest check` must print expected.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main

CASES = sorted(p for p in (Path(__file__).parent / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_site_gives_exact_message(
    case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(case)
    assert main(["check"]) == 1
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert capsys.readouterr().err == expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_site_build_writes_nothing(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", str(case), "--output", str(out)]) == 1
    assert not out.exists()
