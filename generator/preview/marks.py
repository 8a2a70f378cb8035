"""The live preview's marks on drafts and scheduled entries, added as pages are served.

A draft's page, or the page of an entry dated later than now, gets a banner saying so
("Draft", "Scheduled for …"), and links to it anywhere get a small tag, from a
stylesheet the server makes. Like the reload script they are never written to disk:
the preview folder holds what `digest build --drafts --future` would write, so its
bytes and fingerprints do not depend on the clock, incremental builds stay equal to
clean ones, and an entry that falls due while the server runs loses its "Scheduled"
mark as soon as the clock passes its date.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.preview.httpd import page_key
from generator.render.templates import date_formatter

if TYPE_CHECKING:
    from generator.config import Config
    from generator.model import Entry

MARKS_URL = "/__digest__/marks.css"
_BANNER_STYLE = (
    "all:initial;display:block;box-sizing:border-box;width:100%;margin:0;"
    "padding:.6rem 1rem;background:#fff3c4;color:#3d2e00;border-bottom:2px solid #c9a100;"
    "font:600 15px/1.4 system-ui,sans-serif;text-align:center;"
)
_TAG_STYLE = (
    "display:inline-block;margin-left:.4em;padding:0 .35em;border-radius:3px;"
    "background:#fff3c4;color:#3d2e00;font:600 .72em/1.5 system-ui,sans-serif;"
    "vertical-align:middle;text-decoration:none;"
)


@dataclass(frozen=True)
class Mark:
    """Why the published site would not show an entry yet."""

    url: str  # the entry's URL, as its links write it
    draft: bool
    due: float  # the entry's date (POSIX): scheduled while the clock is before it
    when: str  # that date as the banner shows it

    def banner(self, now: float) -> str:
        """The banner text at `now`; "" when there is nothing to say any more."""
        scheduled = now < self.due
        if self.draft and scheduled:
            return f"Draft, scheduled for {self.when} — digest build leaves it out"
        if self.draft:
            return "Draft — digest build leaves it out while it has draft: true"
        if scheduled:
            return f"Scheduled for {self.when} — digest build leaves it out until then"
        return ""

    def tag(self, now: float) -> str:
        """The short word links to the entry get."""
        return "Draft" if self.draft else "Scheduled" if now < self.due else ""


def collect_marks(entries: Iterable[Entry], config: Config, now: float) -> dict[str, Mark]:
    """The drafts, and the entries dated after `now`, among `entries`, by page key."""
    marks: dict[str, Mark] = {}
    formatted = None
    for entry in entries:
        if entry.draft or entry.order[0] > now:
            formatted = formatted or date_formatter(config.tz)
            when = f"{formatted(entry.date, 'long')} ({config.timezone})"
            marks[page_key(entry.url)] = Mark(entry.url, entry.draft, entry.order[0], when)
    return marks


def next_due(marks: Iterable[Mark], now: float) -> float | None:
    """When the next scheduled entry falls due, if any is still ahead."""
    return min((m.due for m in marks if m.due > now), default=None)


def add_banner(page: bytes, text: str) -> bytes:
    """Put the banner first in the page's body."""
    banner = (
        f'<div data-digest-mark role="note" style="{_BANNER_STYLE}">{html.escape(text)}</div>'
    ).encode()
    lower = page.lower()
    at = lower.find(b"<body")
    end = page.find(b">", at) if at >= 0 else -1
    return page[: end + 1] + banner + page[end + 1 :] if end >= 0 else banner + page


def marks_css(marks: Iterable[Mark], now: float) -> str:
    """The stylesheet that tags every link to a marked entry."""
    rules = []
    for mark in marks:
        tag = mark.tag(now)
        if tag:
            hrefs = [mark.url, mark.url + "index.html"] if mark.url.endswith("/") else [mark.url]
            selectors = ",".join(f"a[href={_css_string(h)}]::after" for h in hrefs)
            rules.append(f"{selectors}{{content:{_css_string(tag)};{_TAG_STYLE}}}")
    return "/* digest serve: drafts and scheduled entries */\n" + "\n".join(rules) + "\n"


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string that nothing in it can end early."""
    safe = "".join(c if c.isalnum() or c in "/-_.~ %" else f"\\{ord(c):x} " for c in text)
    return f'"{safe}"'
