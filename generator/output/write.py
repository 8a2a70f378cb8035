"""Write the output folder all at once: bring a spare copy up to date beside it, then swap.

Pages are handed over one by one as they are rendered (`open_output(...).put`) and go to
disk at once, so no build holds the whole site in memory. They go to a spare folder
beside the output (`.site.digest-spare`), never into the live site. `finish` makes the
spare hold exactly the new site and exchanges the two folders in one atomic rename; the
old site becomes the spare for the next build. A build that fails or is killed at any
point before that leaves the old site exactly as it was.

The spare is never trusted, only compared: after the swap it shares every unchanged file
(hard links: the same inode) with the live site, so the next build walks both folders and
touches only the files whose inodes differ, which makes its cost follow the size of the
change rather than the size of the site. Whatever state a killed build left the spare in,
the next build brings it up to date the same way. A file is never written into: changed
files are new inodes, so a write to the spare cannot reach the live site through a link.

Small edits (the live preview's, and a `digest build` that applies entry edits to the
last build's snapshot) are committed in place instead, as walking both folders would cost
more than the edit: the changed files wait whole beside the site, a record of their moves
is written, then they are moved in one rename each. A build killed between two moves is
finished by the next one, which replays the record before anything else.

Unchanged files keep their inode, so their mtime survives and deploy tools that sync by
mtime upload only what changed. Files `digest` did not write (a deploy repo's `.git`, a
`CNAME`) are carried over untouched: we delete only what our manifest lists.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import shutil
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from generator.digests import hash_bytes
from generator.output.folder import output_error
from generator.output.manifest import (
    MANIFEST,
    MANIFEST_TMP,
    Manifest,
    encode_manifest,
    read_manifest,
)
from generator.output.swap import (
    COMMIT,
    finish_moves,
    is_file,
    lstat,
    prune_empty_parents,
    recover_interrupted,
    remove_tree,
    sibling,
    swap_in,
)

log = logging.getLogger(__name__)

# A last step on the new site before it is swapped in (the search index): it is given
# the folder holding the new site and its manifest, and may add files to it.
BeforeSwap = Callable[[Path, Mapping[str, str]], object]


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    changed: list[str] = field(default_factory=list)  # output paths whose bytes changed
    removed_paths: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # the manifest written
    manifest_hash: str = ""  # of the manifest file's bytes, when this commit wrote one


def open_output(out: Path, *, in_place: bool = False) -> OutputWriter:
    """Start writing a new version of `out`; use it as a context manager (see OutputWriter)."""
    return OutputWriter(out, in_place=in_place)


def commit_site(
    out: Path,
    files: Mapping[str, bytes],
    keep: Mapping[str, str] | None = None,
    *,
    in_place: bool = False,
) -> WriteStats:
    """Make `out` hold `files`, the `keep` files already there, and its foreign files."""
    with open_output(out, in_place=in_place) as output:
        for path, data in files.items():
            output.put(path, data)
        return output.finish(keep)


def commit_edits(
    out: Path,
    files: Mapping[str, bytes],
    removed: set[str],
    manifest: Manifest,
    before_swap: BeforeSwap | None = None,
) -> WriteStats:
    """Write a few changed files into an output folder in place, and remove `removed`;
    `manifest` is what the folder holds (this process wrote it last), so neither the
    manifest nor the rest of the folder is read again, and `manifest` is brought up to
    date with what was written.

    With `before_swap` (the search index, which reads the whole new site) the edits go
    through the spare instead, to be swapped in with what that step adds, or not at all.
    """
    if before_swap is not None:
        keep = {p: h for p, h in manifest.hashes.items() if p not in removed and p not in files}
        with OutputWriter(out, manifest=manifest.hashes) as output:
            for path, data in files.items():
                output.put(path, data)
            stats = output.finish(keep, before_swap)
        manifest.replace(stats.hashes)
        return stats
    with OutputWriter(out, in_place=True, manifest=manifest.hashes) as output:
        for path, data in files.items():
            output.put(path, data)
        return output.finish_edits(removed, manifest)


class OutputWriter:
    """The files of one build, taken as they come; `finish` makes them the site.

        with open_output(out) as output:
            for path, data in rendered:
                output.put(path, data)
            stats = output.finish(keep)

    `keep` maps outputs the caller did not regenerate to their hashes in the manifest.
    Leaving the block without `finish` (an exception, a render error) drops what was put
    and leaves the site as it was. With `in_place`, changed files wait in a folder beside
    the output and `finish` moves them in one by one (each atomically) instead of
    swapping the whole folder: the live preview does this behind a lock, for speed.
    """

    def __init__(
        self, out: Path, *, in_place: bool = False, manifest: dict[str, str] | None = None
    ) -> None:
        recover_interrupted(out)
        self.out = out
        self.old = read_manifest(out) if manifest is None else manifest
        self.in_place = in_place and out.is_dir()
        self.hashes: dict[str, str] = {}  # what was put: path -> hash
        self.changed: list[str] = []  # of those, the ones whose bytes the site lacks
        self._stage = sibling(out, "stage" if self.in_place else "spare")
        self._stage_ready = False
        self._made_stage = False  # this writer created the stage folder: abort removes it
        self._fresh: list[Path] = []  # files this writer created, removed again on abort
        self._pending: list[tuple[Path, str]] = []  # in place: waiting file, output path
        self._dirs: set[str] = set()  # stage folders known to be real folders, not links
        self._done = False
        self._recorded = False  # in place: the moves are recorded, and some may be made

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()

    def put(self, path: str, data: bytes, digest: str | None = None) -> None:
        """Take one output file; it is written now when the site does not already hold it."""
        digest = digest or hash_bytes(data)
        self.hashes[path] = digest
        if self.old.get(path) == digest and is_file(self.out / path):
            return  # the site holds these bytes: `finish` links them into the stage
        self.changed.append(path)
        try:
            if self.in_place:
                self._ready_stage()
                waiting = self._stage / str(len(self._pending))
                _create(waiting, data)
                self._pending.append((waiting, path))
            else:
                self._write_new(path, data)
        except OSError as exc:
            self.abort()
            raise output_error(exc, self.out, stage=self._spare()) from exc

    def finish(
        self, keep: Mapping[str, str] | None = None, before_swap: BeforeSwap | None = None
    ) -> WriteStats:
        """Make the output hold what was put, the `keep` files and its foreign files.

        `before_swap` runs on the complete new site before it is swapped in; if it fails,
        nothing is. It does not run when nothing changed (there is nothing to swap), nor
        in place (a writer that has it must not be in place).
        """
        assert before_swap is None or not self.in_place, "an in-place commit has no stage"
        hashes = {**(keep or {}), **self.hashes}
        removed = sorted(p for p in self.old if p not in hashes)
        stats = WriteStats(len(self.changed), len(hashes) - len(self.changed), len(removed))
        stats.changed, stats.removed_paths, stats.hashes = sorted(self.changed), removed, hashes
        nothing = not self.changed and not removed and hashes == self.old and self.out.is_dir()
        try:
            if nothing:
                self._tidy()
            elif self.in_place:
                stats.manifest_hash = self._commit_in_place(removed, encode_manifest(hashes))
            else:
                stats.manifest_hash = self._commit_staged(hashes, before_swap)
        except OSError as exc:
            self.abort()
            raise output_error(exc, self.out, self._recorded, self._spare()) from exc
        except BaseException:
            self.abort()
            raise
        self._done = True
        return stats

    def finish_edits(self, removed: set[str], manifest: Manifest) -> WriteStats:
        """Like `finish`, for in-place edits: every file not put stays, but `removed`;
        `manifest` (what the folder held) is updated to what it holds now."""
        gone = sorted(p for p in removed if p in self.old and p not in self.hashes)
        stats = WriteStats(len(self.changed), 0, len(gone))
        stats.changed, stats.removed_paths = sorted(self.changed), gone
        before = {p: manifest.hashes.get(p) for p in [*self.changed, *gone]}
        try:
            if not self.changed and not gone:
                self._tidy()  # every file put holds the bytes it had
            else:
                manifest.update({p: self.hashes[p] for p in self.changed}, gone)
                stats.manifest_hash = self._commit_in_place(gone, manifest.encode())
        except OSError as exc:
            self.abort()
            manifest.update(
                {p: h for p, h in before.items() if h is not None},
                [p for p, h in before.items() if h is None],
            )
            raise output_error(exc, self.out, self._recorded, self._spare()) from exc
        stats.hashes = manifest.hashes
        stats.unchanged = len(manifest.hashes) - len(self.changed)
        self._done = True
        return stats

    def abort(self) -> None:
        """Drop what this writer wrote; the output folder itself was never touched."""
        if self._done:
            return
        self._done = True
        try:
            if self._recorded:
                pass  # the site may hold some of the moves: the next build makes the rest
            elif self._made_stage or self.in_place:
                remove_tree(self._stage)
            else:  # the spare stays, minus the new files, which may fill a disk
                for path in self._fresh:
                    path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not clean up %s: %s", self._stage, exc)

    def _spare(self) -> Path | None:
        """The folder whose files are named as in the site (not so in place)."""
        return None if self.in_place else self._stage

    # -- in place ------------------------------------------------------------

    def _commit_in_place(self, removed: list[str], manifest: bytes) -> str:
        """Move the waiting files in, then the manifest. A record of the moves, written
        once every file waits whole, lets a build killed between two moves be finished
        by the next one (`recover_interrupted`) instead of leaving a mixed site."""
        self._ready_stage()
        _create(self._stage / MANIFEST, manifest)
        moves = [(waiting.name, path) for waiting, path in self._pending]
        moves.append((MANIFEST, MANIFEST))
        # Written straight under its name: a record torn by a kill is not valid JSON
        # (its closing brace comes last), and recovery then drops the stage.
        _create(self._stage / COMMIT, json.dumps({"moves": moves, "removed": removed}).encode())
        self._recorded = True
        finish_moves(self._stage, self.out, moves, removed)
        self._recorded = False
        self._tidy()
        return hash_bytes(manifest)

    def _tidy(self) -> None:
        if self._made_stage or self.in_place:
            remove_tree(self._stage)

    # -- staged --------------------------------------------------------------

    def _commit_staged(self, hashes: dict[str, str], before_swap: BeforeSwap | None) -> str:
        """Bring the spare to exactly the new site, by the differences only, run the last
        step on it, and swap it in; return the hash of the manifest written."""
        self._ready_stage()
        stage, out = self._stage, self.out
        live = _scan(out) if out.is_dir() else _Tree({}, [])
        spare = _scan(stage)
        if out.is_dir() and out.stat().st_dev != stage.stat().st_dev:
            spare = _Tree({}, spare.folders)  # inode numbers of two disks say nothing
        foreign = {
            rel: entry
            for rel, entry in live.entries.items()
            if rel not in self.old and rel not in hashes and rel not in (MANIFEST, MANIFEST_TMP)
        }
        # What the spare holds that the new site does not: gone, and folders left empty.
        emptied = {folder[:-1] for folder in spare.folders if folder.endswith("/")}
        for rel in spare.entries:
            if rel not in hashes and rel not in foreign and rel != MANIFEST:
                (stage / rel).unlink(missing_ok=True)
                emptied.add(posixpath.dirname(rel))
        for folder in sorted(emptied, key=lambda f: -f.count("/")):
            if folder:
                prune_empty_parents(stage / folder, stage)
        # Files this build did not write anew are the live site's own: the same inode.
        changed = set(self.changed)
        for rel in hashes:
            if rel in changed:
                continue
            source = live.entries.get(rel)
            if source is None:
                raise OSError(2, "a kept output file vanished during the build", str(out / rel))
            if spare.entries.get(rel) != source:
                self._link_live(rel, source)
        for rel, source in foreign.items():
            if spare.entries.get(rel) != source:
                self._carry(rel, source, hashes)
        manifest = _write_manifest(stage, hashes)
        if before_swap is not None:
            before_swap(stage, hashes)
        swap_in(stage, out)
        self._made_stage = False  # it now holds the old site: the next build's spare
        return hash_bytes(manifest)

    def _ready_stage(self) -> None:
        """Make sure the stage is a real folder of ours (a first build creates it)."""
        if self._stage_ready:
            return
        found = lstat(self._stage)
        if found is not None and not stat.S_ISDIR(found.st_mode):
            self._stage.unlink()
            found = None
        if found is None:
            self._stage.mkdir()
            self._made_stage = True
        self._stage_ready = True

    def _write_new(self, rel: str, data: bytes) -> None:
        self._ready_stage()
        target = self._stage / rel
        _clear(target)
        self._make_folder(posixpath.dirname(rel))
        _create(target, data)
        self._fresh.append(target)

    def _link_live(self, rel: str, source: _Entry) -> None:
        target = self._stage / rel
        _clear(target)
        self._make_folder(posixpath.dirname(rel))
        _link_or_copy(self.out / rel, target, source)

    def _carry(self, rel: str, source: _Entry, ours: Mapping[str, str]) -> None:
        """Carry one foreign file or link over, unless one of our files is in its way."""
        target = self._stage / rel
        found = lstat(target)
        if found is not None and stat.S_ISDIR(found.st_mode):
            return  # a folder of ours is there: ours wins
        if not self._make_folder(posixpath.dirname(rel), ours):
            return
        _clear(target)
        _link_or_copy(self.out / rel, target, source)

    def _make_folder(self, rel: str, ours: Mapping[str, str] | None = None) -> bool:
        """Make stage/rel a real folder, replacing a stale file or link (never following
        a link out of the stage); False when one of `ours` is in the way."""
        if not rel or rel in self._dirs:
            return True
        if not self._make_folder(posixpath.dirname(rel), ours):
            return False
        path = self._stage / rel
        found = lstat(path)
        if found is not None and not stat.S_ISDIR(found.st_mode):
            if ours is not None and rel in ours:
                return False
            path.unlink()
            found = None
        if found is None:
            path.mkdir()
        self._dirs.add(rel)
        return True


class _Entry(NamedTuple):
    inode: int  # links are hard-linked too, so they compare by inode like files
    link: bool


@dataclass
class _Tree:
    entries: dict[str, _Entry]  # every file and link, by path; folders are walked into
    folders: list[str]  # every folder; an empty one ends with "/"


def _scan(root: Path) -> _Tree:
    """Walk a folder without following links, with readdir's inode numbers (no stat)."""
    entries: dict[str, _Entry] = {}
    folders: list[str] = []
    todo = [(os.fspath(root), "")]
    while todo:
        where, rel = todo.pop()
        prefix = f"{rel}/" if rel else ""
        empty = True
        with os.scandir(where) as listing:
            for item in listing:
                empty = False
                if item.is_dir(follow_symlinks=False):
                    todo.append((item.path, prefix + item.name))
                else:
                    entries[prefix + item.name] = _Entry(item.inode(), item.is_symlink())
        if rel:
            folders.append(prefix if empty else rel)
    return _Tree(entries, folders)


def _create(path: Path, data: bytes) -> None:
    """Write a new file; "x" refuses an existing one, whose inode the live site may share."""
    try:
        with open(path, "xb") as f:
            f.write(data)
    except OSError as exc:  # a failed write (a full disk) does not say which file
        exc.filename = exc.filename or str(path)
        raise


def _clear(path: Path) -> None:
    """Remove whatever the stage holds at `path` (never anything the link points to)."""
    found = lstat(path)
    if found is None:
        return
    if stat.S_ISDIR(found.st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()


def _link_or_copy(source: Path, target: Path, entry: _Entry) -> None:
    """Hard-link `source` (a link itself, not what it points to) to `target`, else copy it."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # a file system without hard links: a copy, mtime and all
        if entry.link:
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target, follow_symlinks=False)


def _write_manifest(folder: Path, hashes: dict[str, str]) -> bytes:
    tmp = folder / MANIFEST_TMP
    _clear(tmp)
    data = encode_manifest(hashes)
    _create(tmp, data)
    os.replace(tmp, folder / MANIFEST)
    return data
