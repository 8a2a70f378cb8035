"""Every input file of a site, stat'ed once per build: entries, registries, templates,
theme assets, static files and the settings."""

from __future__ import annotations

import os
import stat
from collections.abc import Container
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.config import CONFIG_NAME, Config
from generator.errors import DigestError
from generator.render.templates import THEME_STATIC, template_dirs, theme_dir
from generator.source.load import (
    ENTRY_SUFFIXES,
    Links,
    SourceFile,
    is_ignored_name,
    misplaced_folders,
    unreadable,
    walk_files,
)

REGISTRIES = ("people.yaml", "topics.yaml")
REGISTRY_FILES = frozenset(f"content/{name}" for name in REGISTRIES)


@dataclass
class Inputs:
    """Every input file of a site, stat'ed once per build."""

    entries: list[SourceFile]
    registries: list[SourceFile]
    templates: list[SourceFile]
    theme_static: dict[str, SourceFile]  # output path -> theme asset
    site_static: dict[str, SourceFile]  # output path -> file under static/
    config: list[SourceFile]
    # Links out of the site, unreadable folders and files, folders named as templates.
    problems: list[DigestError] = field(default_factory=list)

    def all(self) -> list[SourceFile]:
        return [
            *self.entries,
            *self.registries,
            *self.templates,
            *self.theme_static.values(),
            *self.site_static.values(),
            *self.config,
        ]

    def readable(self, hashes: dict[str, str]) -> Inputs:
        """These inputs less the files that could not be read (those `hashes` lacks)."""
        if len(hashes) == len(self.all()):
            return self
        return Inputs(
            [f for f in self.entries if f.rel in hashes],
            [f for f in self.registries if f.rel in hashes],
            [f for f in self.templates if f.rel in hashes],
            {k: f for k, f in self.theme_static.items() if f.rel in hashes},
            {k: f for k, f in self.site_static.items() if f.rel in hashes},
            [f for f in self.config if f.rel in hashes],
            self.problems,
        )


def scan_inputs(root: Path, config: Config) -> Inputs:
    """Stat every input once: content, registries, templates, theme assets, static, config.

    Links may lead anywhere inside the site, and a site template also into the theme;
    out of them only with `allow_outside_links` (see load.Links)."""
    problems: list[DigestError] = []
    links = Links.inside(root, anywhere=config.allow_outside_links)
    content = walk_files(root / "content", root, links=links, problems=problems)
    templates: list[SourceFile] = []
    static: dict[str, SourceFile] = {}  # output path -> source; later folders win
    theme_files: set[str] = set()
    for folder in reversed(template_dirs(root)):
        if folder == theme_dir():
            found = walk_files(folder, folder)  # the installed theme: links inside it only
            theme_files = {f.rel for f in found}
            named = [replace(f, rel=f"<theme>/{f.rel}") for f in found]
            inner = [f.rel for f in found]
        else:
            folders: list[str] = []
            template_links = Links.inside(root, theme_dir(), anywhere=links.anywhere)
            named = walk_files(folder, root, links=template_links, problems=problems,
                               folders=folders)  # fmt: skip
            inner = [f.rel.split("/", 1)[1] for f in named]
            problems += misplaced_folders(folders, theme_files)
        for source, rel in zip(named, inner, strict=True):
            if rel.startswith(THEME_STATIC + "/"):
                static["theme/" + rel.split("/", 1)[1]] = source
            else:
                templates.append(source)
    site_static = {
        s.rel.split("/", 1)[1]: s
        for s in walk_files(root / "static", root, links=links, problems=problems)
    }
    return Inputs(
        entries=[f for f in content if f.rel.endswith(ENTRY_SUFFIXES)],
        registries=[f for f in content if f.rel in REGISTRY_FILES],
        templates=templates,
        theme_static=static,
        site_static=site_static,
        config=_config_file(root),
        problems=problems,
    )


def _config_file(root: Path) -> list[SourceFile]:
    path = root / CONFIG_NAME
    try:
        info = path.stat()
    except OSError:
        return []
    stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    return [SourceFile(path, CONFIG_NAME, *stamp)]


def edited_entries(
    root: Path, changed: list[str], known: Container[str]
) -> list[SourceFile] | None:
    """The entry files among `changed`, stat'ed again; None if any path is something else
    (a new, deleted or ignored file, a registry, a template): that takes a full build.
    `known` holds the inputs the last build had."""
    found = []
    for name in dict.fromkeys(changed):
        path = Path(name) if os.path.isabs(name) else root / name
        try:
            rel = path.relative_to(root).as_posix()
            info = os.lstat(path)
        except (ValueError, OSError):
            return None
        parts = rel.split("/")
        if (
            parts[0] != "content" or not rel.endswith(ENTRY_SUFFIXES) or rel in REGISTRY_FILES
            or rel not in known or any(is_ignored_name(p) for p in parts)
            or not stat.S_ISREG(info.st_mode)
        ):  # fmt: skip
            return None
        stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        found.append(SourceFile(path, rel, *stamp))
    return found


def read_source(source: SourceFile) -> bytes:
    try:
        return source.path.read_bytes()
    except OSError as exc:
        raise unreadable(exc, source.rel) from exc


def skippable(error: DigestError, registries: set[str]) -> bool:
    """With --keep-going, a broken entry (or a folder of entries) is left out; a broken
    or unreadable registry, template, static file or setting stops the build."""
    path = error.path or ""
    # Found or not: an unreadable registry is not among `registries`.
    return path.startswith("content/") and path not in registries and path not in REGISTRY_FILES
