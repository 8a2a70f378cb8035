"""Find the site's inputs: entries under content/, its registries, templates and static files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ENTRY_SUFFIXES = (".md", ".markdown", ".txt")
# Editors' swap, backup and atomic-save files are never content (vim, emacs, JetBrains, VS Code).
_TEMP_NAME = re.compile(
    r"""(^\.|^\#.*\#$|~$|\.sw[a-p]$|\.tmp$|\.bak$|\.orig$|___jb_(tmp|old|bak)___$|
    ^4913$|\.crswap$|\.part$|\.kate-swp$)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class SourceFile:
    """One input file and the stat fields that tell a later build whether it changed."""

    # The file as found: the walk keeps the string (a Path for each of 10,000 files
    # costs 20 ms a build), `path` makes one when the file is read.
    location: str | Path
    rel: str  # relative to the site root, with forward slashes
    size: int
    mtime_ns: int
    ctime_ns: int = 0  # no tool can set it back, so an edit always shows here
    inode: int = 0

    @property
    def path(self) -> Path:
        return Path(self.location)

    @property
    def stamp(self) -> tuple[int, int, int, int]:
        return (self.size, self.mtime_ns, self.ctime_ns, self.inode)


def is_ignored_name(name: str) -> bool:
    """True for hidden files and editors' temporary files."""
    return bool(_TEMP_NAME.search(name))


def walk_files(folder: Path, root: Path) -> list[SourceFile]:
    """Every non-ignored file below `folder`, sorted, following symlinks only inside `root`.

    Uses scandir, whose entries carry the file type, so a plain file costs one stat.
    """
    found: list[SourceFile] = []
    if not folder.is_dir():
        return found
    real_root = os.path.realpath(root)
    rel = os.path.relpath(folder, root).replace(os.sep, "/")
    seen = {os.path.realpath(folder)}
    _walk(str(folder), "" if rel == "." else rel + "/", real_root, seen, found)
    return found


def _walk(
    folder: str, rel_dir: str, real_root: str, seen: set[str], found: list[SourceFile]
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:  # vanished or unreadable: nothing to build from it
        return
    subfolders = []
    for entry in entries:
        if is_ignored_name(entry.name):
            continue
        link = entry.is_symlink()
        if link and not _inside(entry.path, real_root):
            continue
        try:
            if entry.is_dir():
                real = os.path.realpath(entry.path) if link else entry.path
                if real not in seen:  # a linked folder is read once; a link loop ends here
                    seen.add(real)
                    subfolders.append((entry.path, f"{rel_dir}{entry.name}/"))
                continue
            stat = entry.stat()
        except OSError:  # vanished between listing and stat: an editor's save in flight
            continue
        found.append(
            SourceFile(
                entry.path,
                rel_dir + entry.name,
                stat.st_size,
                stat.st_mtime_ns,
                stat.st_ctime_ns,
                stat.st_ino,
            )
        )
    for sub, sub_rel in subfolders:
        _walk(sub, sub_rel, real_root, seen, found)


def _inside(path: str, real_root: str) -> bool:
    """Symlinks may point anywhere inside the site root, never outside it."""
    try:
        real = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link
        return False
    return real == real_root or real.startswith(os.path.join(real_root, ""))


def find_entries(root: Path) -> list[SourceFile]:
    """The entry files of a site: Markdown and raw text anywhere under content/."""
    return [f for f in walk_files(root / "content", root) if f.rel.endswith(ENTRY_SUFFIXES)]
