"""Markdown to HTML with one reusable Python-Markdown instance per process."""

from __future__ import annotations

import html
import re

import markdown
from markupsafe import Markup

# tables, footnotes and fenced code for authors; smarty for typographic quotes and dashes;
# toc only for its heading ids, so links to a section survive.
EXTENSIONS = ["tables", "footnotes", "fenced_code", "attr_list", "smarty", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}}

_renderer: markdown.Markdown | None = None
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def render_markdown(text: str) -> Markup:
    """Render one entry body; the instance is reset rather than rebuilt for speed."""
    global _renderer
    if _renderer is None:
        _renderer = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
        )
    _renderer.reset()
    return Markup(_renderer.convert(text))


def render_plain_text(paragraphs: list[str]) -> Markup:
    """Raw article text is text, not Markdown: escape it and keep its paragraphs."""
    return Markup("\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs))


def first_paragraph_text(body: str) -> str:
    """The plain text of the first paragraph of rendered HTML, for a summary fallback."""
    match = _FIRST_PARAGRAPH.search(body)
    if not match:
        return ""
    text = html.unescape(_TAG.sub("", match.group(1)))
    return " ".join(text.split())
