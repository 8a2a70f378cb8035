"""Find the site's inputs: entries under content/, its registries, templates and static files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildFailed, DigestError

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


@dataclass(frozen=True)
class Links:
    """Where symbolic links among the inputs may lead: inside `roots` (real paths), or,
    with `allow_outside_links = true`, anywhere. Content, templates and static files,
    and the template loader, all ask this one rule."""

    roots: tuple[str, ...]
    anywhere: bool = False

    @classmethod
    def inside(cls, *folders: Path | str, anywhere: bool = False) -> Links:
        return cls(tuple(os.path.realpath(f) for f in folders), anywhere)

    def allows(self, real: str) -> bool:
        """True when the real path `real` lies inside one of the roots (or anywhere goes)."""
        return self.anywhere or any(
            real == r or real.startswith(os.path.join(r, "")) for r in self.roots
        )

    def refusal(self, rel: str, real: str) -> DigestError:
        """The error for an input at `rel` whose link leads to `real`, outside the roots."""
        where = "the site" if len(self.roots) == 1 else "the site and the theme"
        return DigestError(
            f"this is a symbolic link to {real}, outside {where}; digest does not follow it",
            rel,
            hint="copy the file into the site, or set `allow_outside_links = true` in "
            "digest.toml to follow links that lead out of it",
        )


def walk_files(
    folder: Path,
    root: Path,
    *,
    links: Links | None = None,
    problems: list[DigestError] | None = None,
    folders: list[str] | None = None,
) -> list[SourceFile]:
    """Every non-ignored file below `folder`, sorted; symlinks are followed as `links`
    allows (by default: inside `root`).

    A link that leads elsewhere, or a folder or file that cannot be read, is a problem
    named by its path: appended to `problems`, or raised (as BuildFailed) when none is
    given, never skipped in silence. A dangling or looping link is no file and is
    skipped. `folders` collects the sub-folders walked (relative to `root`).
    Uses scandir, whose entries carry the file type, so a plain file costs one stat.
    """
    found: list[SourceFile] = []
    if not folder.is_dir():
        return found
    walk = _Walk(links or Links.inside(root), [], found, folders)
    rel = os.path.relpath(folder, root).replace(os.sep, "/")
    real = os.path.realpath(folder)
    if not walk.links.allows(real):  # the folder itself is a link out (`content -> /data`)
        walk.problems.append(walk.links.refusal(rel, real))
    else:
        walk.seen.add(real)
        walk.folder(str(folder), rel, "" if rel == "." else rel + "/")
    if problems is not None:
        problems.extend(walk.problems)
    elif walk.problems:
        raise BuildFailed(walk.problems)
    return found


@dataclass
class _Walk:
    links: Links
    problems: list[DigestError]
    found: list[SourceFile]
    folders: list[str] | None
    seen: set[str] = field(default_factory=set)

    def folder(self, folder: str, rel: str, rel_dir: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:  # vanished since it was listed: nothing to build from it
            return
        except OSError as exc:
            self.problems.append(unreadable(exc, rel, "folder"))
            return
        subfolders = []
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            rel_path = rel_dir + entry.name
            if entry.is_symlink():
                try:
                    real = os.path.realpath(entry.path, strict=True)
                except (OSError, RuntimeError):  # a dangling or looping link: no file
                    continue
                if not self.links.allows(real):
                    self.problems.append(self.links.refusal(rel_path, real))
                    continue
            else:
                real = entry.path
            try:
                if entry.is_dir():
                    if real not in self.seen:  # a linked folder is read once; a loop ends here
                        self.seen.add(real)
                        subfolders.append((entry.path, rel_path))
                    continue
                stat = entry.stat()
            except FileNotFoundError:  # vanished between listing and stat: a save in flight
                continue
            except OSError as exc:
                self.problems.append(unreadable(exc, rel_path, "file"))
                continue
            self.found.append(
                SourceFile(
                    entry.path,
                    rel_path,
                    stat.st_size,
                    stat.st_mtime_ns,
                    stat.st_ctime_ns,
                    stat.st_ino,
                )
            )
        for sub, sub_rel in subfolders:
            if self.folders is not None:
                self.folders.append(sub_rel)
            self.folder(sub, sub_rel, sub_rel + "/")


def unreadable(exc: OSError, rel: str, kind: str = "file") -> DigestError:
    """A folder or file the build may not read: its entries would vanish from the site."""
    return DigestError(
        f"cannot read this {kind}: {exc.strerror or exc}",
        rel,
        hint="make it readable for the user who builds (chmod -R u+rX on it), "
        "or move it out of the site",
    )


def find_entries(root: Path, problems: list[DigestError] | None = None) -> list[SourceFile]:
    """The entry files of a site: Markdown and raw text anywhere under content/."""
    found = walk_files(root / "content", root, problems=problems)
    return [f for f in found if f.rel.endswith(ENTRY_SUFFIXES)]


# Names Jinja templates have: a folder so named is a template file gone wrong.
_TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".json", ".txt", ".j2", ".jinja", ".jinja2")


def misplaced_folders(folders: list[str], theme_files: set[str]) -> list[DigestError]:
    """Folders under templates/ where a template file belongs (`templates/entry.html/`):
    the template loader passes over a folder without a word and uses the theme's file.

    `folders` are relative to the site root; `theme_files` relative to the theme."""
    problems = []
    for rel in folders:
        inner = rel.split("/", 1)[1]
        if inner in theme_files:
            message = f"this is a folder, so the theme's own {inner} is used instead of it"
        elif inner.endswith(_TEMPLATE_SUFFIXES) and not inner.startswith("static/"):
            message = "this is a folder named like a template file; a template must be a file"
        else:
            continue
        problems.append(
            DigestError(message, rel, hint="replace the folder with a file of that name")
        )
    return problems
