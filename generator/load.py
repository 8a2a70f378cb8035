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

    path: Path
    rel: str  # relative to the site root, with forward slashes
    size: int
    mtime_ns: int
    ctime_ns: int = 0  # no tool can set it back, so an edit always shows here
    inode: int = 0

    @property
    def stamp(self) -> tuple[int, int, int, int]:
        return (self.size, self.mtime_ns, self.ctime_ns, self.inode)


def is_ignored_name(name: str) -> bool:
    """True for hidden files and editors' temporary files."""
    return bool(_TEMP_NAME.search(name))


def walk_files(folder: Path, root: Path) -> list[SourceFile]:
    """Every non-ignored file below `folder`, sorted, following symlinks only inside `root`."""
    found: list[SourceFile] = []
    if not folder.is_dir():
        return found
    real_root = root.resolve()
    seen = {folder.resolve()}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            real = (here / d).resolve()
            if not is_ignored_name(d) and _inside(here / d, real_root) and real not in seen:
                seen.add(real)  # a linked folder is read once, and a link loop ends here
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            if is_ignored_name(name) or not _inside(path, real_root):
                continue
            try:
                stat = path.stat()
            except OSError:  # vanished between listing and stat: an editor's save in flight
                continue
            rel = path.relative_to(root).as_posix()
            found.append(
                SourceFile(path, rel, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
            )
    return found


def _inside(path: Path, real_root: Path) -> bool:
    """Symlinks may point anywhere inside the site root, never outside it."""
    if not path.is_symlink():
        return True
    try:
        return path.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # a dangling or looping link
        return False


def find_entries(root: Path) -> list[SourceFile]:
    """The entry files of a site: Markdown and raw text anywhere under content/."""
    return [f for f in walk_files(root / "content", root) if f.rel.endswith(ENTRY_SUFFIXES)]
