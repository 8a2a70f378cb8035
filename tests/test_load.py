"""find_entries and walk_files: editors' temp files skipped, symlinks kept inside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.load import find_entries, is_ignored_name, walk_files
from tests.conftest import WriteTree

TEMP_NAMES = [
    ".#x.md",  # emacs lock
    "#x.md#",  # emacs autosave
    "x.md~",  # emacs, gedit backup
    ".x.md.swp",  # vim swap
    "x.md.swp",
    "x.md.swo",
    "x.md___jb_tmp___",  # JetBrains safe write
    "x.md___jb_old___",
    "4913",  # vim's write test
    ".hidden.md",
    ".DS_Store",
    "x.md.tmp",
    "x.md.bak",
    "x.md.orig",
    "x.md.crswap",  # Chrome / VS Code web
    "x.md.part",
    "x.md.kate-swp",
]
REAL_NAMES = ["x.md", "2025-06-04-trade.md", "notes.markdown", "raw.txt", "4913.md", "a#b.md",
              "swap.md", "backup-plan.md", "tmp.md", "_draft.md"]  # fmt: skip


def rels(root: Path) -> list[str]:
    return [f.rel for f in find_entries(root)]


@pytest.mark.parametrize("name", TEMP_NAMES)
def test_editor_temp_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_kept(name: str) -> None:
    assert not is_ignored_name(name)


def test_find_entries_skips_temp_files(write_tree: WriteTree) -> None:
    root = write_tree({f"content/{name}": "x" for name in [*TEMP_NAMES, "keep.md"]})
    assert rels(root) == ["content/keep.md"]


def test_only_markdown_and_text_are_entries(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": "x",
            "content/b.markdown": "x",
            "content/c.txt": "x",
            "content/d.html": "x",
            "content/e.png": b"\x89PNG",
            "content/f.yaml": "x",
            "content/g.MD.bak": "x",
            "content/README": "x",
        }
    )
    assert rels(root) == ["content/a.md", "content/b.markdown", "content/c.txt"]


def test_hidden_folders_are_skipped(write_tree: WriteTree) -> None:
    root = write_tree({"content/.git/x.md": "x", "content/.drafts/y.md": "y", "content/z.md": "z"})
    assert rels(root) == ["content/z.md"]


def test_nested_folders_and_files_outside_content(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/2025/06/a.md": "x",
            "content/2025/b.md": "x",
            "content/c.md": "x",
            "notes.md": "not under content",
            "people.yaml": "",
        }
    )
    assert sorted(rels(root)) == ["content/2025/06/a.md", "content/2025/b.md", "content/c.md"]


def test_order_is_deterministic(write_tree: WriteTree) -> None:
    root = write_tree({f"content/{d}/{n}.md": "x" for d in "cab" for n in "zyx"})
    first = rels(root)
    assert first == rels(root)
    assert len(first) == 9
    for folder in ("a", "b", "c"):
        inside = [r for r in first if r.startswith(f"content/{folder}/")]
        assert inside == sorted(inside)


def test_source_file_fields(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": "12345"})
    (source,) = find_entries(root)
    assert source.path == root / "content" / "a.md"
    assert source.rel == "content/a.md"
    assert source.size == 5
    assert source.mtime_ns == (root / "content" / "a.md").stat().st_mtime_ns


def test_no_content_folder(tmp_path: Path) -> None:
    assert find_entries(tmp_path) == []


def test_walk_files_lists_every_kept_file(write_tree: WriteTree) -> None:
    root = write_tree({"static/css/site.css": "x", "static/.x.swp": "x", "static/logo.png": b"x"})
    found = [f.rel for f in walk_files(root / "static", root)]
    assert sorted(found) == ["static/css/site.css", "static/logo.png"]


def test_symlinked_file_outside_root_is_skipped(write_tree: WriteTree) -> None:
    root = write_tree({"site/content/a.md": "x", "outside/secret.md": "secret"})
    site = root / "site"
    os.symlink(root / "outside" / "secret.md", site / "content" / "secret.md")
    assert rels(site) == ["content/a.md"]


def test_symlinked_folder_outside_root_is_skipped(write_tree: WriteTree) -> None:
    root = write_tree({"site/content/a.md": "x", "outside/b.md": "x"})
    site = root / "site"
    os.symlink(root / "outside", site / "content" / "linked", target_is_directory=True)
    assert rels(site) == ["content/a.md"]


def test_symlink_inside_root_is_followed(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": "x", "shared/b.md": "x", "shared/c.md": "x"})
    os.symlink(root / "shared", root / "content" / "shared", target_is_directory=True)
    os.symlink(root / "shared" / "c.md", root / "content" / "c.md")
    assert sorted(rels(root)) == [
        "content/a.md", "content/c.md", "content/shared/b.md", "content/shared/c.md",
    ]  # fmt: skip


def test_symlink_loop_inside_root_terminates(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": "x", "content/sub/b.md": "x"})
    os.symlink(root / "content", root / "content" / "sub" / "up", target_is_directory=True)
    os.symlink("..", root / "content" / "sub" / "parent", target_is_directory=True)
    assert sorted(rels(root)) == ["content/a.md", "content/sub/b.md"]


def test_self_referencing_and_dangling_links_are_skipped(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": "x"})
    content = root / "content"
    os.symlink("loop1.md", content / "loop2.md")
    os.symlink("loop2.md", content / "loop1.md")
    os.symlink("self.md", content / "self.md")
    os.symlink("missing.md", content / "dangling.md")
    assert rels(root) == ["content/a.md"]


def test_same_folder_linked_twice_is_read_once(write_tree: WriteTree) -> None:
    root = write_tree({"content/real/a.md": "x"})
    os.symlink(root / "content" / "real", root / "content" / "zlink", target_is_directory=True)
    assert rels(root) == ["content/real/a.md"]
