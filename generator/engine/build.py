"""The pipeline: load → parse → scan → index → render → write, remembering what each made.

A `Builder` builds one site again and again, doing only the work an edit calls for. It is
made of the parts that carry one build over to the next:

- `StateStore` (state.py): the inputs' stamps and hashes, and each page's fingerprint;
- `Sources` (sources.py): parsed entries, registries and scans, by content hash;
- `Templates` (templates.py): what each template pulls in, and the compiled environment;
- after a full build, the live preview keeps the site in memory for its edits
  (`live_session`), and a cached `digest build` leaves it on disk for the next process
  to resume (`Resumed`, session.py);
- how the output is written: staged beside the site and swapped in (`digest build`), or
  committed in place behind the lock the live preview's requests wait on.

A build re-parses only files whose bytes changed, re-scans an entry only when its bytes or
the registries changed, and re-renders only pages whose fingerprint changed; when no input
file changed at all, it stops after comparing file stats.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from generator.config import Config, load_config
from generator.engine import cache
from generator.engine.inputs import Inputs, scan_inputs, skippable
from generator.engine.progress import Progress, Timings
from generator.engine.publish import publish, stale_pages
from generator.engine.result import BuildResult
from generator.engine.search import SearchStep, index_live_site
from generator.engine.session import Edits, EditSession, Resumed, live_session, snapshot_of
from generator.engine.sources import Sources
from generator.engine.state import STATE_FILE, State, StateStore, build_key
from generator.engine.templates import Templates
from generator.errors import BuildFailed, DigestError
from generator.index.index import build_index
from generator.model import Entry, Person, Site, Topic
from generator.newsroom.scan import Scan, Scanner, scan_notes
from generator.output.folder import check_output_folder, names_too_long
from generator.output.manifest import read_manifest
from generator.output.write import OutputWriter, WriteStats, open_output
from generator.render.feeds import NO_ADDRESS
from generator.render.pictures import with_pictures
from generator.render.plan import Plan
from generator.render.templates import theme_dir
from generator.source.load import SourceFile


@dataclass
class _Job:
    """One full build's inputs, as its stages fill them in."""

    config: Config
    out: Path
    inputs: Inputs
    state: State
    key: str
    scanned_ns: int
    hashes: dict[str, str] = field(default_factory=dict)  # rel -> content hash
    people: list[Person] = field(default_factory=list)  # the registries
    topics: list[Topic] = field(default_factory=list)


class Staged:
    """`digest build`: the new site is brought up to date beside the old one, then swapped in."""

    lock_wait: float | None = cache.LOCK_WAIT  # a second build waits this long, then stops
    trusted = False  # others may change the output between builds: check before reusing

    def open(self, out: Path, search: SearchStep | None) -> OutputWriter:
        return open_output(out)

    def written(self) -> None:
        pass


class InPlace:
    """The live preview: changed files are moved into the output one by one."""

    lock_wait: float | None = None  # the preview waits for as long as another build takes

    def __init__(self) -> None:
        self.trusted = False  # the output holds exactly what this builder last wrote

    def open(self, out: Path, search: SearchStep | None) -> OutputWriter:
        # The search index goes live with the pages or not at all: that takes the stage.
        return open_output(out, in_place=search is None)

    def written(self) -> None:
        self.trusted = True


class Builder:
    """Builds one site again and again, doing only the work an edit calls for."""

    def __init__(
        self,
        root: Path,
        output: Path | None = None,
        *,
        drafts: bool = False,
        future: bool = False,
        search: bool | None = None,
        keep_going: bool = False,
        use_cache: bool = True,
        in_place: bool = False,
        write_lock: AbstractContextManager[object] | None = None,
        autosave: bool = True,
        progress: Progress | None = None,
        state_file: str = STATE_FILE,
    ) -> None:
        self.root = root
        self.output = output
        self.drafts = drafts
        self.future = future
        self.search = search  # None: as digest.toml says
        self.keep_going = keep_going  # build the rest when some entries are broken
        # Entries whose problems fail the build even so: the live preview names those it
        # shows, so that a broken edit keeps the last good page rather than dropping it.
        self.protected: AbstractSet[str] = frozenset()
        self.progress = progress or Progress()  # by default one that shows nothing
        self.write_lock = write_lock or nullcontext()
        # Without the cache nothing is read from or written to `.digest-cache/` (but the
        # lock), and every page is rendered (`--full`). The live preview keeps its own
        # state (`state_file`), so a `digest build` after it still finds what it built
        # last, and saves it when it stops, not after every keystroke (`autosave`).
        folder = self.cache_dir if use_cache else None
        self.state = StateStore(folder, state_file, autosave=autosave)
        self.sources = Sources(folder, self.progress)
        self.templates = Templates(root, folder)
        self.writer: Staged | InPlace = InPlace() if in_place else Staged()
        edits = Edits(root, drafts, future, search, self.progress, self.write_lock)
        self.edits = edits
        # After a full build the live preview keeps the site in memory for its edits
        # (`live`); a cached `digest build` leaves it on disk for the next one (`resumed`).
        self.keeps_site = in_place
        self.live: EditSession | None = None
        self.resumed = (
            None
            if folder is None or in_place
            else Resumed(edits, folder, self.templates.environment)
        )

    @property
    def cache_dir(self) -> Path:
        return self.root / cache.CACHE_DIR

    def build(self, *, write: bool = True, changed: Iterable[str] | None = None) -> BuildResult:
        """Bring the output up to date; raise BuildFailed listing every problem found.

        `changed` names the files a watcher saw change (relative to the root): when they
        are all edits of existing entries that move nothing, the live preview applies
        them to the last build instead of building everything again (see delta.py).
        One build at a time writes a site (see `_lock`). Without `write` (`digest check`)
        everything is rendered in memory and nothing is written or kept.
        """
        with self._lock() if write else nullcontext():
            if changed is not None and write and self.live is not None:
                assert self.state.current is not None
                edited = self.live.apply(list(changed), self.state.current)
                if edited is not None:
                    return edited
            self.live = None  # it may be half-changed; a full build makes the next one
            return self._build(write)

    def _lock(self) -> AbstractContextManager[object]:
        """The site's build lock, which covers its cache and output: the live preview
        waits for as long as another build takes, `digest build` for cache.LOCK_WAIT
        seconds before it stops with the other's pid."""
        return cache.build_lock(self.cache_dir, wait=self.writer.lock_wait)

    def _build(self, write: bool) -> BuildResult:
        timings = Timings(self.progress)
        with timings.timed("load"):
            job = self._load()
            # Not for the live preview: it needs a whole site in memory for its edits;
            # nor with problems, which the full build reports.
            if write and not self.keeps_site and not job.inputs.problems:
                unchanged = self._unchanged(job, timings)
                if unchanged is not None:
                    return unchanged
        if write and self.resumed is not None and job.state.snapshot and not job.inputs.problems:
            resumed = self._resume(job, timings)
            if resumed is not None:
                return resumed
        with timings.timed("parse"):
            entries, errors = self._parse(job)
        skipped = self._give_up_or_skip(errors, registries=job.inputs.registries)
        with timings.timed("scan"):
            scans = self.sources.scan_entries(
                entries, job.hashes, self._scanner(job), drafts=self.drafts
            )
        with timings.timed("index"):
            site, skipped = self._index(entries, job, scans, skipped)
        with timings.timed("render"):
            plan = self._plan(site, job)
            manifest = read_manifest(job.out) if write else {}
            reuse = job.state.pages if job.state.key == job.key and self.state.reusable else {}
            stale = stale_pages(plan, reuse, manifest, job.out, self.writer.trusted)
            stale = with_pictures(stale, job.config)  # drawn for the pages being rendered only
            step = SearchStep.of(self.search, job.config, job.out, timings) if write else None
            output = self.writer.open(job.out, step) if write else None
            regenerated, keep = publish(
                self.root, job.config, stale, plan, job.inputs, job.hashes, manifest, job.out,
                self.templates.env, output, self.progress,
            )  # fmt: skip
        pages = len(regenerated) + len(keep)
        result = BuildResult(site, job.config, pages, timings=timings, out=job.out)
        result.rendered, result.regenerated = len(stale), regenerated
        result.tell_of(site)
        result.skipped = skipped
        result.notes = scan_notes(site.entries, scans)
        if output is None:
            return result
        with timings.timed("write"):
            with self.write_lock:  # the live preview serves nothing half-written
                result.write = output.finish(keep, step)  # the search index too
            self.writer.written()
        index_live_site(self.search, job.config, job.out, timings, step)
        self._hand_on(job, site, plan, result.write.hashes, skipped)
        return result

    def _load(self) -> _Job:
        """The settings, where the site goes, every input stat'ed, and the last state."""
        config = load_config(self.root)
        out = self.output if self.output is not None else self.root / config.output
        check_output_folder(out, self.root)
        scanned_ns = time.time_ns()
        inputs = scan_inputs(self.root, config)
        key = build_key(config.fingerprint(), self.drafts, self.future, out, theme_dir())
        return _Job(config, out, inputs, self.state.load(), key, scanned_ns)

    def _unchanged(self, job: _Job, timings: Timings) -> BuildResult | None:
        """ "Nothing changed", when no input file did and the output is what we wrote."""
        state = job.state
        if not self.state.unchanged(state, job.key, job.inputs, job.out, job.scanned_ns):
            return None
        kept = len(read_manifest(job.out))
        result = BuildResult(None, job.config, pages=kept, timings=timings, out=job.out)
        result.warnings = list(state.warnings)
        result.held_back = list(state.held_back)
        result.drafts_left_out = state.drafts_left_out
        result.write = WriteStats(unchanged=kept)
        index_live_site(self.search, job.config, job.out, timings)  # a stamp check if current
        return result

    def _resume(self, job: _Job, timings: Timings) -> BuildResult | None:
        """Entry edits applied to the snapshot the last build left (session.py)."""
        assert self.resumed is not None
        # A short process that reads a site whole: the collector would walk it again
        # and again and find nothing to free.
        with cache.collector_paused():
            result = self.resumed.build(
                job.state, job.key, job.inputs, job.out, job.scanned_ns, timings
            )
            if result is None:
                return None
            self._autosave()
            if not result.timings.get("search"):  # the edits' commit indexed them if it could
                index_live_site(self.search, result.config, job.out, result.timings)
            return result

    def _parse(self, job: _Job) -> tuple[list[Entry], list[DigestError]]:
        """Registries and entries, parsed anew only where their bytes are new; every
        problem found, to raise at once."""
        errors: list[DigestError] = list(job.inputs.problems)
        job.hashes = job.state.hash_files(job.inputs.all(), errors)
        job.inputs = job.inputs.readable(job.hashes)
        job.people, job.topics = self.sources.read_registries(
            job.inputs.registries, job.hashes, errors
        )
        self.sources.load_scans(job.inputs, job.hashes, job.config)
        # New entries are scanned by the workers parsing them (not with broken registries).
        entries = self.sources.parse_entries(
            job.inputs.entries, job.hashes, job.config, None if errors else self._scanner(job),
            errors, drafts=self.drafts,
        )  # fmt: skip
        return entries, errors

    def _scanner(self, job: _Job) -> Callable[[], Scanner]:
        """The build's registries compiled for scanning, when first asked for."""
        return partial(self.sources.scanner, job.people, job.topics)

    def _plan(self, site: Site, job: _Job) -> Plan:
        """Every page and its fingerprint; the templates are scanned again only when one
        of their files changed."""
        files = tuple(sorted((f.rel, job.hashes[f.rel]) for f in job.inputs.templates))
        plan = self.templates.plan(site, job.config, (job.key, files), job.state.templates)
        if "robots.txt" in job.inputs.site_static:  # the site's own wins over ours
            plan.pages = [p for p in plan.pages if p.output != "robots.txt"]
            plan.fingerprints.pop("robots.txt", None)
        return plan

    def _hand_on(
        self,
        job: _Job,
        site: Site,
        plan: Plan,
        written: dict[str, str],
        skipped: list[DigestError],
    ) -> None:
        """Leave what the next build needs: the state, the caches, and the site itself
        (in memory for the live preview's edits, on disk for the next `digest build`)."""
        pages = {o: (fp, written[o]) for o, fp in plan.fingerprints.items() if o in written}
        handed_on = not skipped and (self.keeps_site or self.resumed is not None)
        snap = snapshot_of(site, job.config, plan) if handed_on else None
        token = ""
        if snap is not None and self.resumed is not None:
            token = self.resumed.save(snap, (job.people, job.topics), self.sources.kept_scanner())
        self.state.remember(
            job.key, job.scanned_ns, job.inputs, job.hashes, pages, site, job.out, len(skipped),
            (self.templates.key, self.templates.info), token,
        )  # fmt: skip
        self._autosave()
        if snap is not None and self.keeps_site:
            assert self.templates.env is not None
            self.live = live_session(
                self.edits, snap, job.out, written, self.templates.env, self._scanner(job),
                self.sources,
            )  # fmt: skip

    def _give_up_or_skip(
        self, errors: list[DigestError], registries: list[SourceFile]
    ) -> list[DigestError]:
        """Raise every problem at once, unless told to keep going past broken entries."""
        registry_files = {f.rel for f in registries}
        fatal = [
            e
            for e in errors
            if not self.keep_going or not skippable(e, registry_files) or e.path in self.protected
        ]
        if fatal or (errors and not self.keep_going):
            raise BuildFailed(errors)
        return list(errors)

    def _index(
        self, entries: list[Entry], job: _Job, scans: dict[str, Scan], skipped: list[DigestError]
    ) -> tuple[Site, list[DigestError]]:
        """Index; with keep_going, leave out the entries index refuses and try again.
        Every problem is raised at once: those already `skipped` too."""
        left_out: list[DigestError] = []
        try:
            while True:
                try:
                    site = build_index(
                        entries, job.people, job.topics, job.config, drafts=self.drafts,
                        future=self.future, now=time.time(), scans=scans,
                    )  # fmt: skip
                    too_long = names_too_long(site, job.out)
                    if too_long:
                        raise BuildFailed(too_long)
                    if not job.config.origin:
                        site.warnings.append(NO_ADDRESS)
                    break
                except BuildFailed as failed:
                    broken = {e.path for e in failed.errors}
                    kept = [e for e in entries if e.path not in broken]
                    if not self.keep_going or len(kept) == len(entries) or broken & self.protected:
                        raise
                    left_out.extend(failed.errors)
                    entries = kept
            site.warnings[:0] = self.sources.registry_warnings
        except BuildFailed as failed:
            if not skipped:
                raise
            raise BuildFailed([*skipped, *failed.errors]) from None  # all of them at once
        return site, skipped + left_out

    def _autosave(self) -> None:
        if self.state.autosave:
            self._save()

    def save(self) -> None:
        """Write what this builder knows to `.digest-cache/` for the next process."""
        if self.state.folder is not None and self.state.current is not None:
            with self._lock():
                self._save()

    def _save(self) -> None:
        """`save`, for a build that holds the lock already."""
        if self.state.folder is None or self.state.current is None:
            return
        self.state.save()
        self.sources.save()


def build_site(
    root: Path,
    output: Path | None = None,
    *,
    drafts: bool = False,
    future: bool = False,
    search: bool | None = None,
    keep_going: bool = False,
    write: bool = True,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Build once (the CLI's `build` and `check`); `progress` hears of stages and counts."""
    builder = Builder(
        root, output, drafts=drafts, future=future, search=search, keep_going=keep_going,
        use_cache=use_cache and write, progress=progress,
    )  # fmt: skip
    return builder.build(write=write)
