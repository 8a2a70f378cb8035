"""What an output folder may be, and what to say when writing to it fails."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from generator.errors import DigestError, display_path
from generator.model import Entry, Site, Subject
from generator.output.manifest import MANIFEST


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


def output_error(
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


def names_too_long(site: Site, out: Path) -> list[DigestError]:
    """Pages whose file or folder name the file system would refuse (ENAMETOOLONG), named
    by the entry or registry that gives the name, before anything is written."""
    try:
        limit = os.pathconf(nearest_existing(out), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    errors = []
    items: list[Entry | Subject] = [*site.entries, *site.subjects()]
    for item in items:
        if len(item.output.encode()) <= limit:  # no part can be longer than the whole
            continue
        longest = max(item.output.split("/"), key=lambda part: len(os.fsencode(part)))
        size = len(os.fsencode(longest))
        if size > limit:
            line = item.line_of("slug") if isinstance(item, Entry) else item.line
            errors.append(
                DigestError(
                    f"this gives its page a file name {size} bytes long ({longest[:40]}…), "
                    f"more than the file system allows ({limit})",
                    item.path,
                    line,
                    "give it a shorter `slug:`",
                )
            )
    return errors
