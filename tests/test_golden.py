"""The sample site, built end to end, must match tests/golden/ byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.golden_tool import GOLDEN, build_sample


def _golden_files() -> dict[str, bytes]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes()
        for p in sorted(GOLDEN.rglob("*"))
        if p.is_file()
    }


def test_sample_site_matches_golden_output(tmp_path: Path) -> None:
    built = build_sample(tmp_path / "site")
    golden = _golden_files()
    assert sorted(built) == sorted(golden), "the set of output files changed (run `make golden`?)"
    for rel, data in golden.items():
        if built[rel] != data:
            diff = difflib.unified_diff(
                data.decode(errors="replace").splitlines(),
                built[rel].decode(errors="replace").splitlines(),
                f"golden/{rel}",
                f"built/{rel}",
                lineterm="",
            )
            raise AssertionError("\n".join(list(diff)[:60]))


def test_golden_covers_every_kind_of_page() -> None:
    golden = _golden_files()
    expected = {
        "index.html",
        "404.html",
        "editions/index.html",
        "people/index.html",
        "topics/index.html",
        "people/ada-lovelace/index.html",
        "topics/computing/index.html",
        "2024/03/13/wire/index.html",  # the raw-text entry
        "2024/03/12/funding/index.html",  # the Pelican-header entry
        "CNAME",  # copied from static/
        "theme/style.css",
    }
    assert expected <= set(golden)
    assert not any("draft" in rel for rel in golden), "drafts must stay out of a normal build"
