"""Entry edits applied to the last build's site, instead of building everything again.

The live preview keeps the last full build's site and plan in memory (`live_session`);
a `digest build` after an edit reads the snapshot the last build left on disk and
applies the edits the same way (`resume`). Either way one `EditSession` parses the
edited files, hands them to delta.py, renders the pages whose fingerprint moved, commits
them, and brings the state up to date; any edit it cannot apply returns None, and the
caller builds in full.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.config import Config
from generator.digests import hash_bytes
from generator.engine import delta
from generator.engine import resume as snapshots
from generator.engine.delta import NeedsFullBuild, Snapshot, refingerprint, uses_map
from generator.engine.inputs import Inputs, edited_entries, read_source
from generator.engine.progress import Progress, Timings
from generator.engine.result import BuildResult
from generator.engine.search import SearchStep
from generator.engine.sources import Sources
from generator.engine.state import State
from generator.engine.workers import render_all
from generator.errors import BuildFailed, DigestError
from generator.model import Entry, Person, Site, Topic
from generator.newsroom.scan import Scanner
from generator.output.manifest import Manifest, manifest_bytes, parse_manifest
from generator.output.write import commit_edits
from generator.render.pictures import with_pictures
from generator.render.plan import Plan
from generator.render.templates import set_site
from generator.source.load import ENTRY_SUFFIXES
from generator.source.parse import ParseOptions, parse_entry

Registries = tuple[list[Person], list[Topic]]


@dataclass(frozen=True)
class Edits:
    """How edits are applied: what is shown, whether to index for search, the lock the
    live preview's requests wait on."""

    root: Path
    drafts: bool
    future: bool
    search: bool | None  # None: as digest.toml says
    progress: Progress
    write_lock: AbstractContextManager[object]

    def cutoff(self) -> float:
        return float("inf") if self.future else time.time()


class EditSession:
    """One site in memory, ready to take entry edits."""

    def __init__(
        self,
        how: Edits,
        snap: Snapshot,
        out: Path,
        manifest: Manifest,
        env: jinja2.Environment,
        scanner: Callable[[], Scanner],
        sources: Sources | None = None,
    ) -> None:
        self.how, self.snap, self.out, self.manifest, self.env = how, snap, out, manifest, env
        self.scanner = scanner
        # The live preview's parse and scan caches take each edit; a resumed build's do
        # not (the edits go into the state's journal instead).
        self.sources = sources

    def apply(self, changed: list[str], state: State) -> BuildResult | None:
        """Apply entry edits to the site; None when they need a full build (the site
        may then be half-changed: drop this session)."""
        snap, config, out = self.snap, self.snap.config, self.out
        if state.next_release is not None and state.next_release <= time.time():
            return None  # a held-back entry is due: index decides what shows
        timings = Timings(self.how.progress)
        with timings.timed("load"):
            sources = edited_entries(self.how.root, changed, state.stamps)
            if sources is None:
                return None
            try:
                data = {s.rel: s.path.read_bytes() for s in sources}
            except OSError:
                return None  # unreadable or gone: the full build reports it
            hashes = {rel: hash_bytes(raw) for rel, raw in data.items()}
            todo = [s for s in sources if hashes[s.rel] != state.hashes.get(s.rel)]
        with timings.timed("parse"):
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
                edits.append((entry, self.scanner().scan(entry)))
        with timings.timed("index"):
            try:
                change = delta.apply_edits(
                    snap, edits, drafts=self.how.drafts, cutoff=self.how.cutoff()
                )
            except NeedsFullBuild:
                return None
            refingerprint(snap, change.recheck)
        with timings.timed("render"):
            stale = [
                snap.pages[o]
                for o in sorted(change.recheck)
                if snap.fingerprints[o] != state.pages.get(o, ("", ""))[0]
            ]
            stale = with_pictures(stale, config)
            files = render_all(self.how.root, config, stale, self.env)
        step = SearchStep.of(self.how.search, config, out, timings)
        with timings.timed("write"), self.how.write_lock:
            stats = commit_edits(out, files, change.removed, self.manifest, step)
        if step is not None:
            step.apart(timings)
        # The state, and the parse and scan caches, take what the edits made.
        old_hashes = {s.rel: state.hashes.get(s.rel) for s in sources}
        for source in sources:
            state.stamps[source.rel], state.hashes[source.rel] = source.stamp, hashes[source.rel]
        if state.snapshot:  # the snapshot on disk lacks them: the next process replays them
            for entry, scan in edits:
                state.journal[entry.path] = (entry, scan)
        if self.sources is not None:
            self.sources.take_edits(
                {rel: (old, hashes[rel]) for rel, old in old_hashes.items()}, edits
            )
        for output in change.recheck:
            state.pages[output] = (snap.fingerprints[output], stats.hashes[output])
        for output in change.removed:
            state.pages.pop(output, None)
        if stats.manifest_hash:  # else nothing was written, and the manifest stands
            state.manifest = stats.manifest_hash
        result = BuildResult(snap.site, config, pages=len(stats.hashes), timings=timings, out=out)
        result.rendered, result.regenerated, result.write = len(stale), list(files), stats
        result.tell_of(snap.site)
        return result


def snapshot_of(site: Site, config: Config, plan: Plan) -> Snapshot:
    """The site and its plan as the edit path takes them."""
    assert plan.digests is not None
    pages = {p.output: p for p in plan.pages}
    return Snapshot(
        site, config, pages, dict(plan.fingerprints), plan.digests, plan.templates, plan.feed_ids
    )


def live_session(
    how: Edits,
    snap: Snapshot,
    out: Path,
    written: dict[str, str],
    env: jinja2.Environment,
    scanner: Callable[[], Scanner],
    sources: Sources,
) -> EditSession:
    """Keep the site just built in memory for the live preview's edits."""
    # Encoded now, so that the first edit does not pay for it (0.2 s at 100,000).
    manifest = Manifest(dict(written))
    manifest.encode()
    uses_map(snap)  # now, so that the first edit finds it made
    # The site stays in memory for edits: keep the collector from walking all of it
    # again and again (a pause of a tenth of a second at 4,000 entries). What the last
    # snapshot held is collected first; the next full build unfreezes it.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    for name in snap.templates.closure:  # workers rendered the build: compile here for edits
        env.get_template(name)
    return EditSession(how, snap, out, manifest, env, scanner, sources)


class Resumed:
    """A `digest build` process that applies entry edits to the snapshot on disk."""

    def __init__(
        self, how: Edits, folder: Path, make_env: Callable[..., jinja2.Environment]
    ) -> None:
        self.how, self.folder, self.make_env = how, folder, make_env
        self.scanner: Scanner | None = None  # compiled for the snapshot's registries, if needed

    def save(self, snap: Snapshot, registries: Registries, scanner: Scanner | None) -> str:
        """Leave the site just built for the next process; the token the state must hold."""
        return snapshots.save(self.folder, snap, registries, scanner)

    def build(
        self, state: State, key: str, inputs: Inputs, out: Path, scanned_ns: int, timings: Timings
    ) -> BuildResult | None:
        """Apply the entry edits since the last build to its snapshot, as the live preview
        would; None when they need the full build."""
        with timings.timed("snapshot"):
            touched = state.touched(inputs)
            if not touched or state.key != key or state.skipped:
                return None
            entries = [f for f in touched if f.rel.endswith(ENTRY_SUFFIXES)]
            others = [f for f in touched if not f.rel.endswith(ENTRY_SUFFIXES)]
            try:
                if any(hash_bytes(read_source(f)) != state.hashes.get(f.rel) for f in others):
                    return None  # a template, registry or asset changed: the full build
            except DigestError:
                return None  # unreadable now: the full build reports it
            manifest = manifest_bytes(out)
            if manifest is None or hash_bytes(manifest) != state.manifest:
                return None  # someone else wrote the output since
            stored = snapshots.load(self.folder, state.snapshot)
            if stored is None:
                return None
            try:
                snapshots.replay(stored.snapshot, state.journal, drafts=self.how.drafts,
                                 cutoff=self.how.cutoff())  # fmt: skip
            except NeedsFullBuild:
                return None
            config = stored.snapshot.config
            env = self.make_env(config)
            set_site(env, config, stored.snapshot.site)
            self.scanner = stored.scanner
        session = EditSession(
            self.how, stored.snapshot, out, Manifest(parse_manifest(manifest)), env,
            lambda: self._scanner(stored.registries),
        )  # fmt: skip
        result = session.apply([f.rel for f in entries], state)
        if result is None:
            return None
        result.resumed = True
        for source in others:  # touched, and proven unchanged by their bytes
            state.stamps[source.rel] = source.stamp
        state.scanned_ns = scanned_ns
        if len(state.journal) > snapshots.JOURNAL_LIMIT:
            state.snapshot = self.save(stored.snapshot, stored.registries, self.scanner)
            state.journal = {}
        for stage, seconds in timings.items():
            result.timings[stage] = result.timings.get(stage, 0.0) + seconds
        return result

    def _scanner(self, registries: Registries) -> Scanner:
        if self.scanner is None:
            self.scanner = Scanner(*registries)
        return self.scanner


def _warned(entry: Entry, old: Entry | None) -> bool:
    """Whether the site's warnings and notes may change with this edit (the edit path
    keeps them as they are): it has warnings or had some, or its unknown keys changed."""
    if old is None:
        return False  # new to the site: the edit path leaves it to the full build anyway
    return bool(entry.warnings or old.warnings) or entry.extra.keys() != old.extra.keys()
