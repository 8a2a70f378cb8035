"""The pipeline: load → parse → index → render → write."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Config, load_config
from generator.errors import BuildFailed, DigestError
from generator.index import build_index
from generator.load import SourceFile, find_entries, walk_files
from generator.model import Entry, Person, Site, Topic
from generator.parse import decode, parse_entry
from generator.registry import PEOPLE_FILE, TOPICS_FILE, parse_people, parse_topics
from generator.render import THEME_STATIC, make_environment, plan_pages, render_page, template_dirs
from generator.write import WriteStats, check_output_folder, commit_site

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    site: Site
    config: Config
    pages: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    write: WriteStats | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return self.site.warnings


def build_site(
    root: Path, output: Path | None = None, *, drafts: bool = False, write: bool = True
) -> BuildResult:
    """Build the site at `root`; raise BuildFailed listing every problem found."""
    timings: dict[str, float] = {}
    with _timed(timings, "load"):
        config = load_config(root)
        out = _output_folder(root, config, output)
        sources = find_entries(root)
    with _timed(timings, "parse"):
        entries, errors = parse_sources(sources, config)
        people, topics = read_registries(root, errors)
    if errors:
        raise BuildFailed(errors)
    with _timed(timings, "index"):
        site = build_index(entries, people, topics, config, drafts=drafts)
    with _timed(timings, "render"):
        files = render_site(root, site, config)
        files.update(collect_static(root, files))
    result = BuildResult(site, config, pages=len(files), files=files, timings=timings)
    if write:
        with _timed(timings, "write"):
            result.write = commit_site(out, files)
    return result


def _output_folder(root: Path, config: Config, output: Path | None) -> Path:
    out = output if output is not None else root / config.output
    check_output_folder(out, root)
    return out


def parse_sources(
    sources: list[SourceFile], config: Config
) -> tuple[list[Entry], list[DigestError]]:
    """Parse every entry, keeping going past bad ones so all problems are reported at once."""
    entries: list[Entry] = []
    errors: list[DigestError] = []
    for source in sources:
        try:
            entries.append(parse_entry(source.rel, source.path.read_bytes(), config.tz))
        except DigestError as exc:
            errors.append(exc)
        except BuildFailed as exc:
            errors.extend(exc.errors)
        except OSError as exc:
            errors.append(DigestError(f"cannot read the file: {exc.strerror}", source.rel))
    return entries, errors


def read_registries(root: Path, errors: list[DigestError]) -> tuple[list[Person], list[Topic]]:
    """Read the people and topics registries; a broken one is reported, not fatal yet."""
    people: list[Person] = []
    topics: list[Topic] = []
    for name, parser, into in (
        (PEOPLE_FILE, parse_people, people),
        (TOPICS_FILE, parse_topics, topics),
    ):
        path = root / "content" / name
        if not path.is_file():
            continue
        rel = f"content/{name}"
        try:
            into.extend(parser(rel, decode(rel, path.read_bytes())))
        except DigestError as exc:
            errors.append(exc)
    return people, topics


def render_site(root: Path, site: Site, config: Config) -> dict[str, bytes]:
    """Render every page; a broken template is reported once, not once per page."""
    env = make_environment(root, config)
    files: dict[str, bytes] = {}
    errors: dict[str, DigestError] = {}
    for page in plan_pages(site, config):
        try:
            files[page.output] = render_page(env, page, root).encode("utf-8")
        except DigestError as exc:
            errors.setdefault(str(exc).split(" (while rendering")[0], exc)
    if errors:
        raise BuildFailed(errors.values())
    return files


def collect_static(root: Path, pages: dict[str, bytes]) -> dict[str, bytes]:
    """The theme's assets under theme/, then the site's static/ copied to the output root."""
    files: dict[str, bytes] = {}
    for folder in reversed(template_dirs(root)):  # the site's own theme files win
        for source in walk_files(folder / THEME_STATIC, folder):
            files["theme/" + source.rel.split("/", 1)[1]] = source.path.read_bytes()
    errors = []
    for source in walk_files(root / "static", root):
        target = source.rel.split("/", 1)[1]
        if target in pages or target in files:
            errors.append(
                DigestError(
                    f"this static file would replace the generated /{target}",
                    source.rel,
                    hint="rename or move it",
                )
            )
        files[target] = source.path.read_bytes()
    if errors:
        raise BuildFailed(errors)
    return files


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
