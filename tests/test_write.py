"""Writing output: all at once, unchanged files untouched, foreign files kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import write
from generator.errors import DigestError
from generator.write import MANIFEST, check_output_folder, commit_site, read_manifest


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def test_first_write_creates_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "site"
    stats = commit_site(out, {"index.html": b"home", "a/index.html": b"A"})
    assert _tree(out) == {"index.html": b"home", "a/index.html": b"A"}
    assert stats.written == 2
    assert set(read_manifest(out)) == {"index.html", "a/index.html"}


def test_unchanged_files_keep_inode_and_mtime(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"same.html": b"same", "edit.html": b"v1"})
    os.utime(out / "same.html", ns=(1_000_000_000, 1_000_000_000))
    before = (out / "same.html").stat()
    stats = commit_site(out, {"same.html": b"same", "edit.html": b"v2"})
    after = (out / "same.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "edit.html").read_bytes() == b"v2"
    assert (stats.written, stats.unchanged, stats.changed) == (1, 1, ["edit.html"])


def test_nothing_changed_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    files = {"a.html": b"a", "b/c.html": b"c"}
    commit_site(out, files)
    inode = out.stat().st_ino
    stats = commit_site(out, files)
    assert (stats.written, stats.unchanged) == (0, 2)
    assert out.stat().st_ino == inode  # the folder itself was not swapped


def test_pages_that_no_longer_exist_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"keep.html": b"k", "gone/index.html": b"g"})
    stats = commit_site(out, {"keep.html": b"k"})
    assert _tree(out) == {"keep.html": b"k"}
    assert stats.removed == 1


def test_files_we_did_not_write_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"index.html": b"v1"})
    (out / "CNAME").write_text("example.org")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main")
    (out / "old-page.html").write_text("hand made")
    commit_site(out, {"index.html": b"v2"})
    assert (out / "CNAME").read_text() == "example.org"
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/main"
    assert (out / "old-page.html").read_text() == "hand made"
    assert (out / "index.html").read_bytes() == b"v2"


def test_torn_manifest_is_not_trusted(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"index.html": b"v1"})
    (out / MANIFEST).write_text('{"version": 1, "files": {"index.ht')
    assert read_manifest(out) == {}
    commit_site(out, {"index.html": b"v2"})
    assert (out / "index.html").read_bytes() == b"v2"


def test_failure_while_staging_leaves_old_site_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"old a", "b.html": b"old b"})
    real_write = Path.write_bytes
    calls = {"n": 0}

    def failing_write(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(DigestError, match="No space left on device"):
        commit_site(out, {"a.html": b"new a", "b.html": b"new b"})
    assert _tree(out) == {"a.html": b"old a", "b.html": b"old b"}
    assert not list(tmp_path.glob(".site.digest-*")), "the stage must be cleaned up"


def test_interrupted_swap_is_recovered(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"old"})
    # A build killed between the two renames of the fallback swap leaves only `.old`.
    os.replace(out, tmp_path / ".site.digest-old")
    (tmp_path / ".site.digest-stage").mkdir()
    write.recover_interrupted(out)
    assert _tree(out) == {"a.html": b"old"}
    assert not (tmp_path / ".site.digest-stage").exists()


def test_swap_without_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"1"})
    commit_site(out, {"a.html": b"2"})
    assert _tree(out) == {"a.html": b"2"}
    assert not (tmp_path / ".site.digest-old").exists()


@pytest.mark.parametrize("relative", [".", "..", "content", "content/site"])
def test_output_folder_may_not_hold_the_sources(tmp_path: Path, relative: str) -> None:
    root = tmp_path / "root"
    (root / "content").mkdir(parents=True)
    with pytest.raises(DigestError):
        check_output_folder(root / relative, root)


def test_normal_output_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    check_output_folder(tmp_path / "site", tmp_path)
    check_output_folder(tmp_path.parent / "elsewhere", tmp_path)
