"""The pipeline: load → parse → scan → index → render → write, remembering what each made.

A `Builder` keeps the parsed entries, what scanning found in them and every page's
fingerprint between builds, in memory for the live preview and in `.digest-cache/` for
`digest build`. A build re-parses only files whose bytes changed, re-scans an entry only
when its bytes or the registries changed, and re-renders only pages whose fingerprint
changed; when no input file changed at all, it stops after comparing file stats.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import CONFIG_NAME, Config, load_config
from generator.digests import hash_bytes
from generator.engine import cache
from generator.engine.progress import Progress
from generator.errors import BuildFailed, DigestError
from generator.model import Entry, Page, Person, Site, Topic
from generator.output.folder import check_output_folder, nearest_existing
from generator.output.manifest import Manifest, parse_manifest, read_manifest
from generator.output.write import WriteStats
from generator.source.load import ENTRY_SUFFIXES, Links, SourceFile, misplaced_folders, walk_files

if TYPE_CHECKING:
    import jinja2

    from generator.engine.delta import Snapshot
    from generator.newsroom.scan import Scan, Scanner
    from generator.render.depend import TemplateInfo
    from generator.render.plan import Plan

log = logging.getLogger(__name__)

STATE_FILE = "state.pickle"
ENTRIES_FILE = "entries.pickle"
SCANS_FILE = "scans.pickle"
REGISTRIES = ("people.yaml", "topics.yaml")
# A file changed this close to the previous scan may have changed again within the same
# timestamp tick; like git's "racily clean" entries, such files are hashed, not trusted.
RACY_NS = 2_000_000_000


@dataclass
class BuildResult:
    site: Site | None
    config: Config
    pages: int = 0
    write: WriteStats | None = None
    timings: dict[str, float] = field(default_factory=dict)
    rendered: int = 0
    # The outputs this build rendered or copied anew (their bytes may equal the old ones).
    regenerated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    out: Path | None = None  # the output folder
    skipped: list[DigestError] = field(default_factory=list)  # --keep-going left these out
    notes: list[tuple[str, int | None, str]] = field(default_factory=list)  # for `check`
    resumed: bool = False  # a new process applied entry edits to the stored snapshot
    # Entries left out on purpose: dated after now (path, date), oldest first; drafts.
    held_back: list[tuple[str, datetime]] = field(default_factory=list)
    drafts_left_out: int = 0

    def changed_urls(self) -> list[str]:
        """The URLs whose bytes this build changed or removed, as a browser asks for them."""
        if self.write is None:
            return []
        base = self.config.base_path
        return [
            base + (path[: -len("index.html")] if path.endswith("index.html") else path)
            for path in [*self.write.changed, *self.write.removed_paths]
        ]

    @property
    def nothing_changed(self) -> bool:
        return self.site is None


@dataclass
class _State:
    """What a build leaves for the next one: input stamps and output fingerprints."""

    key: str = ""
    scanned_ns: int = 0  # wall clock when the inputs were stat'ed
    stamps: dict[str, tuple[int, ...]] = field(default_factory=dict)  # rel -> stat stamp
    hashes: dict[str, str] = field(default_factory=dict)  # rel -> content hash
    # output -> (fingerprint, hash of the bytes written for it): a page is reused only
    # while the output still holds those bytes, whoever else wrote there meanwhile.
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    next_release: float | None = None  # a held-back future entry due then
    skipped: int = 0  # entries --keep-going left out: report them again next time
    manifest: str = ""  # hash of the manifest written: is the output still what we made?
    templates: tuple[tuple[object, ...], TemplateInfo | None] = ((), None)  # scan, by key
    # The snapshot on disk this state goes with (resume.py), and the entry edits applied
    # to the output since it was written, by path: the next edit build replays them.
    snapshot: str = ""
    journal: dict[str, tuple[Entry, Scan]] = field(default_factory=dict)
    # What the build left out on purpose, for the no-change shortcut to report again.
    held_back: list[tuple[str, datetime]] = field(default_factory=list)  # as on BuildResult
    drafts_left_out: int = 0


@dataclass
class _Inputs:
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

    def readable(self, hashes: dict[str, str]) -> _Inputs:
        """These inputs less the files that could not be read (those `hashes` lacks)."""
        if len(hashes) == len(self.all()):
            return self
        return _Inputs(
            [f for f in self.entries if f.rel in hashes],
            [f for f in self.registries if f.rel in hashes],
            [f for f in self.templates if f.rel in hashes],
            {k: f for k, f in self.theme_static.items() if f.rel in hashes},
            {k: f for k, f in self.site_static.items() if f.rel in hashes},
            [f for f in self.config if f.rel in hashes],
            self.problems,
        )


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
        # The live preview keeps its own state, so a `digest build` after it still finds
        # what it built last (the preview writes another folder, with drafts).
        self.state_file = state_file
        self.progress = progress or Progress()  # by default one that shows nothing
        self.write_lock = write_lock or nullcontext()
        # The live preview saves the cache when it stops, not after every keystroke.
        self.autosave = autosave
        self._trusted = False  # the output holds exactly what this builder last wrote
        self.output = output
        self.drafts = drafts
        self.future = future
        self.search = search  # None: as digest.toml says
        self.keep_going = keep_going  # build the rest when some entries are broken
        # Entries whose problems fail the build even so: the live preview names those it
        # shows, so that a broken edit keeps the last good page rather than dropping it.
        self.protected: AbstractSet[str] = frozenset()
        self.use_cache = use_cache
        self.in_place = in_place
        self._state: _State | None = None
        self._entries: dict[str, Entry] = {}  # "path:content hash" -> parsed entry
        self._entries_zone: str | None = None
        self._entries_changed = False
        # "path:content hash" -> (people or topics, what reading them mended)
        self._registries: dict[str, tuple[list[Person] | list[Topic], list[str]]] = {}
        self._registry_warnings: list[str] = []  # the last build's, for its site
        self._scans: dict[str, Scan] = {}  # "path:content hash" -> scan, for `_scans_key`
        self._scans_key: str | None = None  # the registries and parse settings scanned with
        self._scans_changed = False
        self._scanner_cache: tuple[str | None, Scanner] | None = None  # for one registry key
        self._templates: TemplateInfo | None = None  # template scan, kept while none changes
        self._templates_key: tuple[object, ...] = ()
        self._env: jinja2.Environment | None = None  # compiled templates, kept likewise
        self._snapshot: Snapshot | None = None  # the live preview's last site and plan
        self._scanning: tuple[list[Person], list[Topic]] = ([], [])  # registries it used
        self._manifest = Manifest({})  # what the live preview's output holds

    @property
    def cache_dir(self) -> Path:
        return self.root / cache.CACHE_DIR

    def build(self, *, write: bool = True, changed: Iterable[str] | None = None) -> BuildResult:
        """Bring the output up to date; raise BuildFailed listing every problem found.

        `changed` names the files a watcher saw change (relative to the root): when they
        are all edits of existing entries that move nothing, the live preview applies
        them to the last build instead of building everything again (see delta.py).
        One build at a time writes a site (see `_lock`).
        """
        with self._lock(write):
            return self._build(write=write, changed=changed)

    def _lock(self, write: bool = True) -> AbstractContextManager[object]:
        """The site's build lock, which covers its cache and output: the live preview
        waits for as long as another build takes, `digest build` for cache.LOCK_WAIT
        seconds before it stops with the other's pid."""
        if not write:
            return nullcontext()
        return cache.build_lock(self.cache_dir, wait=None if self.in_place else cache.LOCK_WAIT)

    def _build(self, *, write: bool, changed: Iterable[str] | None) -> BuildResult:
        if changed is not None and write and self._snapshot is not None:
            edited = self._build_edits(list(changed))
            if edited is not None:
                return edited
        self._snapshot = None  # a full build makes the next one
        timings: dict[str, float] = _Timings(self.progress)
        with _timed(timings, "load"):
            config = load_config(self.root)
            out = self.output if self.output is not None else self.root / config.output
            check_output_folder(out, self.root)
            self._output_folder = out
            scanned_ns = time.time_ns()
            inputs = _scan_inputs(self.root, config)
            state = self._load_state()
            key = self._key(config, out)
            # The live preview needs a whole site in memory for its edits: it takes the
            # shortcut only once it has one.
            shortcut = write and not (self.in_place and self._snapshot is None)
            shortcut = shortcut and not inputs.problems  # the full build reports them
            if shortcut and self._unchanged(state, key, inputs, out, scanned_ns):
                kept = len(read_manifest(out))
                result = BuildResult(None, config, pages=kept, timings=timings, out=out)
                result.warnings = list(state.warnings)
                result.held_back = list(state.held_back)
                result.drafts_left_out = state.drafts_left_out
                result.write = WriteStats(unchanged=kept)
                self._index_search(config, out, result, timings)  # a stamp check if current
                return result
        resumable = write and not self.in_place and self.use_cache and not inputs.problems
        if resumable and state.snapshot:
            # A short process that reads a site whole: the collector would walk it
            # again and again and find nothing to free.
            with cache.collector_paused():
                resumed = self._resume(state, key, inputs, scanned_ns, timings)
            if resumed is not None:
                return resumed
        with _timed(timings, "parse"):
            errors: list[DigestError] = list(inputs.problems)
            hashes = _hash_changed(inputs.all(), state, errors)
            inputs = inputs.readable(hashes)
            people, topics = self._read_registries(inputs.registries, hashes, errors)
            self._load_scans(inputs, hashes, config)
            # New entries are scanned by the workers parsing them (not with broken registries).
            scanner = None if errors else partial(self._scanner, people, topics)
            entries = self._parse_entries(inputs.entries, hashes, config, scanner, errors)
        skipped = self._give_up_or_skip(errors, registries=inputs.registries)
        with _timed(timings, "scan"):
            scans = self._scan_entries(entries, hashes, partial(self._scanner, people, topics))
        with _timed(timings, "index"):
            try:
                site, entries_skipped = self._index(entries, people, topics, config, scans)
                site.warnings[:0] = self._registry_warnings
            except BuildFailed as failed:
                if not skipped:
                    raise
                raise BuildFailed([*skipped, *failed.errors]) from None  # all of them at once
            skipped += entries_skipped
        from generator.engine.workers import render_pages
        from generator.newsroom.scan import scan_notes
        from generator.output.write import open_output
        from generator.render.pictures import add_pictures
        from generator.render.plan import plan_site

        with _timed(timings, "render"):
            template_key = (key, tuple(sorted((f.rel, hashes[f.rel]) for f in inputs.templates)))
            if self._templates is None and state.templates[0] == template_key:
                self._templates, self._templates_key = state.templates[1], template_key
            same = self._templates_key == template_key
            plan = plan_site(self.root, site, config, self._templates if same else None)
            from generator.render.templates import set_site

            if not same or self._env is None:
                from generator.render.templates import make_environment

                self._env = make_environment(self.root, config, self._compiled_templates())
            set_site(self._env, config, site)  # the menu lists the site's static pages
            self._templates, self._templates_key = plan.templates, template_key
            if "robots.txt" in inputs.site_static:  # the site's own wins over ours
                plan.pages = [p for p in plan.pages if p.output != "robots.txt"]
                plan.fingerprints.pop("robots.txt", None)
            manifest = read_manifest(out) if write else {}
            reuse = state.pages if state.key == key and self.use_cache else {}
            stale = [
                p
                for p in plan.pages
                if not _reusable(p.output, plan.fingerprints, reuse, manifest, out, self._trusted)
            ]
            stale = _own_contexts(stale)
            add_pictures(stale, config)  # drawn for the pages being rendered only
            # Pages go to disk (beside the site, not into it) as each chunk is rendered;
            # only their paths are kept. An error drops what was written; the site stays.
            step = self._search_step(config, out, timings) if write else None
            output = open_output(out, in_place=self.in_place and step is None) if write else None
            count = self.progress.counter(len(stale))
            chunks = render_pages(self.root, config, stale, self._env, on_chunk=count)
            try:
                regenerated: list[str] = []
                for chunk in chunks:
                    for path, data, digest in chunk:
                        if output is not None:
                            output.put(path, data, digest)
                        regenerated.append(path)
                copies, keep = _static_outputs(
                    inputs, set(plan.fingerprints), hashes, manifest, out
                )
                for target, source in copies.items():
                    if output is not None:
                        output.put(target, _read(source))
                    regenerated.append(target)
            except BaseException:
                chunks.close()  # the workers stop now, not when the error is forgotten
                if output is not None:
                    output.abort()
                raise
            made = set(regenerated)
            keep.update({p.output: manifest[p.output] for p in plan.pages if p.output not in made})
        result = BuildResult(site, config, len(regenerated) + len(keep), timings=timings, out=out)
        result.rendered, result.regenerated = len(stale), regenerated
        result.warnings = list(site.warnings)
        result.held_back, result.drafts_left_out = list(site.held_back), site.drafts_left_out
        result.skipped = skipped
        result.notes = scan_notes(site.entries, scans)
        if output is not None:
            with _timed(timings, "write"):
                with self.write_lock:  # the live preview serves nothing half-written
                    result.write = output.finish(keep, step)  # the search index too
                self._trusted = self.in_place
            self._index_search(config, out, result, timings, step)
            assert result.write is not None
            written = result.write.hashes
            pages = {o: (fp, written[o]) for o, fp in plan.fingerprints.items() if o in written}
            token = ""
            if not self.in_place and self.use_cache and not skipped:
                from generator.engine import resume

                snapshot = self._snapshot_of(site, config, plan)
                scanner = self._kept_scanner()
                token = resume.save(self.cache_dir, snapshot, (people, topics), scanner)
            self._save_state(key, scanned_ns, inputs, hashes, pages, site, len(skipped), token)
            if self.in_place and not skipped:
                self._keep_snapshot(site, config, plan, written, (people, topics))
        return result

    def _snapshot_of(self, site: Site, config: Config, plan: Plan) -> Snapshot:
        from generator.engine.delta import Snapshot

        assert plan.digests is not None
        pages = {p.output: p for p in plan.pages}
        return Snapshot(
            site, config, pages, dict(plan.fingerprints), plan.digests, plan.templates,
            plan.feed_ids,
        )  # fmt: skip

    def _resume(
        self,
        state: _State,
        key: str,
        inputs: _Inputs,
        scanned_ns: int,
        timings: dict[str, float],
    ) -> BuildResult | None:
        """In a new process, apply entry edits to the snapshot the last build left on
        disk, as the live preview would; None when they need the full build."""
        from generator.engine import resume
        from generator.engine.delta import NeedsFullBuild
        from generator.render.templates import make_environment

        out = self._output_folder
        with _timed(timings, "snapshot"):
            touched = _touched(inputs, state)
            if not touched or state.key != key or state.skipped:
                return None
            entries = [f for f in touched if f.rel.endswith(ENTRY_SUFFIXES)]
            others = [f for f in touched if not f.rel.endswith(ENTRY_SUFFIXES)]
            try:
                if any(hash_bytes(_read(f)) != state.hashes.get(f.rel) for f in others):
                    return None  # a template, registry or asset changed: the full build
            except DigestError:
                return None  # unreadable now: the full build reports it
            manifest = _manifest_bytes(out)
            if manifest is None or hash_bytes(manifest) != state.manifest:
                return None  # someone else wrote the output since
            stored = resume.load(self.cache_dir, state.snapshot)
            if stored is None:
                return None
            cutoff = float("inf") if self.future else time.time()
            try:
                resume.replay(stored.snapshot, state.journal, drafts=self.drafts, cutoff=cutoff)
            except NeedsFullBuild:
                return None
            config = stored.snapshot.config
            self._snapshot, self._scanning = stored.snapshot, stored.registries
            if stored.scanner is not None:
                self._scanner_cache = (self._scans_key, stored.scanner)
            self._manifest = Manifest(parse_manifest(manifest))
            self._env = make_environment(self.root, config, self._compiled_templates())
            from generator.render.templates import set_site

            set_site(self._env, config, stored.snapshot.site)
        try:
            result = self._build_edits([f.rel for f in entries])
        finally:
            self._snapshot = None
            # The edits went into the journal, not the parse cache, which this process
            # never read: it must not be saved as the little it holds.
            self._entries, self._scans = {}, {}
            self._entries_changed = self._scans_changed = False
        if result is None:
            return None
        result.resumed = True
        for source in others:  # touched, and proven unchanged by their bytes
            state.stamps[source.rel] = source.stamp
        state.scanned_ns = scanned_ns
        if len(state.journal) > resume.JOURNAL_LIMIT:
            state.snapshot = resume.save(
                self.cache_dir, stored.snapshot, stored.registries, self._kept_scanner()
            )
            state.journal = {}
        if self.autosave:
            self._save()
        for stage, seconds in timings.items():
            result.timings[stage] = result.timings.get(stage, 0.0) + seconds
        if not result.timings.get("search"):  # the edits' commit indexed them if it could
            self._index_search(config, out, result, result.timings)
        return result

    # -- the live preview's edits ----------------------------------------------

    def _keep_snapshot(
        self,
        site: Site,
        config: Config,
        plan: Plan,
        written: dict[str, str],
        registries: tuple[list[Person], list[Topic]],
    ) -> None:
        from generator.engine.delta import uses_map

        self._snapshot = self._snapshot_of(site, config, plan)
        self._scanning = registries
        # Encoded now, so that the first edit does not pay for it (0.2 s at 100,000).
        self._manifest = Manifest(dict(written))
        self._manifest.encode()
        uses_map(self._snapshot)  # now, so that the first edit finds it made
        # The site stays in memory for edits: keep the collector from walking all of it
        # again and again (a pause of a tenth of a second at 4,000 entries). What the last
        # snapshot held is collected first; the next full build unfreezes it.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        if self._env is not None:  # workers rendered the build: compile here for edits
            for name in plan.templates.closure:
                self._env.get_template(name)

    def _build_edits(self, changed: list[str]) -> BuildResult | None:
        """Apply entry edits to the last build; None when they need a full build."""
        from generator.engine.delta import NeedsFullBuild, apply_edits, refingerprint
        from generator.engine.workers import render_all
        from generator.output.write import commit_edits
        from generator.render.pictures import add_pictures
        from generator.source.parse import ParseOptions, parse_entry

        snap, state = self._snapshot, self._state
        assert snap is not None and state is not None
        config, out = snap.config, self._output_folder
        if state.next_release is not None and state.next_release <= time.time():
            return None  # a held-back entry is due: index decides what shows
        timings: dict[str, float] = _Timings(self.progress)
        with _timed(timings, "load"):
            sources = _edited_entries(self.root, changed, state)
            if sources is None:
                return None
            try:
                data = {s.rel: s.path.read_bytes() for s in sources}
            except OSError:
                return None  # unreadable or gone: the full build reports it
            hashes = {rel: hash_bytes(raw) for rel, raw in data.items()}
            todo = [s for s in sources if hashes[s.rel] != state.hashes.get(s.rel)]
        with _timed(timings, "parse"):
            edits = []
            for source in todo:
                try:
                    entry = parse_entry(
                        source.rel, data[source.rel], config.tz, safe=config.safe_mode,
                        options=ParseOptions.of(config),
                    )  # fmt: skip
                except (DigestError, BuildFailed):
                    return None  # the full build reports it with everything else
                if _warned(entry, snap.by_path.get(source.rel)):
                    return None  # the site's warnings change: the full build says them
                edits.append((entry, self._scanner(*self._scanning).scan(entry)))
        with _timed(timings, "index"):
            try:
                cutoff = float("inf") if self.future else time.time()
                change = apply_edits(snap, edits, drafts=self.drafts, cutoff=cutoff)
            except NeedsFullBuild:
                self._snapshot = None  # it may be half-changed
                return None
            refingerprint(snap, change.recheck)
        with _timed(timings, "render"):
            stale = [
                snap.pages[o]
                for o in sorted(change.recheck)
                if snap.fingerprints[o] != state.pages.get(o, ("", ""))[0]
            ]
            stale = _own_contexts(stale)
            add_pictures(stale, config)
            files = render_all(self.root, config, stale, self._env)
        step = self._search_step(config, out, timings)
        with _timed(timings, "write"), self.write_lock:
            stats = commit_edits(out, files, change.removed, self._manifest, step)
        _search_apart(timings, step)
        self._remember_edits(sources, hashes, edits, change.recheck, change.removed, stats)
        result = BuildResult(snap.site, config, pages=len(stats.hashes), timings=timings, out=out)
        result.rendered, result.regenerated, result.write = len(stale), list(files), stats
        result.warnings = list(snap.site.warnings)
        result.held_back = list(snap.site.held_back)
        result.drafts_left_out = snap.site.drafts_left_out
        return result

    def _remember_edits(
        self,
        sources: list[SourceFile],
        hashes: dict[str, str],
        edits: list[tuple[Entry, Scan]],
        rechecked: set[str],
        removed: set[str],
        stats: WriteStats,
    ) -> None:
        """Bring the state and the parse and scan caches up to what the edits made."""
        state, snap = self._state, self._snapshot
        assert state is not None and snap is not None
        for source in sources:
            old_key = f"{source.rel}:{state.hashes.get(source.rel)}"
            new_key = f"{source.rel}:{hashes[source.rel]}"
            state.stamps[source.rel], state.hashes[source.rel] = source.stamp, hashes[source.rel]
            for cache_map in (self._entries, self._scans):
                if old_key in cache_map and new_key != old_key:
                    del cache_map[old_key]
        for entry, scan in edits:
            new_key = f"{entry.path}:{hashes[entry.path]}"
            self._entries[new_key], self._scans[new_key] = entry, scan
            if state.snapshot:  # the snapshot on disk lacks it: the next process replays it
                state.journal[entry.path] = (entry, scan)
        self._entries_changed = self._scans_changed = True
        for output in rechecked:
            state.pages[output] = (snap.fingerprints[output], stats.hashes[output])
        for output in removed:
            state.pages.pop(output, None)
        if stats.manifest_hash:  # else nothing was written, and the manifest stands
            state.manifest = stats.manifest_hash

    def _index_search(
        self,
        config: Config,
        out: Path,
        result: BuildResult,
        timings: dict[str, float],
        step: _SearchStep | None = None,
    ) -> None:
        """Bring the live site's index up to date, when asked to and the commit did not
        (nothing changed, so nothing was swapped in); it skips itself when current."""
        _search_apart(timings, step)
        if step is not None and step.ran:
            return
        if self.search if self.search is not None else config.search:
            with _timed(timings, "search"):
                from generator.engine.search import index_site

                index_site(out, result)

    def _search_step(
        self, config: Config, out: Path, timings: dict[str, float]
    ) -> _SearchStep | None:
        """The search index as the commit's last step, when the site has one."""
        if self.search if self.search is not None else config.search:
            return _SearchStep(out, timings)
        return None

    def _give_up_or_skip(
        self, errors: list[DigestError], registries: list[SourceFile]
    ) -> list[DigestError]:
        """Raise every problem at once, unless told to keep going past broken entries."""
        registry_files = {f.rel for f in registries}
        fatal = [
            e
            for e in errors
            if not self.keep_going or not _skippable(e, registry_files) or e.path in self.protected
        ]
        if fatal or (errors and not self.keep_going):
            raise BuildFailed(errors)
        return list(errors)

    def _index(
        self,
        entries: list[Entry],
        people: list[Person],
        topics: list[Topic],
        config: Config,
        scans: dict[str, Scan],
    ) -> tuple[Site, list[DigestError]]:
        """Index; with keep_going, leave out the entries index refuses and try again."""
        from generator.index.index import build_index

        skipped: list[DigestError] = []
        while True:
            try:
                site = build_index(
                    entries, people, topics, config, drafts=self.drafts, future=self.future,
                    now=time.time(), scans=scans,
                )  # fmt: skip
                too_long = _names_too_long(site, self._output_folder)
                if too_long:
                    raise BuildFailed(too_long)
                if not config.origin:
                    from generator.render.feeds import NO_ADDRESS

                    site.warnings.append(NO_ADDRESS)
                return site, skipped
            except BuildFailed as failed:
                broken = {e.path for e in failed.errors}
                kept = [e for e in entries if e.path not in broken]
                if not self.keep_going or len(kept) == len(entries) or broken & self.protected:
                    raise
                skipped.extend(failed.errors)
                entries = kept

    def _compiled_templates(self) -> jinja2.BytecodeCache | None:
        """Where Jinja keeps compiled templates between processes; the folder is named by
        our code's version (Jinja's key covers the source, not our settings)."""
        if not self.use_cache:
            return None
        folder = self.cache_dir / f"templates-{cache.cache_key().rsplit('/', 1)[-1]}"
        if not folder.is_dir():
            for old in self.cache_dir.glob("templates-*"):
                shutil.rmtree(old, ignore_errors=True)
            try:
                folder.mkdir(parents=True)
            except OSError:
                return None
        return cache.template_cache(folder)

    # -- state ---------------------------------------------------------------

    def _key(self, config: Config, out: Path) -> str:
        from generator.render.templates import theme_dir

        parts = (
            cache.cache_key(), config.fingerprint(), f"drafts={self.drafts}",
            f"future={self.future}", str(out.resolve()),
        )  # fmt: skip
        return "|".join((*parts, str(theme_dir())))

    def _load_state(self) -> _State:
        if self._state is None and self.use_cache:
            loaded = cache.load(self.cache_dir / self.state_file)
            self._state = loaded if isinstance(loaded, _State) else None
        return self._state or _State()

    def _unchanged(
        self, state: _State, key: str, inputs: _Inputs, out: Path, scanned_ns: int
    ) -> bool:
        """Nothing to do when every input file has the stats it had and the output is ours."""
        if not self.use_cache or state.key != key or state.skipped:
            return False
        if _manifest_hash(out) != state.manifest:  # another build wrote there since
            return False
        if state.next_release is not None and state.next_release <= time.time():
            return False  # a future entry's day has come: nothing changed but the date
        files = inputs.all()
        if {f.rel: f.stamp for f in files} != state.stamps:
            return False
        doubtful = [f for f in files if _in_racy_window(f, state)]
        if not doubtful:
            return True
        # Stats this close to the last scan prove nothing: the bytes must. When they are
        # what was built, the stats are good from now on, and the state says so.
        from generator.digests import hash_bytes

        for source in doubtful:
            try:
                if hash_bytes(_read(source)) != state.hashes.get(source.rel):
                    return False
            except DigestError:
                return False
        state.scanned_ns = scanned_ns
        if self.autosave:
            cache.save(self.cache_dir / self.state_file, state)
        return True

    def _save_state(
        self,
        key: str,
        scanned_ns: int,
        inputs: _Inputs,
        hashes: dict[str, str],
        pages: dict[str, tuple[str, str]],
        site: Site,
        skipped: int,
        snapshot: str = "",
    ) -> None:
        stamps = {f.rel: f.stamp for f in inputs.all()}
        self._state = _State(
            key, scanned_ns, stamps, hashes, pages, site.warnings, site.next_release, skipped
        )
        self._state.snapshot = snapshot
        self._state.held_back, self._state.drafts_left_out = site.held_back, site.drafts_left_out
        self._state.manifest = _manifest_hash(self._output_folder)
        self._state.templates = (self._templates_key, self._templates)
        if self.autosave:
            self._save()

    def save(self) -> None:
        """Write what this builder knows to `.digest-cache/` for the next process."""
        if self.use_cache and self._state is not None:
            with self._lock():
                self._save()

    def _save(self) -> None:
        """`save`, for a build that holds the lock already."""
        if not self.use_cache or self._state is None:
            return
        cache.save(self.cache_dir / self.state_file, self._state)
        if self._entries_changed:
            cache.save(self.cache_dir / ENTRIES_FILE, (self._entries_zone, self._entries))
            self._entries_changed = False
        if self._scans_changed:
            cache.save(self.cache_dir / SCANS_FILE, (self._scans_key, self._scans))
            self._scans_changed = False

    # -- parse ---------------------------------------------------------------

    def _known_entries(self, config: Config) -> dict[str, Entry]:
        """Parsed entries by content hash; dates depend on the zone, so a new zone drops them."""
        wanted = _parsing(config)
        if self._entries_zone != wanted:
            loaded = cache.load(self.cache_dir / ENTRIES_FILE) if self.use_cache else None
            usable = isinstance(loaded, tuple) and len(loaded) == 2
            self._entries = loaded[1] if usable and loaded[0] == wanted else {}
            self._entries_zone = wanted
        return self._entries

    def _parse_entries(
        self,
        sources: list[SourceFile],
        hashes: dict[str, str],
        config: Config,
        scanner: Callable[[], Scanner] | None,
        errors: list[DigestError],
    ) -> list[Entry]:
        from generator.engine.workers import parse_all

        known = self._known_entries(config)
        # The same bytes under another name parse to another slug: key on both.
        keys = {s.rel: f"{s.rel}:{hashes[s.rel]}" for s in sources}
        todo = [s for s in sources if keys[s.rel] not in known]
        scan_with = scanner() if scanner is not None and todo else None
        parsed, parse_errors, scans = parse_all(
            todo, config, scan_with, self.drafts, on_chunk=self.progress.counter(len(todo))
        )
        errors.extend(parse_errors)
        for entry in parsed:
            known[keys[entry.path]] = entry
        for path, scan in scans.items():
            self._scans[keys[path]] = scan
        stale = set(known) - set(keys.values())
        for key in stale:
            del known[key]
        self._entries_changed |= bool(parsed or stale)
        self._scans_changed |= bool(scans)
        return [known[keys[s.rel]] for s in sources if keys[s.rel] in known]

    # -- scan ----------------------------------------------------------------

    def _load_scans(self, inputs: _Inputs, hashes: dict[str, str], config: Config) -> None:
        """Scans hold while the registries and the parse settings (the bodies' HTML) do."""
        from generator.digests import hash_text

        key = hash_text(*(f"{s.rel}:{hashes[s.rel]}" for s in inputs.registries), _parsing(config))
        if self._scans_key != key:
            loaded = cache.load(self.cache_dir / SCANS_FILE) if self.use_cache else None
            usable = isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == key
            self._scans = loaded[1] if usable else {}  # type: ignore[index]
            self._scans_key = key

    def _scanner(self, people: list[Person], topics: list[Topic]) -> Scanner:
        """The registries compiled for scanning, once per registry key."""
        from generator.newsroom.scan import Scanner

        if self._scanner_cache is None or self._scanner_cache[0] != self._scans_key:
            self._scanner_cache = (self._scans_key, Scanner(people, topics))
        return self._scanner_cache[1]

    def _kept_scanner(self) -> Scanner | None:
        """The scanner compiled for the current registries, if this build made one."""
        if self._scanner_cache is not None and self._scanner_cache[0] == self._scans_key:
            return self._scanner_cache[1]
        return None

    def _scan_entries(
        self, entries: list[Entry], hashes: dict[str, str], scanner: Callable[[], Scanner]
    ) -> dict[str, Scan]:
        """Mentions and quotes by entry path; only entries without a scan for these
        registries (new, or the registries changed) are scanned here."""
        from generator.engine.workers import scan_all

        shown = [e for e in entries if self.drafts or not e.draft]
        keys = {e.path: f"{e.path}:{hashes[e.path]}" for e in shown}
        todo = [e for e in shown if keys[e.path] not in self._scans]
        if todo:
            count = self.progress.counter(len(todo))
            for entry, scan in zip(todo, scan_all(todo, scanner(), on_chunk=count), strict=True):
                self._scans[keys[entry.path]] = scan
        stale = set(self._scans) - set(keys.values())
        for key in stale:
            del self._scans[key]
        self._scans_changed |= bool(todo or stale)
        return {e.path: self._scans[keys[e.path]] for e in shown}

    def _read_registries(
        self, sources: list[SourceFile], hashes: dict[str, str], errors: list[DigestError]
    ) -> tuple[list[Person], list[Topic]]:
        from generator.source.registry import parse_people, parse_topics
        from generator.source.text import decode

        found: dict[str, list] = {"people.yaml": [], "topics.yaml": []}
        self._registry_warnings = []
        for source in sources:
            name = source.rel.rsplit("/", 1)[-1]
            key = f"{source.rel}:{hashes[source.rel]}"
            if key not in self._registries:
                parser = parse_people if name == "people.yaml" else parse_topics
                mended: list[str] = []
                try:
                    text = decode(source.rel, _read(source), mended, empty_ok=True)
                    self._registries[key] = (parser(source.rel, text), mended)
                except DigestError as exc:
                    errors.append(exc)
                    continue
            found[name], mended = self._registries[key]
            self._registry_warnings += mended
        return found["people.yaml"], found["topics.yaml"]  # type: ignore[return-value]


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


def _warned(entry: Entry, old: Entry | None) -> bool:
    """Whether the site's warnings and notes may change with this edit (the edit path
    keeps them as they are): it has warnings or had some, or its unknown keys changed."""
    if old is None:
        return False  # new to the site: the edit path leaves it to the full build anyway
    return bool(entry.warnings or old.warnings) or entry.extra.keys() != old.extra.keys()


def _parsing(config: Config) -> str:
    """What parsing depends on besides the bytes: the zone (dates), safe mode (bodies)
    and the parse options (typography, …)."""
    from generator.source.parse import ParseOptions

    return f"{config.timezone}|safe={config.safe_mode}|{ParseOptions.of(config)}"


def _manifest_hash(out: Path) -> str:
    manifest = _manifest_bytes(out)
    return "missing" if manifest is None else hash_bytes(manifest)


def _manifest_bytes(out: Path) -> bytes | None:
    from generator.output.manifest import MANIFEST

    try:
        return (out / MANIFEST).read_bytes()
    except OSError:
        return None


def _scan_inputs(root: Path, config: Config) -> _Inputs:
    """Stat every input once: content, registries, templates, theme assets, static, config.

    Links may lead anywhere inside the site, and a site template also into the theme;
    out of them only with `allow_outside_links` (see load.Links)."""
    from generator.render.templates import THEME_STATIC, template_dirs, theme_dir

    problems: list[DigestError] = []
    links = Links.inside(root, anywhere=config.allow_outside_links)
    content = walk_files(root / "content", root, links=links, problems=problems)
    registries = {f"content/{name}" for name in REGISTRIES}
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
    return _Inputs(
        entries=[f for f in content if f.rel.endswith(ENTRY_SUFFIXES)],
        registries=[f for f in content if f.rel in registries],
        templates=templates,
        theme_static=static,
        site_static=site_static,
        config=_config_file(root),
        problems=problems,
    )


def _config_file(root: Path) -> list[SourceFile]:
    path = root / CONFIG_NAME
    try:
        stat = path.stat()
    except OSError:
        return []
    stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    return [SourceFile(path, CONFIG_NAME, *stamp)]


def _edited_entries(root: Path, changed: list[str], state: _State) -> list[SourceFile] | None:
    """The entry files among `changed`, stat'ed again; None if any path is something else
    (a new, deleted or ignored file, a registry, a template): that takes a full build."""
    import stat as stat_mod

    from generator.source.load import is_ignored_name

    registries = {f"content/{name}" for name in REGISTRIES}
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
            parts[0] != "content" or not rel.endswith(ENTRY_SUFFIXES) or rel in registries
            or rel not in state.stamps or any(is_ignored_name(p) for p in parts)
            or not stat_mod.S_ISREG(info.st_mode)
        ):  # fmt: skip
            return None
        stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        found.append(SourceFile(path, rel, *stamp))
    return found


def _touched(inputs: _Inputs, state: _State) -> list[SourceFile] | None:
    """Input files whose stats moved, or fall in the racy window; None when a file
    appeared or went (that takes the full build)."""
    files = inputs.all()
    if len(files) != len(state.stamps):
        return None
    touched = []
    for source in files:
        stamp = state.stamps.get(source.rel)
        if stamp is None:
            return None
        if stamp != source.stamp or _in_racy_window(source, state):
            touched.append(source)
    return touched


def _in_racy_window(source: SourceFile, state: _State) -> bool:
    """Changed so close to the last scan that equal stats prove nothing (RACY_NS)."""
    racy = state.scanned_ns - RACY_NS
    return source.mtime_ns >= racy or source.ctime_ns >= racy


def _own_contexts(pages: list[Page]) -> list[Page]:
    """Copies of person and topic pages, whose context `add_pictures` adds to: the plan's
    pages stay as planned, for the live preview to fingerprint again."""
    pictured = ("person", "topic")
    return [replace(p, context=dict(p.context)) if p.kind in pictured else p for p in pages]


def _hash_changed(
    files: list[SourceFile], state: _State, errors: list[DigestError]
) -> dict[str, str]:
    """Content hashes: reused where the stats match, computed where they do not. A file
    that cannot be read gets no hash and an error in `errors`."""
    from generator.digests import hash_bytes

    hashes = {}
    for source in files:
        old = state.hashes.get(source.rel)
        trusted = not _in_racy_window(source, state)
        if old is not None and trusted and state.stamps.get(source.rel) == source.stamp:
            hashes[source.rel] = old
        else:
            try:
                hashes[source.rel] = hash_bytes(_read(source))
            except DigestError as exc:
                errors.append(exc)
    return hashes


def _read(source: SourceFile) -> bytes:
    from generator.source.load import unreadable

    try:
        return source.path.read_bytes()
    except OSError as exc:
        raise unreadable(exc, source.rel) from exc


def _skippable(error: DigestError, registries: set[str]) -> bool:
    """With --keep-going, a broken entry (or a folder of entries) is left out; a broken
    or unreadable registry, template, static file or setting stops the build."""
    path = error.path or ""
    named = {f"content/{name}" for name in REGISTRIES}  # found or not: an unreadable one
    return path.startswith("content/") and path not in registries and path not in named


def _names_too_long(site: Site, out: Path) -> list[DigestError]:
    """Pages whose file or folder name the file system would refuse (ENAMETOOLONG), named
    by the entry or registry that gives the name, before anything is written."""
    try:
        limit = os.pathconf(nearest_existing(out), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    errors = []
    for item in [*site.entries, *site.people, *site.topics]:
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


def _reusable(
    output: str,
    fingerprints: dict[str, str],
    reuse: dict[str, tuple[str, str]],
    manifest: dict[str, str],
    out: Path,
    trusted: bool,
) -> bool:
    """A page can be kept when its inputs are unchanged and its bytes are still there."""
    known = reuse.get(output)
    return (
        known is not None
        and known[0] == fingerprints[output]
        and manifest.get(output) == known[1]
        and (trusted or os.path.isfile(os.path.join(out, output)))
    )


def _static_outputs(
    inputs: _Inputs,
    pages: set[str],
    hashes: dict[str, str],
    manifest: dict[str, str],
    out: Path,
) -> tuple[dict[str, SourceFile], dict[str, str]]:
    """The static files to copy (those whose bytes changed), and those kept as they are."""
    clashes = [
        DigestError(
            f"this static file would replace the generated /{target}",
            source.rel,
            hint="rename or move it",
        )
        for target, source in inputs.site_static.items()
        if target in pages or target in inputs.theme_static
    ]
    if clashes:
        raise BuildFailed(clashes)
    copies: dict[str, SourceFile] = {}
    keep: dict[str, str] = {}
    for target, source in {**inputs.theme_static, **inputs.site_static}.items():
        # Copied verbatim, so the output's manifest hash is the source's content hash.
        if manifest.get(target) == hashes[source.rel] and (out / target).is_file():
            keep[target] = manifest[target]
        else:
            copies[target] = source
    return copies, keep


class _SearchStep:
    """Index the new site where it waits, before it is swapped in: the pages and their
    index go live together or not at all (search.index_stage)."""

    def __init__(self, out: Path, timings: dict[str, float]) -> None:
        self.out, self.timings = out, timings
        self.ran = False
        self.seconds = 0.0

    def __call__(self, stage: Path, hashes: Mapping[str, str]) -> None:
        from generator.engine.search import index_stage

        self.ran = True
        start = time.perf_counter()
        try:
            with _timed(self.timings, "search"):
                index_stage(stage, self.out, hashes)
        finally:
            self.seconds = time.perf_counter() - start


def _search_apart(timings: dict[str, float], step: _SearchStep | None) -> None:
    """Count the index's time as search, not as the write that ran it (once)."""
    if step is not None and step.seconds and "write" in timings:
        timings["write"] -= step.seconds
        step.seconds = 0.0


class _Timings(dict[str, float]):
    """Seconds per stage; the progress reporter hears of each stage as it starts."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    if isinstance(timings, _Timings):
        timings.progress.stage(stage)
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
