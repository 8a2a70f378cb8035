"""Writing output: all at once, unchanged files untouched, foreign files kept."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.digests import hash_bytes
from generator.errors import DigestError
from generator.output import swap, write
from generator.output.folder import check_output_folder
from generator.output.manifest import MANIFEST, read_manifest
from generator.output.write import commit_site


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
    real_create = write._create
    calls = {"n": 0}

    def failing_create(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(path))
        real_create(path, data)

    monkeypatch.setattr(write, "_create", failing_create)
    with pytest.raises(DigestError) as caught:
        commit_site(out, {"a.html": b"new a", "b.html": b"new b"})
    assert str(caught.value) == (
        f"no space left on device while writing {out / 'b.html'}"
        " — free some space; the site was left as it was"
    )
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
    monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
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
    check_output_folder(tmp_path / "public" / "news", tmp_path)


def test_an_output_that_names_a_file_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(DigestError, match=r"notes\.txt is a file, not a folder"):
        check_output_folder(notes, tmp_path)
    with pytest.raises(DigestError, match=r"cannot be made: .*notes\.txt is a file"):
        check_output_folder(notes / "site", tmp_path)
    assert notes.read_text() == "mine"


@pytest.mark.parametrize("relative", ["site/sub", "site/a/b"])
def test_an_output_inside_the_default_output_folder_is_refused(
    tmp_path: Path, relative: str
) -> None:
    (tmp_path / "content").mkdir()
    with pytest.raises(DigestError, match=r"inside .*site/, the default output folder"):
        check_output_folder(tmp_path / relative, tmp_path)


def test_an_output_inside_another_built_site_is_refused(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    commit_site(tmp_path / "public", {"index.html": b"x"})
    with pytest.raises(DigestError, match=r"inside .*public/, which holds a built site"):
        check_output_folder(tmp_path / "public" / "news", tmp_path)


# -- the spare: the previous site, kept beside the output for the next build ----------


def _spare(out: Path) -> Path:
    return out.parent / f".{out.name}.digest-spare"


def test_old_site_becomes_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"1", "b.html": b"1"})
    commit_site(out, {"a.html": b"2", "b.html": b"1"})
    assert _tree(_spare(out)) == {"a.html": b"1", "b.html": b"1"}
    before = _tree(out)
    commit_site(out, {"a.html": b"2", "b.html": b"3", "c/index.html": b"c"})
    # Bringing the spare up to date never wrote through a hard link into the live site.
    assert _tree(_spare(out)) == before
    assert _tree(out) == {"a.html": b"2", "b.html": b"3", "c/index.html": b"c"}


def test_spare_reuse_equals_a_clean_write_over_many_writes(tmp_path: Path) -> None:
    """Adds, edits, deletes, folders coming and going, and foreign files the user adds
    and removes by hand between builds: each write must equal one into a fresh folder."""
    out = tmp_path / "site"
    rng = random.Random(7)
    names = [f"{folder}index.html" for folder in ("", "a/", "a/b/", "c/", "c/d/e/")]
    names += ["feed.xml", "a/x.css", "f/g.txt"]
    foreign = {"CNAME": b"example.org", ".git/HEAD": b"ref", "a/b/notes.txt": b"mine"}
    present: dict[str, bytes] = {}
    for step in range(40):
        files = {n: f"v{rng.randrange(3)}".encode() for n in names if rng.random() < 0.7}
        for rel, data in foreign.items():
            target = out / rel
            if rng.random() < 0.3 and out.is_dir() and rel not in files:
                if rel in present:
                    target.unlink(missing_ok=True)
                    del present[rel]
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data + str(step).encode())
                    present[rel] = data + str(step).encode()
        if rng.random() < 0.2 and out.is_dir():  # the user deletes one of our files
            ours = sorted(read_manifest(out))
            if ours:
                (out / rng.choice(ours)).unlink()
        clean = tmp_path / f"clean{step}"
        commit_site(clean, files)
        # Files whose bytes the site already holds may be kept rather than put, as a build
        # does with pages it did not render again.
        manifest = read_manifest(out)
        keep = {
            n: manifest[n]
            for n, data in files.items()
            if manifest.get(n) == hash_bytes(data) and (out / n).is_file() and step % 2
        }
        commit_site(out, {n: d for n, d in files.items() if n not in keep}, keep)
        expected = {**present, **_tree(clean)}
        assert _tree(out) == expected, f"step {step}"
        assert set(read_manifest(out)) == set(files)
        empty = [p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())]
        assert not empty, f"step {step}: empty folders were left: {empty}"
        leftovers = {p.name for p in tmp_path.glob(".site.digest-*")}
        assert leftovers <= {".site.digest-spare"}


def test_unchanged_files_keep_inode_and_mtime_through_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"same.html": b"same", "edit.html": b"v1"})
    os.utime(out / "same.html", ns=(1_000_000_000, 1_000_000_000))
    before = (out / "same.html").stat()
    for version in (b"v2", b"v3", b"v4"):  # the second and later writes reuse the spare
        stats = commit_site(out, {"same.html": b"same", "edit.html": version})
        assert stats.changed == ["edit.html"]
    after = (out / "same.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "edit.html").read_bytes() == b"v4"


def test_write_that_dies_while_updating_the_spare_is_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a/index.html": b"1", "b.html": b"1", "c.html": b"1"})
    commit_site(out, {"a/index.html": b"2", "b.html": b"2", "c.html": b"1"})
    real_create = write._create
    calls = {"n": 0}

    def dying_create(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing gets to clean up
        real_create(path, data)

    monkeypatch.setattr(write, "_create", dying_create)
    monkeypatch.setattr(write.OutputWriter, "abort", lambda self: None)
    with pytest.raises(KeyboardInterrupt):
        commit_site(out, {"a/index.html": b"3", "b.html": b"3", "d/e.html": b"3"})
    assert _tree(out) == {"a/index.html": b"2", "b.html": b"2", "c.html": b"1"}
    monkeypatch.undo()
    commit_site(out, {"b.html": b"4", "d/e.html": b"3"})
    assert _tree(out) == {"b.html": b"4", "d/e.html": b"3"}
    assert not (out / "a").exists()


def test_stale_spare_is_compared_not_trusted(tmp_path: Path) -> None:
    """A spare from anywhere (an output folder moved away, another site) is made right,
    and a link in it is removed, never followed."""
    out = tmp_path / "site"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_bytes(b"not ours")
    commit_site(out, {"index.html": b"v1", "a/index.html": b"A"})
    spare = _spare(out)
    spare.mkdir()
    (spare / "index.html").write_bytes(b"stale")
    (spare / "junk").mkdir()
    (spare / "junk/x.html").write_bytes(b"junk")
    (spare / "a").symlink_to(outside)
    (spare / MANIFEST).write_text('{"version": 1, "files": {"index.html": "0"}}')
    commit_site(out, {"index.html": b"v2", "a/index.html": b"A"})
    assert _tree(out) == {"index.html": b"v2", "a/index.html": b"A"}
    assert (outside / "index.html").read_bytes() == b"not ours"
    assert not (out / "a").is_symlink()


def test_spare_is_not_made_when_nothing_changed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"1"})
    commit_site(out, {"a.html": b"1"})
    assert not _spare(out).exists()


def test_in_place_writes_leave_no_stage(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"1", "b/c.html": b"1"})
    inode = out.stat().st_ino
    commit_site(out, {"a.html": b"2", "d/e.html": b"1"}, in_place=True)
    assert _tree(out) == {"a.html": b"2", "d/e.html": b"1"}
    assert out.stat().st_ino == inode  # written into, not swapped
    assert not list(tmp_path.glob(".site.digest-*"))


def test_abandoned_in_place_write_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"a.html": b"1"})
    with write.open_output(out, in_place=True) as output:
        output.put("a.html", b"2")
        output.put("new/b.html", b"2")
    assert _tree(out) == {"a.html": b"1"}
    assert not list(tmp_path.glob(".site.digest-*"))


def test_foreign_links_are_carried_as_links(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"index.html": b"1"})
    (tmp_path / "docs").mkdir()
    (out / "docs").symlink_to(tmp_path / "docs")
    (out / "latest").symlink_to("index.html")
    for version in (b"2", b"3", b"4"):
        commit_site(out, {"index.html": version})
        assert os.readlink(out / "docs") == str(tmp_path / "docs")
        assert os.readlink(out / "latest") == "index.html"
    (out / "latest").unlink()
    commit_site(out, {"index.html": b"5"})
    commit_site(out, {"index.html": b"6"})
    assert not (out / "latest").is_symlink()


def test_commit_edits_touches_only_the_edit_and_keeps_the_rest(tmp_path: Path) -> None:
    from generator.output.manifest import Manifest
    from generator.output.write import commit_edits

    out = tmp_path / "site"
    first = commit_site(out, {"a.html": b"A", "b/index.html": b"B", "c.html": b"C"})
    kept = (out / "c.html").stat().st_ino
    manifest = Manifest(dict(first.hashes))
    files = {"a.html": b"A2", "c.html": b"C", "d.html": b"D"}
    stats = commit_edits(out, files, {"b/index.html"}, manifest)
    assert stats.changed == ["a.html", "d.html"] and stats.removed_paths == ["b/index.html"]
    assert (stats.written, stats.unchanged, stats.removed) == (2, 1, 1)
    assert (out / "a.html").read_bytes() == b"A2"
    assert not (out / "b").exists()  # emptied folders go with their files
    assert (out / "c.html").stat().st_ino == kept
    assert read_manifest(out) == stats.hashes == manifest.hashes
    data = (out / MANIFEST).read_bytes()
    assert stats.manifest_hash == hash_bytes(data)
    assert data == json.dumps({"version": 1, "files": manifest.hashes}, sort_keys=True).encode()
    again = commit_edits(out, {"a.html": b"A2"}, set(), manifest)
    assert again.changed == [] and again.manifest_hash == ""  # nothing to write


@given(
    st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=4), max_size=12),
    st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.none() | st.text(max_size=4)),
        max_size=12,
    ),
)
def test_manifest_pieces_encode_as_json_does(start: dict, edits: list) -> None:
    from generator.output.manifest import Manifest

    manifest = Manifest(dict(start))
    manifest.encode()  # pieces made before the edits, then patched
    expected = dict(start)
    for path, digest in edits:
        if digest is None:
            manifest.update({}, [path])
            expected.pop(path, None)
        else:
            manifest.update({path: digest}, [])
            expected[path] = digest
    assert manifest.hashes == expected
    encoded = json.dumps({"version": 1, "files": expected}, sort_keys=True).encode()
    assert manifest.encode() == encoded


def test_a_name_too_long_is_reported_as_such_not_as_a_full_disk(tmp_path: Path) -> None:
    out = tmp_path / "site"
    commit_site(out, {"index.html": b"old"})
    with pytest.raises(DigestError) as raised:
        commit_site(out, {"index.html": b"new", f"{'x' * 300}/index.html": b"x"})
    error = raised.value
    assert "longer than the file system allows" in error.message
    assert error.hint is not None and "shorter `slug:`" in error.hint
    assert "disk space" not in str(error)
    assert (out / "index.html").read_bytes() == b"old"
