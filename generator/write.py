"""Write the output folder all at once: stage the new site beside it, then swap it in.

A build that fails or is killed before the swap leaves the old site exactly as it was.
Unchanged files are hard-linked into the stage, so their mtime survives and deploy tools
that sync by mtime upload only what changed. Files `digest` did not write (a deploy repo's
`.git`, a `CNAME`) are carried over untouched: we delete only what our manifest lists.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.digests import hash_bytes
from generator.errors import DigestError

log = logging.getLogger(__name__)

MANIFEST = ".digest-manifest.json"
MANIFEST_VERSION = 1


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    changed: list[str] = field(default_factory=list)  # output paths whose bytes changed
    removed_paths: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # the manifest written


def check_output_folder(out: Path, root: Path) -> None:
    """Refuse an output folder whose replacement would wipe the site's own sources."""
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


def read_manifest(out: Path) -> dict[str, str]:
    """Our previous output: path -> hash. A torn or foreign manifest is discarded, not trusted."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if data.get("version") != MANIFEST_VERSION or not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def commit_site(
    out: Path,
    files: dict[str, bytes],
    keep: dict[str, str] | None = None,
    *,
    in_place: bool = False,
) -> WriteStats:
    """Make `out` hold `files`, the `keep` files already there, and its foreign files.

    `keep` maps outputs the caller did not regenerate to their hashes in the manifest.
    With `in_place`, changed files are replaced one by one (each atomically) instead of
    swapping the whole folder: the live preview does this behind a lock, for speed.
    """
    recover_interrupted(out)
    old = read_manifest(out)
    keep = keep or {}
    hashes = {**keep, **{path: hash_bytes(data) for path, data in files.items()}}
    changed = sorted(p for p in files if old.get(p) != hashes[p] or not (out / p).is_file())
    removed = sorted(p for p in old if p not in hashes)
    stats = WriteStats(written=len(changed), unchanged=len(hashes) - len(changed))
    stats.hashes = hashes
    stats.removed, stats.changed, stats.removed_paths = len(removed), changed, removed
    if out.is_dir() and not changed and not removed and hashes == old:
        return stats
    try:
        if in_place and out.is_dir():
            _write_in_place(out, files, changed, removed, hashes)
        else:
            _write_staged(out, files, set(changed), hashes, old)
    except OSError as exc:
        _remove_tree(_sibling(out, "stage"))
        raise DigestError(
            f"cannot write the output folder: {exc.strerror or exc}",
            exc.filename or out,
            hint="check free disk space and that you may write there; the old site is untouched",
        ) from exc
    return stats


def _write_staged(
    out: Path,
    files: dict[str, bytes],
    changed: set[str],
    hashes: dict[str, str],
    old: dict[str, str],
) -> None:
    stage = _sibling(out, "stage")
    _remove_tree(stage)
    stage.mkdir(parents=True)
    made: set[Path] = set()
    for path in sorted(hashes):
        target = stage / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if path not in changed and _link(out / path, target):
            continue
        if path not in files:
            raise OSError(2, "a kept output file vanished during the build", str(out / path))
        target.write_bytes(files[path])
    _carry_foreign_files(out, stage, old, hashes)
    _write_manifest(stage, hashes)
    _swap_in(stage, out)


def _write_in_place(
    out: Path,
    files: dict[str, bytes],
    changed: list[str],
    removed: list[str],
    hashes: dict[str, str],
) -> None:
    for path in changed:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.digest-tmp")
        tmp.write_bytes(files[path])
        os.replace(tmp, target)
    for path in removed:
        target = out / path
        target.unlink(missing_ok=True)
        _prune_empty_parents(target.parent, out)
    _write_manifest(out, hashes)


def _write_manifest(folder: Path, hashes: dict[str, str]) -> None:
    manifest = {"version": MANIFEST_VERSION, "files": hashes}
    tmp = folder / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _prune_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def recover_interrupted(out: Path) -> None:
    """Undo what a build killed mid-swap left: restore the old site, drop the stage."""
    old = _sibling(out, "old")
    if old.is_dir() and not out.exists():
        os.replace(old, out)
    _remove_tree(old)
    _remove_tree(_sibling(out, "stage"))


def _sibling(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.digest-{what}"


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
        return True
    except OSError:
        return False


def _carry_foreign_files(
    out: Path, stage: Path, old: dict[str, str], hashes: dict[str, str]
) -> None:
    """Hard-link every file we did not write into the stage, so the swap keeps it."""
    if not out.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(out):
        here = Path(dirpath)
        rel_dir = here.relative_to(out)
        for name in dirnames:
            if (here / name).is_symlink():
                _copy_entry(here / name, stage / rel_dir / name)
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel in old or rel in hashes or rel == MANIFEST:
                continue
            _copy_entry(here / name, stage / rel_dir / name)


def _copy_entry(source: Path, target: Path) -> None:
    """Carry one foreign file or link over; folders only come along with what they hold."""
    if target.exists() or target.is_symlink():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif not _link(source, target):
        shutil.copy2(source, target)


def _swap_in(stage: Path, out: Path) -> None:
    if not out.exists():
        os.replace(stage, out)
        return
    if _exchange(stage, out):
        _remove_tree(stage)  # it now holds the old site
        return
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
