"""Regenerate tests/golden/ from tests/sample_site/ (`make golden`), after an intended change."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from generator.engine.build import build_site

TESTS = Path(__file__).parent
SAMPLE = TESTS / "sample_site"
GOLDEN = TESTS / "golden"


def build_sample(into: Path) -> dict[str, bytes]:
    """Build the sample site into `into`; return every output file's bytes by path."""
    build_site(SAMPLE, into, use_cache=False, search=False)
    return {
        p.relative_to(into).as_posix(): p.read_bytes()
        for p in sorted(into.rglob("*"))
        if p.is_file()
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = build_sample(Path(tmp) / "site")
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for rel, data in files.items():
        target = GOLDEN / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files to {GOLDEN}")


if __name__ == "__main__":
    main()
