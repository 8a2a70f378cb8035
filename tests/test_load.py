"""find_entries and walk_files: editors' temp files skipped; links out of the site and
unreadable folders are problems named by their path, never skipped in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.errors import BuildFailed, DigestError
from generator.source.load import (
    Links,
    find_entries,
    is_ignored_name,
    misplaced_folders,
    walk_files,
)
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


def outside_problems(site: Path) -> tuple[list[str], list[DigestError]]:
    problems: list[DigestError] = []
    return [f.rel for f in find_entries(site, problems)], problems


def test_symlinked_file_outside_root_is_refused_by_path(write_tree: WriteTree) -> None:
    root = write_tree({"site/content/a.md": "x", "outside/secret.md": "secret"})
    site = root / "site"
    os.symlink(root / "outside" / "secret.md", site / "content" / "secret.md")
    found, (problem,) = outside_problems(site)
    assert found == ["content/a.md"]
    assert problem.path == "content/secret.md"
    assert f"symbolic link to {root / 'outside' / 'secret.md'}, outside the site" in str(problem)
    assert "allow_outside_links = true" in str(problem)
    with pytest.raises(BuildFailed):  # without a list to collect into, it is raised
        find_entries(site)


def test_symlinked_folder_outside_root_is_refused_by_path(write_tree: WriteTree) -> None:
    root = write_tree({"site/content/a.md": "x", "outside/b.md": "x"})
    site = root / "site"
    os.symlink(root / "outside", site / "content" / "linked", target_is_directory=True)
    found, (problem,) = outside_problems(site)
    assert found == ["content/a.md"] and problem.path == "content/linked"


def test_a_content_folder_that_is_a_link_out_is_refused(write_tree: WriteTree) -> None:
    root = write_tree({"site/digest.toml": "", "outside/b.md": "x"})
    os.symlink(root / "outside", root / "site" / "content", target_is_directory=True)
    found, (problem,) = outside_problems(root / "site")
    assert found == [] and problem.path == "content"


def test_links_out_are_followed_when_allowed(write_tree: WriteTree) -> None:
    root = write_tree({"site/content/a.md": "x", "outside/b.md": "x", "outside/c/d.md": "x"})
    site = root / "site"
    os.symlink(root / "outside" / "b.md", site / "content" / "b.md")
    os.symlink(root / "outside" / "c", site / "content" / "c", target_is_directory=True)
    problems: list[DigestError] = []
    links = Links.inside(site, anywhere=True)
    found = walk_files(site / "content", site, links=links, problems=problems)
    assert [f.rel for f in found] == ["content/a.md", "content/b.md", "content/c/d.md"]
    assert problems == []


def test_a_second_allowed_root_takes_links_into_it(write_tree: WriteTree) -> None:
    root = write_tree({"site/templates/a.html": "x", "theme/base.html": "x"})
    site = root / "site"
    os.symlink(root / "theme" / "base.html", site / "templates" / "base.html")
    problems: list[DigestError] = []
    links = Links.inside(site, root / "theme")
    found = walk_files(site / "templates", site, links=links, problems=problems)
    assert [f.rel for f in found] == ["templates/a.html", "templates/base.html"]
    assert problems == []


def unreadable_scandir(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Permission bits do not stop root: refuse the listing of `denied` as the OS would."""
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_is_a_problem_not_silence(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": "x", "content/sub/b.md": "x", "content/sub/c/d.md": "x"})
    unreadable_scandir(monkeypatch, root / "content" / "sub")
    found, (problem,) = outside_problems(root)
    assert found == ["content/a.md"]
    assert problem.path == "content/sub"
    assert "cannot read this folder: Permission denied" in str(problem)


def test_a_file_that_cannot_be_stat_ed_is_a_problem(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": "x", "content/b.md": "x"})
    real_scandir = os.scandir

    class Denied:  # a listed file whose stat fails, as in a folder without search (x) bits
        def __init__(self, entry: os.DirEntry[str]) -> None:
            self._entry = entry
            self.name, self.path = entry.name, entry.path

        def is_symlink(self) -> bool:
            return self._entry.is_symlink()

        def is_dir(self) -> bool:
            return self._entry.is_dir()

        def stat(self) -> os.stat_result:
            raise PermissionError(13, "Permission denied", self.path)

    def scandir(path: str) -> list[object]:
        return [Denied(e) if e.name == "b.md" else e for e in real_scandir(path)]

    monkeypatch.setattr(os, "scandir", scandir)
    found, (problem,) = outside_problems(root)
    assert found == ["content/a.md"] and problem.path == "content/b.md"
    assert "cannot read this file" in problem.message


def test_a_folder_vanishing_mid_walk_is_no_problem(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": "x", "content/sub/b.md": "x"})
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path).name == "sub":
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert outside_problems(root) == (["content/a.md"], [])


def test_template_folders_named_as_files_are_problems() -> None:
    folders = ["templates/entry.html", "templates/partials", "templates/mine.xml",
               "templates/static/img", "templates/static/style.css"]  # fmt: skip
    theme = {"entry.html", "partials/card.html", "static/style.css"}
    problems = {p.path: p.message for p in misplaced_folders(folders, theme)}
    assert set(problems) == {"templates/entry.html", "templates/mine.xml",
                             "templates/static/style.css"}  # fmt: skip
    assert "the theme's own entry.html is used instead" in problems["templates/entry.html"]


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
