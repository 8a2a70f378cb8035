"""Errors that point at a file and line, so an editor can jump straight to the problem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class DigestError(Exception):
    """A problem in the user's input, located at `path:line`, with a hint on how to fix it."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    def location(self) -> str:
        """Return `path:line`, `path`, or '' — the prefix editors and terminals understand."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} — {self.hint}" if self.hint else text

    def under(self, root: Path) -> DigestError:
        """The same error with its path shown from where the user ran the command."""
        if self.path is None or Path(self.path).is_absolute() or root == Path("."):
            return self
        return DigestError(self.message, root / self.path, self.line, self.hint)

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path or "", self.line or 0, self.message)


class BuildFailed(Exception):
    """Every problem found in one run; raised once so the user sees them all together."""

    def __init__(self, errors: Iterable[DigestError]) -> None:
        self.errors = sorted(errors, key=DigestError.sort_key)
        super().__init__(f"{len(self.errors)} problem(s)")

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class UsageError(Exception):
    """The command line asks for something impossible (exit code 2)."""
