"""The parsed sources a builder keeps between builds: entries, registries and scans.

Each is keyed by "path:content hash", so an unchanged file is never parsed twice, and
kept in memory and (when caching) in `.digest-cache/`. Parsed entries hold while the
parse settings do; scans hold while the registries and the parse settings do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from generator.config import Config
from generator.digests import hash_text
from generator.engine import cache
from generator.engine.inputs import Inputs, read_source
from generator.engine.progress import Progress
from generator.engine.workers import parse_all, scan_all
from generator.errors import DigestError
from generator.model import Entry, Person, Topic
from generator.newsroom.scan import Scan, Scanner
from generator.source.load import SourceFile
from generator.source.parse import ParseOptions
from generator.source.registry import parse_people, parse_topics
from generator.source.text import decode

ENTRIES_FILE = "entries.pickle"
T = TypeVar("T")
SCANS_FILE = "scans.pickle"


def parsing_key(config: Config) -> str:
    """What parsing depends on besides the bytes: the zone (dates), safe mode (bodies)
    and the parse options (typography, …)."""
    return f"{config.timezone}|safe={config.safe_mode}|{ParseOptions.of(config)}"


class Sources:
    """Parsed entries, registries and scans by "path:content hash", across builds."""

    def __init__(self, folder: Path | None, progress: Progress) -> None:
        self.folder = folder  # the cache folder; None: nothing is read or written there
        self.progress = progress
        self.entries: dict[str, Entry] = {}  # "path:content hash" -> parsed entry
        self._entries_key: str | None = None  # the parse settings they were parsed with
        self._entries_changed = False
        # "path:content hash" -> (people or topics, what reading them mended)
        self._people: dict[str, tuple[list[Person], list[str]]] = {}
        self._topics: dict[str, tuple[list[Topic], list[str]]] = {}
        self.registry_warnings: list[str] = []  # the last build's, for its site
        self.scans: dict[str, Scan] = {}  # "path:content hash" -> scan, for `_scans_key`
        self._scans_key: str | None = None  # the registries and parse settings scanned with
        self._scans_changed = False
        self._scanner: tuple[str | None, Scanner] | None = None  # for one registry key

    # -- registries --------------------------------------------------------------------

    def read_registries(
        self, sources: list[SourceFile], hashes: dict[str, str], errors: list[DigestError]
    ) -> tuple[list[Person], list[Topic]]:
        people: list[Person] = []
        topics: list[Topic] = []
        self.registry_warnings = []
        for source in sources:
            key = f"{source.rel}:{hashes[source.rel]}"
            try:
                if source.rel.rsplit("/", 1)[-1] == "people.yaml":
                    people, mended = self._read(key, source, self._people, parse_people)
                else:
                    topics, mended = self._read(key, source, self._topics, parse_topics)
            except DigestError as exc:
                errors.append(exc)
                continue
            self.registry_warnings += mended
        return people, topics

    def _read(
        self,
        key: str,
        source: SourceFile,
        known: dict[str, tuple[list[T], list[str]]],
        parse: Callable[[str, str], list[T]],
    ) -> tuple[list[T], list[str]]:
        """One registry and what reading it mended, parsed once per content hash."""
        if key not in known:
            mended: list[str] = []
            text = decode(source.rel, read_source(source), mended, empty_ok=True)
            known[key] = (parse(source.rel, text), mended)
        return known[key]

    # -- entries -----------------------------------------------------------------------

    def parse_entries(
        self,
        sources: list[SourceFile],
        hashes: dict[str, str],
        config: Config,
        scanner: Callable[[], Scanner] | None,
        errors: list[DigestError],
        *,
        drafts: bool,
    ) -> list[Entry]:
        """Entries of these files: parsed anew only where their bytes are new. New
        entries are scanned by the workers parsing them, when given a scanner."""
        known = self._known_entries(config)
        # The same bytes under another name parse to another slug: key on both.
        keys = {s.rel: f"{s.rel}:{hashes[s.rel]}" for s in sources}
        todo = [s for s in sources if keys[s.rel] not in known]
        scan_with = scanner() if scanner is not None and todo else None
        parsed, parse_errors, scans = parse_all(
            todo, config, scan_with, drafts, on_chunk=self.progress.counter(len(todo))
        )
        errors.extend(parse_errors)
        for entry in parsed:
            known[keys[entry.path]] = entry
        for path, scan in scans.items():
            self.scans[keys[path]] = scan
        stale = set(known) - set(keys.values())
        for key in stale:
            del known[key]
        self._entries_changed |= bool(parsed or stale)
        self._scans_changed |= bool(scans)
        return [known[keys[s.rel]] for s in sources if keys[s.rel] in known]

    def _known_entries(self, config: Config) -> dict[str, Entry]:
        """Parsed entries by content hash; dates depend on the zone, so a new zone drops them."""
        wanted = parsing_key(config)
        if self._entries_key != wanted:
            loaded = cache.load(self.folder / ENTRIES_FILE) if self.folder is not None else None
            self.entries = _cached(loaded, wanted)
            self._entries_key = wanted
        return self.entries

    # -- scans -------------------------------------------------------------------------

    def load_scans(self, inputs: Inputs, hashes: dict[str, str], config: Config) -> None:
        """Scans hold while the registries and the parse settings (the bodies' HTML) do."""
        key = hash_text(
            *(f"{s.rel}:{hashes[s.rel]}" for s in inputs.registries), parsing_key(config)
        )
        if self._scans_key != key:
            loaded = cache.load(self.folder / SCANS_FILE) if self.folder is not None else None
            self.scans = _cached(loaded, key)
            self._scans_key = key

    def scanner(self, people: list[Person], topics: list[Topic]) -> Scanner:
        """The registries compiled for scanning, once per registry key."""
        if self._scanner is None or self._scanner[0] != self._scans_key:
            self._scanner = (self._scans_key, Scanner(people, topics))
        return self._scanner[1]

    def kept_scanner(self) -> Scanner | None:
        """The scanner compiled for the current registries, if this build made one."""
        if self._scanner is not None and self._scanner[0] == self._scans_key:
            return self._scanner[1]
        return None

    def scan_entries(
        self,
        entries: list[Entry],
        hashes: dict[str, str],
        scanner: Callable[[], Scanner],
        *,
        drafts: bool,
    ) -> dict[str, Scan]:
        """Mentions and quotes by entry path; only entries without a scan for these
        registries (new, or the registries changed) are scanned here."""
        shown = [e for e in entries if drafts or not e.draft]
        keys = {e.path: f"{e.path}:{hashes[e.path]}" for e in shown}
        todo = [e for e in shown if keys[e.path] not in self.scans]
        if todo:
            count = self.progress.counter(len(todo))
            for entry, scan in zip(todo, scan_all(todo, scanner(), on_chunk=count), strict=True):
                self.scans[keys[entry.path]] = scan
        stale = set(self.scans) - set(keys.values())
        for key in stale:
            del self.scans[key]
        self._scans_changed |= bool(todo or stale)
        return {e.path: self.scans[keys[e.path]] for e in shown}

    # -- edits and saving --------------------------------------------------------------

    def take_edits(
        self, hashes: dict[str, tuple[str | None, str]], edits: list[tuple[Entry, Scan]]
    ) -> None:
        """Entries edited in place (the live preview): `hashes` gives each edited file's old
        and new content hash, `edits` the entries parsed anew with their scans."""
        for path, (old, new) in hashes.items():
            old_key, new_key = f"{path}:{old}", f"{path}:{new}"
            for cached in (self.entries, self.scans):
                if old_key in cached and new_key != old_key:
                    del cached[old_key]
        for entry, scan in edits:
            key = f"{entry.path}:{hashes[entry.path][1]}"
            self.entries[key], self.scans[key] = entry, scan
        self._entries_changed = self._scans_changed = True

    def save(self) -> None:
        """Write what changed to the cache (for a build that holds the lock)."""
        if self.folder is None:
            return
        if self._entries_changed:
            cache.save(self.folder / ENTRIES_FILE, (self._entries_key, self.entries))
            self._entries_changed = False
        if self._scans_changed:
            cache.save(self.folder / SCANS_FILE, (self._scans_key, self.scans))
            self._scans_changed = False


def _cached(loaded: object, key: str) -> dict[str, Any]:
    """The mapping a (key, mapping) cache file holds, when written for `key`; else none."""
    if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == key:
        found = loaded[1]
        return found if isinstance(found, dict) else {}
    return {}
