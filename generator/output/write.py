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

import bisect
import ctypes
import ctypes.util
import errno
import json
import logging
import os
import posixpath
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from generator.digests import hash_bytes
from generator.errors import DigestError, display_path

log = logging.getLogger(__name__)

MANIFEST = ".digest-manifest.json"
MANIFEST_VERSION = 1
_MANIFEST_TMP = f"{MANIFEST}.tmp"
_COMMIT = "commit.json"  # in the stage of an in-place commit: the moves it makes
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


def check_output_folder(out: Path, root: Path, default: str = "site") -> None:
    """Refuse an output folder whose replacement would wipe the site's own sources or a
    file, or that lies inside another output folder of the site (`default`, relative to
    the root, is where a build writes unless told otherwise)."""
    shown = display_path(out)
    existing = nearest_existing(out)
    if not existing.is_dir():  # a file, or a file where a parent folder should be
        what = (
            "is a file, not a folder"
            if existing == Path(os.path.abspath(out))
            else f"cannot be made: {display_path(existing).rstrip(os.sep)} is a file"
        )
        raise DigestError(
            f"the output folder {shown.rstrip(os.sep)} {what}",
            hint="name a folder (a new one is fine); digest never replaces a file with a site",
        )
    out, root = out.resolve(), root.resolve()
    for precious in (root, root / "content", root / "templates", root / "static"):
        if precious == out or precious.is_relative_to(out):
            raise DigestError(
                f"the output folder {out} contains {precious}",
                hint="choose an output folder of its own, such as `site/` (the default)",
            )
        if precious != root and out.is_relative_to(precious):
            raise DigestError(
                f"the output folder {out} is inside {precious}",
                hint="put the output outside content/, templates/ and static/",
            )
    outer = (root / default).resolve()
    nested = [p for p in out.parents if p.is_relative_to(root) and p != root]
    for parent in nested:
        if parent == outer or (parent / MANIFEST).is_file():
            kind = "the default output folder" if parent == outer else "which holds a built site"
            raise DigestError(
                f"the output folder {shown} is inside {display_path(parent)}, {kind}",
                hint="a build there would publish and index this site inside that one; "
                "choose a folder beside it, such as `public`",
            )


def nearest_existing(path: Path) -> Path:
    """`path` made absolute, or its nearest parent that exists (an output folder may not
    exist yet; what it will be made in tells what it may be)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def read_manifest(out: Path) -> dict[str, str]:
    """Our previous output: path -> hash. A torn or foreign manifest is discarded, not trusted."""
    try:
        return parse_manifest((out / MANIFEST).read_bytes())
    except OSError:
        return {}


def parse_manifest(raw: bytes) -> dict[str, str]:
    """A manifest's bytes as read_manifest takes them (for a caller that hashed them)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


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


class Manifest:
    """An output folder's manifest, with its JSON kept as one encoded piece per file.

    At 100,000 entries the manifest is 11 MB of JSON, and encoding it costs a quarter of
    a second: an in-place edit instead re-encodes the files it changed and joins the
    pieces, which gives the same bytes as `json.dumps(..., sort_keys=True)`.
    """

    def __init__(self, hashes: dict[str, str]) -> None:
        self.hashes = hashes
        self._paths: list[str] | None = None  # sorted, beside their pieces
        self._pieces: list[bytes] = []

    def update(self, changed: Mapping[str, str], removed: Iterable[str]) -> None:
        """Take the new hashes of `changed` and drop `removed`."""
        self._encoded()
        paths, pieces = self._paths, self._pieces
        assert paths is not None
        for path, digest in changed.items():
            at = bisect.bisect_left(paths, path)
            piece = _piece(path, digest)
            if at < len(paths) and paths[at] == path:
                pieces[at] = piece
            else:
                paths.insert(at, path)
                pieces.insert(at, piece)
            self.hashes[path] = digest
        for path in removed:
            at = bisect.bisect_left(paths, path)
            if at < len(paths) and paths[at] == path:
                del paths[at], pieces[at]
            self.hashes.pop(path, None)

    def replace(self, hashes: dict[str, str]) -> None:
        """Take a whole new manifest (encoded again when asked for)."""
        self.hashes, self._paths, self._pieces = dict(hashes), None, []

    def encode(self) -> bytes:
        self._encoded()
        files = b"{" + b", ".join(self._pieces) + b"}"
        return b'{"files": ' + files + b', "version": ' + str(MANIFEST_VERSION).encode() + b"}"

    def _encoded(self) -> None:
        if self._paths is None:
            self._paths = sorted(self.hashes)
            self._pieces = [_piece(p, self.hashes[p]) for p in self._paths]


def _piece(path: str, digest: str) -> bytes:
    return f"{json.dumps(path)}: {json.dumps(digest)}".encode()


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
        self._stage = _sibling(out, "stage" if self.in_place else "spare")
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
        if self.old.get(path) == digest and _is_file(self.out / path):
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
            raise _write_error(exc, self.out, stage=self._spare()) from exc

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
                stats.manifest_hash = self._commit_in_place(removed, _encode_manifest(hashes))
            else:
                stats.manifest_hash = self._commit_staged(hashes, before_swap)
        except OSError as exc:
            self.abort()
            raise _write_error(exc, self.out, self._recorded, self._spare()) from exc
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
            raise _write_error(exc, self.out, self._recorded, self._spare()) from exc
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
                _remove_tree(self._stage)
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
        _create(self._stage / _COMMIT, json.dumps({"moves": moves, "removed": removed}).encode())
        self._recorded = True
        _finish_moves(self._stage, self.out, moves, removed)
        self._recorded = False
        self._tidy()
        return hash_bytes(manifest)

    def _tidy(self) -> None:
        if self._made_stage or self.in_place:
            _remove_tree(self._stage)

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
            if rel not in self.old and rel not in hashes and rel not in (MANIFEST, _MANIFEST_TMP)
        }
        # What the spare holds that the new site does not: gone, and folders left empty.
        emptied = {folder[:-1] for folder in spare.folders if folder.endswith("/")}
        for rel in spare.entries:
            if rel not in hashes and rel not in foreign and rel != MANIFEST:
                (stage / rel).unlink(missing_ok=True)
                emptied.add(posixpath.dirname(rel))
        for folder in sorted(emptied, key=lambda f: -f.count("/")):
            if folder:
                _prune_empty_parents(stage / folder, stage)
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
        _swap_in(stage, out)
        self._made_stage = False  # it now holds the old site: the next build's spare
        return hash_bytes(manifest)

    def _ready_stage(self) -> None:
        """Make sure the stage is a real folder of ours (a first build creates it)."""
        if self._stage_ready:
            return
        found = _lstat(self._stage)
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
        found = _lstat(target)
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
        found = _lstat(path)
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


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _is_file(path: Path) -> bool:
    found = _lstat(path)
    return found is not None and stat.S_ISREG(found.st_mode)


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
    found = _lstat(path)
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


def _encode_manifest(hashes: dict[str, str]) -> bytes:
    return json.dumps({"version": MANIFEST_VERSION, "files": hashes}, sort_keys=True).encode()


def _write_manifest(folder: Path, hashes: dict[str, str]) -> bytes:
    tmp = folder / _MANIFEST_TMP
    _clear(tmp)
    data = _encode_manifest(hashes)
    _create(tmp, data)
    os.replace(tmp, folder / MANIFEST)
    return data


def _prune_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _write_error(
    exc: OSError, out: Path, recorded: bool = False, stage: Path | None = None
) -> DigestError:
    """What to tell of a failed write; `recorded`: an in-place commit had begun its moves.
    A file of the `stage` is named as the output file it was to become."""
    left = "the next build completes the update" if recorded else "the site was left as it was"
    named = Path(exc.filename) if exc.filename else out
    if stage is not None and named.is_relative_to(stage):
        named = out / named.relative_to(stage)
    # The OS names the file from the current folder, not from the site root as error
    # paths are: made absolute, the CLI does not put the root in front of it again.
    where = os.path.abspath(named)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # a full disk is not the site's fault
        return DigestError(
            f"no space left on device while writing {where}",
            hint=f"free some space; {left}",
        )
    if exc.errno == errno.ENAMETOOLONG:
        return DigestError(
            "cannot write the output folder: a file name in this path is longer than the "
            "file system allows (usually 255 bytes a name)",
            where,
            hint="give the entry, person or topic a shorter `slug:`, or write the output "
            f"to a folder with a shorter path; {left}",
        )
    return DigestError(
        f"cannot write the output folder: {exc.strerror or exc}",
        where,
        hint=f"check free disk space and that you may write there; {left}",
    )


output_error = _write_error  # for the other steps that write beside the output (search)


def recover_interrupted(out: Path) -> None:
    """Undo what a build killed mid-swap left: restore the old site, drop the stage;
    or finish the moves of an in-place commit that had recorded them.

    A spare left half brought up to date needs nothing: the next build compares it anew.
    """
    old = _sibling(out, "old")
    if old.is_dir() and not out.exists():
        os.replace(old, out)
    _remove_tree(old)
    stage = _sibling(out, "stage")
    try:
        record = json.loads((stage / _COMMIT).read_bytes())
        moves, removed = record["moves"], record["removed"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no record: the commit never began, and the site is the old one
    else:
        log.warning("finishing the output writes of an interrupted build in %s", out)
        _finish_moves(stage, out, moves, removed)
    _remove_tree(stage)


def _finish_moves(stage: Path, out: Path, moves: list[tuple[str, str]], removed: list[str]) -> None:
    """Move each waiting file still in the stage to its place, then remove the gone;
    done again after an interruption, it picks up where the first pass stopped."""
    for name, path in moves:
        waiting, target = stage / name, out / path
        if not _is_file(waiting):
            continue  # moved before the interruption
        try:
            os.replace(waiting, target)
        except FileNotFoundError:  # a new folder (or the waiting file went: raise again)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(waiting, target)
    for path in removed:
        target = out / path
        target.unlink(missing_ok=True)
        _prune_empty_parents(target.parent, out)


def _sibling(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.digest-{what}"


def _swap_in(stage: Path, out: Path) -> None:
    if not out.exists() and not out.is_symlink():
        os.replace(stage, out)
        return
    if _exchange(stage, out):
        return  # the stage now holds the old site
    old = _sibling(out, "old")
    os.replace(out, old)  # killed right here? recover_interrupted() restores it next time
    os.replace(stage, out)
    _remove_tree(old)


_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where unsupported."""
    if _renameat2 is None:
        return False
    at_fdcwd = -100
    result = _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
