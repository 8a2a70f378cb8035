"""What parsing mends and says (control characters removed, …) reaches every build path:
a clean build, one from the cache, one where nothing changed, a live edit, a resumed one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.cli import main
from generator.engine.build import Builder, build_site
from tests.conftest import WriteTree, entry_text

A = "content/2025-06-04-a.md"
B = "content/2025-06-05-b.md"
CLEAN_A = "---\ntitle: A\ndate: 2025-06-04\n---\nSee [the report](https://x.org/ab).\n"
DIRTY_A = CLEAN_A.replace("x.org/ab", "x.org/a\x02b")
WARNING = f"{A}:5:33: removed an invisible control character (0x02)"


def mended(warnings: list[str]) -> list[str]:
    return [w for w in warnings if "control character" in w]


def edit(root: Path, rel: str, text: str) -> None:
    """Write `text` and move the mtime on, so no build mistakes it for the old bytes."""
    path = root / rel
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def root(write_tree: WriteTree) -> Path:
    return write_tree({A: DIRTY_A, B: entry_text("B", "2025-06-05")})


def test_control_character_is_removed_and_the_build_goes_on(root: Path) -> None:
    result = build_site(root, search=False)
    assert [w.split(" — ")[0] for w in mended(result.warnings)] == [WARNING]
    page = (root / "site" / "2025" / "06" / "04" / "a" / "index.html").read_text()
    assert 'href="https://x.org/ab"' in page
    assert (root / A).read_text() == DIRTY_A  # content files are never modified


def test_the_warning_is_said_again_by_builds_from_the_cache(root: Path) -> None:
    build_site(root, search=False)
    unchanged = build_site(root, search=False)
    assert unchanged.nothing_changed
    assert len(mended(unchanged.warnings)) == 1
    edit(root, B, entry_text("B edited", "2025-06-05"))  # A comes from the cache
    again = build_site(root, search=False)
    assert len(mended(again.warnings)) == 1
    full = build_site(root, search=False, use_cache=False)
    assert mended(full.warnings) == mended(again.warnings)


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_build_after_adding_or_removing_the_character(root: Path, use_cache: bool) -> None:
    edit(root, A, CLEAN_A)
    assert mended(build_site(root, search=False).warnings) == []
    edit(root, A, DIRTY_A)
    assert len(mended(build_site(root, search=False, use_cache=use_cache).warnings)) == 1
    edit(root, A, CLEAN_A)
    assert mended(build_site(root, search=False, use_cache=use_cache).warnings) == []


def test_live_edits_add_and_remove_the_warning(root: Path) -> None:
    edit(root, A, CLEAN_A)
    live = Builder(root, root / "site", in_place=True, search=False)
    assert mended(live.build().warnings) == []
    edit(root, A, DIRTY_A)
    assert len(mended(live.build(changed=[A]).warnings)) == 1
    edit(root, B, entry_text("B edited", "2025-06-05"))
    assert len(mended(live.build(changed=[B]).warnings)) == 1
    edit(root, A, CLEAN_A)
    assert mended(live.build(changed=[A]).warnings) == []


def test_control_character_in_a_registry_is_removed(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/people.yaml": "- name: Jane\x02 Doe\n  role: Editor\n",
            A: entry_text("A", people="[Jane Doe]"),
        }
    )
    result = build_site(root, search=False)
    assert [p.name for p in result.site.people] == ["Jane Doe"]
    assert mended(result.warnings)[0].startswith(
        "content/people.yaml:1:13: removed an invisible control character (0x02)"
    )
    assert len(mended(build_site(root, search=False).warnings)) == 1  # nothing changed


@pytest.mark.parametrize("text", ["", "\n\n", "  \n", "# nobody yet\n"])
@pytest.mark.parametrize("registry", ["people.yaml", "topics.yaml"])
def test_an_empty_registry_lists_nobody(
    write_tree: WriteTree, registry: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({f"content/{registry}": text, A: entry_text("A", people="[Jane Doe]")})
    assert main(["check", str(root)]) == 0
    assert "empty" not in capsys.readouterr().err
    assert [p.name for p in build_site(root, search=False).site.people] == ["Jane Doe"]


def test_cli_prints_the_warning_with_its_column(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(root), "--no-search"]) == 0
    err = capsys.readouterr().err
    assert f"warning: {root / A}:5:33: removed" in err or f"warning: {WARNING}" in err


# --- one note per front-matter key digest ignores ----------------------------------------------


def notes(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("note: ")]


@pytest.fixture
def jekyll(write_tree: WriteTree) -> Path:
    return write_tree(
        {
            A: entry_text("A", "2025-06-04", legacy_id="1", permalink="/a/", layout="post"),
            B: entry_text("B", "2025-06-05", legacy_id="2", image="/b.png"),
            "content/2025-06-06-c.md": entry_text("C", "2025-06-06", published="false"),
        }
    )


@pytest.mark.parametrize("command", ["build", "check"])
def test_build_and_check_print_one_note_per_ignored_key(
    jekyll: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [command, str(jekyll)] + (["--no-search"] if command == "build" else [])
    assert main(args) == 0
    out, err = capsys.readouterr()
    expected = (
        "note: 2 entries have 'legacy_id', which digest ignores — templates can read it as "
        f"`entry.extra['legacy_id']` (first: {A}:4)"
    )
    assert [line for line in out.splitlines() if line.startswith("note: ")] == [expected]
    assert "note:" not in err
    if command == "check":
        assert "ok: 2 entries" in out  # `published: false` is a draft


def test_notes_are_said_again_by_builds_from_the_cache(jekyll: Path) -> None:
    first = notes(build_site(jekyll, search=False).warnings)
    assert len(first) == 1
    assert notes(build_site(jekyll, search=False).warnings) == first  # nothing changed
    edit(jekyll, B, entry_text("B", "2025-06-05", legacy_id="3", mood="calm"))
    assert [n.split(",")[0] for n in notes(build_site(jekyll, search=False).warnings)] == [
        "note: 2 entries have 'legacy_id'",
        "note: 1 entry has 'mood'",
    ]


def test_a_live_edit_adding_an_unknown_key_gives_its_note(jekyll: Path) -> None:
    live = Builder(jekyll, jekyll / "site", in_place=True, search=False)
    assert len(notes(live.build().warnings)) == 1
    edit(jekyll, A, entry_text("A edited", "2025-06-04", legacy_id="1", mood="calm"))
    assert len(notes(live.build(changed=[A]).warnings)) == 2
    edit(jekyll, A, entry_text("A", "2025-06-04"))
    assert [n.split(",")[0] for n in notes(live.build(changed=[A]).warnings)] == [
        "note: 1 entry has 'legacy_id'"
    ]
