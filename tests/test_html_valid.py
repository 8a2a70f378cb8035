"""Every page of the demo and sample sites passes the Nu HTML Checker with zero errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.engine.build import build_site
from tests.conftest import REPO, SAMPLE_SITE

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _vnu() -> list[str]:
    """The checker's command; a missing tool fails the run rather than skipping it."""
    java = shutil.which("java")
    assert java, "Java is missing: run tools/ensure-system.sh (make test does)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `npm ci` (make test does)"
    return [java, "-jar", str(VNU_JAR)]


@pytest.mark.parametrize("site_root", [REPO, SAMPLE_SITE], ids=["demo", "sample"])
def test_every_page_passes_the_nu_checker(site_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(site_root, out, use_cache=False)
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) > 10
    css = sorted(str(p) for p in out.rglob("*.css"))
    result = subprocess.run(
        [*_vnu(), "--errors-only", "--also-check-css", *pages, *css],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr or result.stdout
