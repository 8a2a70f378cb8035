"""Every page of the demo and sample sites passes the Nu HTML Checker with zero errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.engine.build import build_site
from tests.conftest import REPO, SAMPLE_SITE
from tests.helpers import vnu


@pytest.mark.parametrize("site_root", [REPO, SAMPLE_SITE], ids=["demo", "sample"])
def test_every_page_passes_the_nu_checker(site_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(site_root, out, use_cache=False)
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) > 10
    css = sorted(str(p) for p in out.rglob("*.css"))
    result = subprocess.run(
        [*vnu(), "--errors-only", "--also-check-css", *pages, *css],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr or result.stdout
