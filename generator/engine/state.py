"""What a build leaves for the next one: the inputs' stamps and hashes, and each page's
fingerprint beside the hash of the bytes written for it.

A builder keeps its state in memory between builds (the live preview) and, when caching,
in `.digest-cache/` for the next process. An input whose stamp (size, times, inode) is
what the state recorded is trusted unchanged, unless it changed so close to the last scan
that equal stamps prove nothing (RACY_NS): then its bytes are hashed again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator.digests import hash_bytes
from generator.engine import cache
from generator.engine.inputs import Inputs, read_source
from generator.errors import DigestError
from generator.model import Entry, Site
from generator.newsroom.scan import Scan
from generator.output.manifest import manifest_hash
from generator.render.depend import TemplateInfo
from generator.source.load import SourceFile

STATE_FILE = "state.pickle"
# A file changed this close to the previous scan may have changed again within the same
# timestamp tick; like git's "racily clean" entries, such files are hashed, not trusted.
RACY_NS = 2_000_000_000


@dataclass
class State:
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

    def racy(self, source: SourceFile) -> bool:
        """Changed so close to the last scan that equal stats prove nothing (RACY_NS)."""
        racy = self.scanned_ns - RACY_NS
        return source.mtime_ns >= racy or source.ctime_ns >= racy

    def touched(self, inputs: Inputs) -> list[SourceFile] | None:
        """Input files whose stats moved, or fall in the racy window; None when a file
        appeared or went (that takes the full build)."""
        files = inputs.all()
        if len(files) != len(self.stamps):
            return None
        touched = []
        for source in files:
            stamp = self.stamps.get(source.rel)
            if stamp is None:
                return None
            if stamp != source.stamp or self.racy(source):
                touched.append(source)
        return touched

    def hash_files(self, files: list[SourceFile], errors: list[DigestError]) -> dict[str, str]:
        """Content hashes: reused where the stats match, computed where they do not. A file
        that cannot be read gets no hash and an error in `errors`."""
        hashes = {}
        for source in files:
            old = self.hashes.get(source.rel)
            if (
                old is not None
                and not self.racy(source)
                and self.stamps.get(source.rel) == source.stamp
            ):
                hashes[source.rel] = old
            else:
                try:
                    hashes[source.rel] = hash_bytes(read_source(source))
                except DigestError as exc:
                    errors.append(exc)
        return hashes


def build_key(config_fingerprint: str, drafts: bool, future: bool, out: Path, theme: Path) -> str:
    """What the state is good for: our code, the settings, what is shown, where it goes."""
    parts = (
        cache.cache_key(), config_fingerprint, f"drafts={drafts}", f"future={future}",
        str(out.resolve()),
    )  # fmt: skip
    return "|".join((*parts, str(theme)))


class StateStore:
    """A builder's state between builds: in memory, and in `folder` (the cache) when given."""

    def __init__(
        self, folder: Path | None, name: str = STATE_FILE, *, autosave: bool = True
    ) -> None:
        self.folder = folder
        self.name = name
        self.autosave = autosave  # else saved when the builder is told to (`save`)
        self.current: State | None = None

    @property
    def reusable(self) -> bool:
        """Whether pages may be reused as the state says (not with --full)."""
        return self.folder is not None

    def load(self) -> State:
        if self.current is None and self.folder is not None:
            loaded = cache.load(self.folder / self.name)
            self.current = loaded if isinstance(loaded, State) else None
        return self.current or State()

    def unchanged(self, state: State, key: str, inputs: Inputs, out: Path, scanned_ns: int) -> bool:
        """Nothing to do when every input file has the stats it had and the output is ours.

        Stats this close to the last scan prove nothing: the bytes must. When they are what
        was built, the stats are good from now on, and the state says so."""
        if self.folder is None or state.key != key or state.skipped:
            return False
        if manifest_hash(out) != state.manifest:  # another build wrote there since
            return False
        if state.next_release is not None and state.next_release <= time.time():
            return False  # a future entry's day has come: nothing changed but the date
        files = inputs.all()
        if {f.rel: f.stamp for f in files} != state.stamps:
            return False
        doubtful = [f for f in files if state.racy(f)]
        if not doubtful:
            return True
        for source in doubtful:
            try:
                if hash_bytes(read_source(source)) != state.hashes.get(source.rel):
                    return False
            except DigestError:
                return False
        state.scanned_ns = scanned_ns
        if self.autosave:
            self.save()
        return True

    def remember(
        self,
        key: str,
        scanned_ns: int,
        inputs: Inputs,
        hashes: dict[str, str],
        pages: dict[str, tuple[str, str]],
        site: Site,
        out: Path,
        skipped: int,
        templates: tuple[tuple[object, ...], TemplateInfo | None],
        snapshot: str = "",
    ) -> State:
        """What a full build leaves: the state of its inputs and of what it wrote."""
        stamps: dict[str, tuple[int, ...]] = {f.rel: f.stamp for f in inputs.all()}
        state = State(
            key, scanned_ns, stamps, hashes, pages, site.warnings, site.next_release, skipped
        )
        state.snapshot = snapshot
        state.held_back, state.drafts_left_out = site.held_back, site.drafts_left_out
        state.manifest = manifest_hash(out)
        state.templates = templates
        self.current = state
        return state

    def save(self) -> None:
        """Write the state to the cache (for a build that holds the lock)."""
        if self.folder is not None and self.current is not None:
            cache.save(self.folder / self.name, self.current)
