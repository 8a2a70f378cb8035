"""What a build tells its caller: the site it made, what it wrote, how long each stage took."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator.config import Config
from generator.engine.progress import Timings
from generator.errors import DigestError
from generator.model import Site
from generator.output.write import WriteStats


@dataclass
class BuildResult:
    site: Site | None
    config: Config
    pages: int = 0
    write: WriteStats | None = None
    timings: Timings = field(default_factory=Timings)
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

    def tell_of(self, site: Site) -> None:
        """Take the site's warnings and what it left out on purpose."""
        self.warnings = list(site.warnings)
        self.held_back, self.drafts_left_out = list(site.held_back), site.drafts_left_out
