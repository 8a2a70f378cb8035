"""An entry body's HTML as the newsroom reads it: what is text (never tags, comments or
scripts), its paragraphs, and where each person's first mention may become a link."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from markupsafe import Markup

from generator.model import Person, splice_links

if TYPE_CHECKING:
    from generator.newsroom.mentions import Detection

_HIDDEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|template|textarea)\b.*?(?:</\1\s*>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_BLOCK = re.compile(
    r"</?(?:address|article|aside|blockquote|br|d[dlt]|div|fig(?:caption|ure)|footer|h[1-6r]"
    r"|header|li|main|nav|ol|p|pre|section|table|t[dhr]|ul)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_BLANK = re.compile(r"\s*\n\s*\n\s*")
_NOT_LINKABLE = re.compile(r"<(/?)(a|code|pre|kbd|samp|button|label)\b[^>]*>", re.IGNORECASE)


def hidden_ranges(body: str) -> list[tuple[int, int]]:
    """Comments, scripts and styles: HTML whose text is not read."""
    return [m.span() for m in _HIDDEN.finditer(body)] if "<" in body else []


def is_hidden(body: str, pos: int, ranges: list[tuple[int, int]]) -> bool:
    """Inside a tag (an attribute, say) or inside a comment, script or style."""
    if body.rfind("<", 0, pos) > body.rfind(">", 0, pos):
        return True
    return any(start <= pos < end for start, end in ranges)


def html_text(body: str) -> str:
    """Text only, entities decoded, blocks apart by a blank line; never tags or scripts."""
    text = _TAG.sub("", _BLOCK.sub("\n\n", _HIDDEN.sub("", body)))
    return _BLANK.sub("\n\n", html.unescape(text)).strip()


def paragraphs(body: str) -> list[str]:
    """The plain text of each block of an HTML body, whitespace collapsed."""
    return [" ".join(p.split()) for p in html_text(body).split("\n\n") if p.strip()]


def first_mentions(body_html: str, detection: Detection) -> list[tuple[Person, int, int]]:
    """Each person's first body mention that may become a link, as offsets into the HTML.

    A mention inside an existing link counts as linked; one inside code is passed over
    for the person's next mention.
    """
    if detection.texts.get("body") != body_html:
        raise ValueError("the detection was made from a different body")
    wanted = {id(p) for p in detection.people}
    done: set[int] = set()
    found = []
    elements = _OpenElements(body_html)
    for mention in detection.mentions.get("body", []):
        person = mention.person
        if person is None or id(person) not in wanted or id(person) in done:
            continue
        inside = elements.at(mention.start)
        if "a" not in inside and inside:
            continue
        done.add(id(person))
        if not inside:
            found.append((person, mention.start, mention.end))
    return found


class _OpenElements:
    """Which of a, code, pre, kbd, samp, button and label are open at a position, asked
    for positions in increasing order: the tags are read once, not from the start for
    each mention (a roster of names would cost names times text)."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.pos = 0
        self.depth: dict[str, int] = {}

    def at(self, pos: int) -> set[str]:
        if pos < self.pos:
            self.pos, self.depth = 0, {}
        for match in _NOT_LINKABLE.finditer(self.body, self.pos, pos):
            name = match.group(2).lower()
            self.depth[name] = self.depth.get(name, 0) + (-1 if match.group(1) else 1)
        # A tag cut at `pos` is read whole next time.
        opened = self.body.rfind("<", self.pos, pos)
        self.pos = opened if opened > self.body.rfind(">", self.pos, pos) else pos
        return {name for name, n in self.depth.items() if n > 0}


def link_first_mentions(
    body_html: str, detection: Detection, url_for: Callable[[Person], str] | None = None
) -> Markup:
    """Wrap each person's first body mention in a link; the text itself is left unchanged."""
    url_for = url_for or (lambda person: person.url)
    spots = [(s, e, url_for(p)) for p, s, e in first_mentions(body_html, detection)]
    return Markup(splice_links(body_html, [spot for spot in spots if spot[2]]))
