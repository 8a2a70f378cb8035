"""Errors that point at a file and line, so an editor can jump straight to the problem."""

from __future__ import annotations

import os
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

    def notice(self) -> Notice:
        """This problem as a warning or note: text that keeps its path and line."""
        return Notice(self.message, self.path, self.line, self.hint)

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


class Notice(str):
    """A warning or note about `path:line`: text like any warning (it is a str), which
    keeps its path so the CLI shows it from the user's folder, as it does errors.

    Paths are relative to the site root, as in DigestError; make located warnings with
    `DigestError(...).notice()`, `Notice(message, path, line)`, or `Notice.located(text,
    path)` for text that already starts with the path (`path:line:column: …`).
    """

    path: str | None
    rest: str  # the text after the path

    def __new__(
        cls,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> Notice:
        return cls.located(str(DigestError(message, path, line, hint)), path)

    @classmethod
    def located(cls, text: str, path: str | Path | None) -> Notice:
        """`text`, which starts with `path` when it names one, as a Notice."""
        notice = super().__new__(cls, text)
        shown = str(path) if path is not None else None
        if shown is not None and text.startswith(shown):
            notice.path, notice.rest = shown, text[len(shown) :]
        else:
            notice.path, notice.rest = None, text
        return notice

    def __reduce__(self) -> tuple[object, ...]:
        return (_located, (str(self), self.path))

    def under(self, root: Path) -> str:
        """The text with its path shown from where the user ran the command."""
        if self.path is None or Path(self.path).is_absolute() or root == Path("."):
            return str(self)
        return f"{root / self.path}{self.rest}"


def _located(text: str, path: str | None) -> Notice:
    return Notice.located(text, path)


def shown_under(text: str, root: Path) -> str:
    """A warning or note as the user should read it: a Notice with its path from the
    current folder, like errors; other text as it is."""
    return text.under(root) if isinstance(text, Notice) else text


def display_path(path: Path) -> str:
    """A folder as a message names it: relative to the current folder when inside it
    (`site/`), else absolute; with a trailing slash, so it reads as a folder."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    inside = absolute == here or absolute.startswith(os.path.join(here, ""))
    shown = os.path.relpath(absolute, here) if inside else absolute
    return shown if shown.endswith(os.sep) else shown + os.sep
