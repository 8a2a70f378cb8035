"""Markdown to HTML with reusable Python-Markdown instances, each without what a body cannot use.

Typographic quotes and dashes and heading ids are done here in one pass over the
finished HTML rather than by the `smarty` and `toc` extensions, which together
doubled the cost of rendering a body; the same pass smartens titles and summaries.
"""

from __future__ import annotations

import html
import re
from types import MethodType
from typing import Any

import markdown
from markdown.inlinepatterns import LinkInlineProcessor
from markupsafe import Markup

from generator.slug import slugify

# Tables, footnotes, fenced code and attribute lists for authors.
EXTENSIONS = ["tables", "footnotes", "fenced_code", "attr_list"]

# Safe mode: no raw HTML, no attribute lists (they could add event handlers).
SAFE_EXTENSIONS = ["tables", "footnotes", "fenced_code"]
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_ATTRIBUTE = re.compile(r'\s(href|src)="([^"]*)"', re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

# A renderer need not hold what a body cannot use: without the marks below, an extension, an
# inline pattern or a block processor leaves the HTML as it is, yet each pattern is tried on
# every run of text and each processor on every block. Bodies get a renderer without those
# they have no mark for, half the time for plain paragraphs with links; one is kept per
# combination met (a handful in practice).
_EXTENSION_MARKS = ("|", "[^", "```", "~~~", "{")  # tables, footnotes, fences, attributes
_PART_MARKS = {  # (registry, name) -> marks
    ("inline", "backtick"): ("`",),
    ("inline", "escape"): ("\\",),
    ("inline", "link"): ("[",),
    ("inline", "image_link"): ("![",),
    # References are defined by `[id]: url` lines; with none, these patterns match `[`
    # and then give nothing back.
    ("inline", "reference"): ("]:",),
    ("inline", "short_reference"): ("]:",),
    ("inline", "image_reference"): ("]:",),
    ("inline", "short_image_ref"): ("]:",),
    ("inline", "autolink"): ("<",),
    ("inline", "automail"): ("<",),
    ("inline", "html"): ("<",),
    ("inline", "entity"): ("&",),
    ("inline", "linebreak"): ("  ", "\t"),  # two spaces before a line end; tabs expand
    ("block", "code"): ("  ", "\t"),  # a block indented by four spaces, hence two
    ("block", "indent"): ("  ", "\t"),
    ("block", "reference"): ("]:",),
    ("block", "hashheader"): ("#",),
    ("block", "quote"): (">",),
    ("pre", "html_block"): ("<", "&"),  # its parser passes other text through as it is
    ("tree", "unescape"): ("\\",),  # restores what the backslash patterns stood in for
}
_DELETED = frozenset("\x02\x03")  # Markdown deletes these first, which may join two marks
_MARKS = frozenset(m for marks in _PART_MARKS.values() for m in marks).union(
    _EXTENSION_MARKS, _DELETED
)
# A rarer character each longer mark holds: it is looked for first, as one-character
# searches take a fraction of the time.
_GATES = {"![": "!", "[^": "^", "```": "`", "~~~": "~", "]:": "]"}

_Key = tuple[bool, bool, tuple[tuple[str, str], ...]]  # safe, extensions, parts left out
_renderers: dict[_Key, markdown.Markdown] = {}
_FIRST_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.DOTALL)
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*">.*?</sup>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Markup as a browser reads it, so typography never changes a byte of it: a comment to
# its `-->` (a `>` inside, as in `<!-- <img src="x.png"> -->`, does not end it), CDATA,
# declarations, end tags, and start tags with quoted attribute values (which may hold
# `>`). Each alternative matches to its end or to the end of the text, never failing
# once begun, so splitting stays linear however the HTML is broken.
_MARKUP = re.compile(
    r"""(<!--.*?(?:-->|\Z)
    |<!\[CDATA\[.*?(?:\]\]>|\Z)
    |<[!?][^>]*(?:>|\Z)
    |</[A-Za-z][^>]*(?:>|\Z)
    |<[A-Za-z](?:[^>=]|=\s*"[^"]*(?:"|\Z)|=\s*'[^']*(?:'|\Z)|=)*(?:>|\Z))""",
    re.DOTALL | re.VERBOSE,
)
_RAW_ELEMENTS = ("code", "pre", "kbd", "samp", "script", "style", "math", "textarea")
_RAW_NAMES = "|".join(_RAW_ELEMENTS)
_RAW_OPEN = re.compile(rf"<({_RAW_NAMES})[\s>]", re.IGNORECASE)
_RAW_CLOSE = re.compile(rf"</({_RAW_NAMES})\s*>", re.IGNORECASE)
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_ID = re.compile(r'\sid="([^"]*)"')

_DASHES = [("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")]
_SMARTENABLE = re.compile(r"['\"]|--|\.\.\.")  # what `smarten` changes
# A command-line option in prose (`--workspace`, `--name="x"`): kept as typed.
_FLAG = re.compile(r"((?<![\w-])--[A-Za-z0-9]\S*)")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|'(?=\d\ds\b)")
_OPEN_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[{\u2014\u2013-]))'")
_OPEN_DOUBLE = re.compile(r'(?:(?<=^)|(?<=[\s(\[{\u2014\u2013-]))"')


# Lists and block quotes one inside another: Python-Markdown parses each level by
# recursion, so a few hundred levels (`- - - … x`) raise RecursionError, and thousands
# of indented levels take minutes. No text needs more than a handful.
MAX_NESTING = 100
# A line nested past MAX_NESTING starts with at least this many of these characters
# (each level takes a marker, or at most one tab's worth of indentation): a line-start
# search in C finds whether any line needs a closer look.
_DEEP_LINE = re.compile(rf"^[ \t>*+\-0-9.)]{{{MAX_NESTING // 2 + 1},}}", re.MULTILINE)
_PREFIX_TOKEN = re.compile(r"[ \t]+|>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class NestingTooDeep(ValueError):
    """A body nests lists or quotes past MAX_NESTING, at `line` (1-based in the body)."""

    def __init__(self, line: int, depth: int) -> None:
        super().__init__(f"line {line} is nested {depth} levels deep")
        self.line, self.depth = line, depth


def check_nesting(text: str, indent: int = 4) -> None:
    """Raise NestingTooDeep at the first line (outside code fences) whose lists and block
    quotes nest past MAX_NESTING. `indent` is how many columns of indentation open a
    level (4 in Python-Markdown, 2 in kramdown); each marker (`>`, `-`, `1.`) is one.
    Linear in the text: most texts are passed by one regular-expression search."""
    if _DEEP_LINE.search(text) is None:
        return
    fence = ""
    for number, line in enumerate(text.split("\n"), start=1):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        depth = _depth(line, indent)
        if depth > MAX_NESTING:
            raise NestingTooDeep(number, depth)


def _depth(line: str, indent: int) -> int:
    """Levels the start of `line` opens: one per marker, and its indentation in `indent`s
    (the space after a marker belongs to the marker)."""
    depth = columns = 0
    after_marker = False
    position = 0
    while token := _PREFIX_TOKEN.match(line, position):
        text = token.group()
        if text[0] in " \t":
            width = len(text) + 3 * text.count("\t")  # a tab as four columns
            columns += width - 1 if after_marker else width
            after_marker = False
        else:
            depth += 1
            after_marker = True
        position = token.end()
    return depth + columns // indent


# The Markdown dialects a site may be written in: Python-Markdown's own, and the
# kramdown of Jekyll sites (see kramdown_lists).
def render_markdown(
    text: str, *, safe: bool = False, typography: bool = True, dialect: str = "default"
) -> Markup:
    """Render one entry body; the instance is reset rather than rebuilt for speed.

    Raise NestingTooDeep for a body nested past MAX_NESTING."""
    if dialect == "kramdown-compatible":
        check_nesting(text, indent=2)
        text = kramdown_lists(text)
    else:
        check_nesting(text)
    renderer = _renderer_for(text, safe)
    renderer.reset()
    html_text = renderer.convert(text)
    if safe:
        html_text = _drop_unsafe_urls(html_text)
    if typography:
        html_text = smarten_html(html_text)
    return Markup(add_heading_ids(html_text))


_MARKER = re.compile(r"([-*+]|\d{1,9}[.)])(?:([ \t]+)|$)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_NOT_PARAGRAPH = re.compile(r"^ {0,3}(?:#|<|\||>|```|~~~|$)")


def kramdown_lists(text: str) -> str:
    """Lists written for kramdown (Jekyll), re-indented the way Python-Markdown reads them.

    kramdown nests a list under an item when it is indented as far as the item's text
    (two columns after `- `), and lets a list start on the line after a paragraph's;
    Python-Markdown wants four columns a level and a blank line before a list, and
    otherwise flattens the first and prints the second as text. Each line inside a
    list moves to four columns a level (keeping what it has beyond its item's text),
    and a blank line goes between a paragraph and a list that follows it. Fenced code
    outside lists is left alone. One pass, linear in the text.
    """
    if "\n" not in text or not any(c in text for c in "-*+0123456789"):
        return text
    out: list[str] = []
    items: list[tuple[int, int]] = []  # open items: (text column as written, as output)
    fence = ""
    after_blank = True
    in_paragraph = False
    for line in text.split("\n"):
        if fence:
            out.append(line)
            if line.strip().startswith(fence):
                fence = ""
            continue
        body = line.lstrip(" \t")
        if not body:
            out.append(line)
            after_blank, in_paragraph = True, False
            continue
        lead = line[: len(line) - len(body)]
        indent = len(lead.expandtabs(4)) if "\t" in lead else len(lead)
        marker = None if _RULE.match(line) else _MARKER.match(body)
        if items and (marker or indent >= items[0][0] or after_blank):
            while items and indent < items[-1][0]:
                items.pop()
        if marker and (items or indent < 4):
            if not items and in_paragraph and (marker.group(1)[0] in "-*+1"):
                out.append("")  # kramdown starts a list here; Python-Markdown needs a gap
            start = items[-1][1] if items else indent
            space = marker.group(2) or " "
            written = indent + len(marker.group(1)) + min(len(space), 4)
            rest = body[marker.end() :]
            out.append(" " * start + marker.group(1) + " " + rest)
            items.append((written, start + 4))
            in_paragraph = False
        elif items and indent >= items[-1][0]:
            written, output = items[-1]
            out.append(" " * (output + indent - written) + body)
        elif items and not after_blank:
            out.append(line)  # a lazy line continues the item's paragraph
        else:
            items.clear()
            out.append(line)
            if body.startswith(("```", "~~~")) and indent < 4:
                fence = body[:3]
            in_paragraph = not _NOT_PARAGRAPH.match(line) and indent < 4
        after_blank = False
    return "\n".join(out)


def _renderer_for(text: str, safe: bool) -> markdown.Markdown:
    """The renderer for `safe` without the extensions and parts `text` cannot use."""
    present = {m for m in _MARKS if (m not in _GATES or _GATES[m] in text) and m in text}
    if not present.isdisjoint(_DELETED):
        key: _Key = (safe, True, ())
    else:
        unused = tuple(part for part, marks in _PART_MARKS.items() if present.isdisjoint(marks))
        key = (safe, not present.isdisjoint(_EXTENSION_MARKS), unused)
    renderer = _renderers.get(key)
    if renderer is None:
        renderer = _renderers[key] = _make_renderer(*key)
    return renderer


def _make_renderer(
    safe: bool, extensions: bool = True, unused: tuple[tuple[str, str], ...] = ()
) -> markdown.Markdown:
    chosen = (SAFE_EXTENSIONS if safe else EXTENSIONS) if extensions else []
    renderer = markdown.Markdown(extensions=chosen, output_format="html")
    registries: dict[str, markdown.util.Registry[Any]] = {
        "inline": renderer.inlinePatterns,
        "block": renderer.parser.blockprocessors,
        "pre": renderer.preprocessors,
        "tree": renderer.treeprocessors,
    }
    for registry, name in unused:
        registries[registry].deregister(name, strict=False)
    for pattern in renderer.inlinePatterns:
        if isinstance(pattern, LinkInlineProcessor):
            pattern.getText = MethodType(_link_text, pattern)  # type: ignore[method-assign]
    if safe:
        # Raw HTML is then shown as the text it is, escaped, instead of passed through.
        renderer.preprocessors.deregister("html_block", strict=False)
        renderer.inlinePatterns.deregister("html", strict=False)
    return renderer


_BRACKET = re.compile(r"[\[\]]")
_NEAR = 200  # a link's text is looked for this far the usual way


def _link_text(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, int, bool]:
    """`LinkInlineProcessor.getText`, without its walk to the end of the text for every
    `[` that is never closed: 20 KB of `[a` took a minute. The text of `[` at
    `index - 1`, the index after its `]`, and whether there is one; past a short way,
    each text's matching brackets are found once, in one pass, and kept."""
    if data[index - 1 : index] != "[":
        return LinkInlineProcessor.getText(self, data, index)
    depth = 1
    for bracket in _BRACKET.finditer(data, index, index + _NEAR):
        depth += 1 if bracket.group() == "[" else -1
        if not depth:
            return data[index : bracket.start()], bracket.end(), True
    if index + _NEAR < len(data):
        kept = getattr(self, "_digest_brackets", None)
        if kept is None or (kept[0] is not data and kept[0] != data):
            kept = self._digest_brackets = (data, _closing_brackets(data))  # type: ignore[attr-defined]
        end = kept[1].get(index - 1)
        if end is not None:
            return data[index:end], end + 1, True
    return data[index:], len(data), False


def _closing_brackets(data: str) -> dict[int, int]:
    """Where each `[` of `data` that is closed is closed, nested brackets paired."""
    open_at: list[int] = []
    closing: dict[int, int] = {}
    for bracket in _BRACKET.finditer(data):
        if bracket.group() == "[":
            open_at.append(bracket.start())
        elif open_at:
            closing[open_at.pop()] = bracket.start()
    return closing


def _drop_unsafe_urls(markup: str) -> str:
    """Replace `javascript:` and other script-capable link targets with a dead link."""

    def check(match: re.Match[str]) -> str:
        url = "".join(ch for ch in html.unescape(match.group(2)) if ch > " ").lower()
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1) not in _SAFE_SCHEMES:
            return f' {match.group(1)}="#"'
        return match.group(0)

    return _URL_ATTRIBUTE.sub(check, markup)


def render_plain_text(paragraphs: list[str]) -> Markup:
    """Raw article text is text, not Markdown: escape it and keep its paragraphs."""
    return Markup("\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs))


def smarten(text: str, before: str = " ") -> str:
    """Curly quotes, dashes and ellipses in plain text; `before` is the preceding character.

    Command-line options (`--workspace`) are left as typed.
    """
    if "--" in text and _FLAG.search(text):
        parts = _FLAG.split(text)  # text, option, text, option, …, text
        for i in range(0, len(parts), 2):
            parts[i] = _smarten_words(parts[i], parts[i - 1][-1] if i else before)
        return "".join(parts)
    return _smarten_words(text, before)


def _smarten_words(text: str, before: str) -> str:
    if "--" in text or "..." in text:
        for plain, fancy in _DASHES:
            text = text.replace(plain, fancy)
    if "'" not in text and '"' not in text:
        return text
    joined = before + text
    joined = _APOSTROPHE.sub("\u2019", joined)
    joined = _OPEN_SINGLE.sub("\u2018", joined)
    joined = _OPEN_DOUBLE.sub("\u201c", joined)
    return joined[1:].replace("'", "\u2019").replace('"', "\u201d")


def smarten_html(markup: str) -> str:
    """Smarten the text between tags, leaving markup, comments, code, pre and scripts alone."""
    if not _SMARTENABLE.search(markup):
        return markup
    parts = _MARKUP.split(markup)  # text, markup, text, markup, …, text
    has_raw = _RAW_OPEN.search(markup) is not None  # else no tag need be looked at
    raw_depth = 0
    last = " "
    for i, part in enumerate(parts):
        if not part:
            continue
        if i % 2:
            if has_raw:
                if _RAW_OPEN.match(part):
                    raw_depth += 1
                elif _RAW_CLOSE.match(part):
                    raw_depth = max(0, raw_depth - 1)
            continue
        if not raw_depth:
            parts[i] = smarten(part, last)
        last = part[-1]
    return "".join(parts)


def add_heading_ids(markup: str) -> str:
    """Give each heading without an id a stable one from its text, unique in the body."""
    if "<h" not in markup:
        return markup
    taken = set(_ID.findall(markup)) if 'id="' in markup else set()  # a search 10 times faster

    def with_id(match: re.Match[str]) -> str:
        text = html.unescape(_TAG.sub("", match.group(2)))
        base = slugify(text) or "section"
        anchor, n = base, 1
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        taken.add(anchor)
        level = match.group(1)
        return f'<h{level} id="{anchor}">{match.group(2)}</h{level}>'

    return _HEADING.sub(with_id, markup)


def first_paragraph_text(body: str) -> str:
    """The plain text of the first paragraph of rendered HTML, for a summary fallback."""
    match = _FIRST_PARAGRAPH.search(body)
    if not match:
        return ""
    text = html.unescape(_TAG.sub("", _FOOTNOTE_REF.sub("", match.group(1))))
    return " ".join(text.split())


_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
# The same count, ~4 times faster, on bytes with each character as its class: `a` for a
# letter, digit or `_`, `-` for a joiner, a space for the rest. Words are then the runs
# of `a` less the joiners between two runs. It holds while no word character is outside
# ASCII; curly quotes, dashes and the like are as good as a space.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_CHARACTER = re.compile(r"\w")


def _class_of(byte: int) -> int:
    char = bytes([byte])  # bytes.isalnum is ASCII only
    return ord("a") if char.isalnum() or char == b"_" else ord("-") if char in b"'-" else ord(" ")


_CLASSES = bytes(map(_class_of, range(256)))


def count_words(body: str) -> int:
    """Words of the body's text, for reading time."""
    text = _TAG.sub(" ", body)
    if not text.isascii():
        if any(_WORD_CHARACTER.match(c) for c in set(_NON_ASCII.findall(text))):
            return len(_WORD.findall(text))
        text = text.replace("’", "'")
    classes = text.encode("ascii", "replace").translate(_CLASSES)
    runs = len(classes.replace(b"-", b" ").split())
    if b"-" not in classes:
        return runs
    # Doubled, runs of one `a` no longer share it between two joiners: `a-a-a` counts 2.
    return runs - classes.replace(b"a", b"aa").count(b"a-a")
