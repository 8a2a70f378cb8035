"""Making a new version of the output folder the live one, so that a killed build never
leaves a mixed site: the stage and the site are exchanged in one atomic rename, or the
moves of an in-place commit are recorded first and finished by the next build."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import stat
from pathlib import Path

log = logging.getLogger(__name__)

COMMIT = "commit.json"  # in the stage of an in-place commit: the moves it makes


def recover_interrupted(out: Path) -> None:
    """Undo what a build killed mid-swap left: restore the old site, drop the stage;
    or finish the moves of an in-place commit that had recorded them.

    A spare left half brought up to date needs nothing: the next build compares it anew.
    """
    old = sibling(out, "old")
    if old.is_dir() and not out.exists():
        os.replace(old, out)
    remove_tree(old)
    stage = sibling(out, "stage")
    try:
        record = json.loads((stage / COMMIT).read_bytes())
        moves, removed = record["moves"], record["removed"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no record: the commit never began, and the site is the old one
    else:
        log.warning("finishing the output writes of an interrupted build in %s", out)
        finish_moves(stage, out, moves, removed)
    remove_tree(stage)


def finish_moves(stage: Path, out: Path, moves: list[tuple[str, str]], removed: list[str]) -> None:
    """Move each waiting file still in the stage to its place, then remove the gone;
    done again after an interruption, it picks up where the first pass stopped."""
    for name, path in moves:
        waiting, target = stage / name, out / path
        if not is_file(waiting):
            continue  # moved before the interruption
        try:
            os.replace(waiting, target)
        except FileNotFoundError:  # a new folder (or the waiting file went: raise again)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(waiting, target)
    for path in removed:
        target = out / path
        target.unlink(missing_ok=True)
        prune_empty_parents(target.parent, out)


def sibling(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.digest-{what}"


def swap_in(stage: Path, out: Path) -> None:
    if not out.exists() and not out.is_symlink():
        os.replace(stage, out)
        return
    if _exchange(stage, out):
        return  # the stage now holds the old site
    old = sibling(out, "old")
    os.replace(out, old)  # killed right here? recover_interrupted() restores it next time
    os.replace(stage, out)
    remove_tree(old)


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


def remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def is_file(path: Path) -> bool:
    found = lstat(path)
    return found is not None and stat.S_ISREG(found.st_mode)


def prune_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
