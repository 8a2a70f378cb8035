"""YAML that remembers where every key was written, so messages can name the line.

Every document is composed by our `_Composer` from the parser's events, whichever
parser PyYAML was built with (libyaml's in C, or its own in Python): the composer is
where aliases are counted and nesting is bounded, so a "billion laughs" document or a
thousand nested `[` stop at once with a line, and both builds read a document alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from generator.errors import DigestError

# Values an alias may repeat in one document, in all: anchors save typing a list twice,
# never build a tree many times the size of the text ("billion laughs").
ALIAS_BUDGET = 10_000
# Lists and mappings inside one another: front matter and registries use three or four.
MAX_DEPTH = 100


class _Composer(Composer):
    """PyYAML's composer, counting the values aliases repeat and the nesting depth."""

    path: str | Path = ""
    first_line = 1

    if TYPE_CHECKING:  # the parser this composer is mixed with reads the events

        def peek_event(self) -> Any: ...

    def __init__(self) -> None:
        super().__init__()
        self._sizes: dict[int, int] = {}  # id(collection node) -> values it holds, repeats too
        self._repeated = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                mark = event.start_mark  # both parsers mark every event
                self._count_alias(target, mark.line if mark is not None else 0)
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _too_deep(self.path, self.first_line + event.start_mark.line)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            self._sizes[id(node)] = 1 + sum(self._size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            self._sizes[id(node)] = 1 + sum(
                self._size(key) + self._size(value) for key, value in node.value
            )
        return node

    def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:  # an anchor's name, or None
        event = self.peek_event()
        if event.tag == "!":  # the non-specific tag: text, as libyaml reads it (PyYAML: null)
            event.tag = _STR
        return super().compose_scalar_node(anchor)

    def _size(self, node: yaml.Node) -> int:
        return self._sizes.get(id(node), 1)

    def _count_alias(self, target: yaml.Node, line: int) -> None:
        if isinstance(target, yaml.CollectionNode) and id(target) not in self._sizes:
            raise DigestError(
                "invalid YAML: an alias refers to the list or mapping that contains it",
                self.path,
                self.first_line + line,
                "remove the `*alias` inside its own `&anchor`",
            )
        self._repeated += self._size(target)
        if self._repeated > ALIAS_BUDGET:
            raise DigestError(
                f"invalid YAML: aliases (`*name`) repeat more than {ALIAS_BUDGET:,} values",
                self.path,
                self.first_line + line,
                "write the values out, or repeat smaller lists",
            )


class _PurePythonLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Composer,
    SafeConstructor, Resolver,
):  # fmt: skip
    """Safe YAML read by PyYAML's own parser."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


LIBYAML = True
try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    LIBYAML = False

if LIBYAML:

    class _LibyamlLoader(_Composer, CParser, SafeConstructor, Resolver):
        """Safe YAML read by libyaml's parser: the same events, several times faster."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    LOADERS: tuple[Callable[[str], _Composer], ...] = (_LibyamlLoader, _PurePythonLoader)
else:
    LOADERS = (_PurePythonLoader,)

# Dates are parsed by us, with our messages: no implicit timestamps.
_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _loader in LOADERS:  # each a Resolver class, which `Callable` does not say
    _loader.yaml_implicit_resolvers = _RESOLVERS  # type: ignore[attr-defined]
_Loader = LOADERS[0]  # the fastest at hand; tests run every one


def load_yaml(text: str, path: str | Path, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """Parse `text` (which starts on `first_line` of `path`); return the data and its node tree.

    Text libyaml refuses is read again by PyYAML's own parser, whose verdict and
    message stand: an error reads the same however PyYAML was built. (The two parsers
    read ahead differently, so even our own refusals, made as events arrive, may come
    before or after a syntax error further on.)
    """
    if "\r" in text:  # as decode() leaves a file: the parsers count a lone CR differently
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:  # a byte-order mark: libyaml skips it where PyYAML reads it as text
        text = text.replace("\ufeff", "")
    text = _question_marks_as_text(_without_tabs(text, path, first_line))
    try:
        return _load(_Loader, text, path, first_line)
    except (yaml.YAMLError, DigestError) as exc:
        if _Loader is _PurePythonLoader and isinstance(exc, DigestError):
            raise
        error: yaml.YAMLError | DigestError = exc
    if _Loader is not _PurePythonLoader:
        try:
            return _load(_PurePythonLoader, text, path, first_line)
        except (yaml.YAMLError, DigestError) as exc:
            error = exc
    if isinstance(error, DigestError):
        raise error
    if isinstance(error, yaml.MarkedYAMLError) and not isinstance(error, yaml.reader.ReaderError):
        raise _yaml_error(error, text, path, first_line) from error
    raise _reader_error(error, text, path, first_line) from error


def _load(
    loader_class: Callable[[str], _Composer], text: str, path: str | Path, first_line: int
) -> tuple[Any, yaml.Node | None]:
    """Compose and construct with one parser; its YAMLError goes to the caller."""
    loader: Any = loader_class(text)  # the reader refuses control characters up front
    loader.path, loader.first_line = path, first_line
    try:
        if LIBYAML and isinstance(loader, CParser) and _plain(text):
            # No alias to count, nor a tag (which libyaml's composer resolves otherwise):
            # its own composer, in C, is the faster; the walk below bounds the depth.
            node = CParser.get_single_node(loader)
        else:
            node = loader.get_single_node()
        if node is None:
            return None, None
        if _QUESTION in text:
            _restore_question_marks(node)
        _reject_duplicate_keys(node, path, first_line, set())
        try:
            if "!" not in text:  # explicit tags are PyYAML's to build and to report
                try:
                    return _construct(loader, node), node
                except _Unusual:
                    pass
            return loader.construct_document(node), node
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            # An explicit tag with a value it cannot hold, such as `!!int abc`.
            raise DigestError(
                "invalid YAML: a value does not fit its `!!` tag",
                path,
                first_line + _tag_line(text),
                "remove the `!!` tag, or quote the value",
            ) from exc
    except RecursionError as exc:
        raise DigestError(
            "invalid YAML: nested too deeply", path, first_line, "flatten the lists"
        ) from exc
    finally:
        loader.dispose()


# A `?` inside a word (`https://x.org/?id=1`, `Why?`) is text to libyaml, but ends a
# plain value inside `[…]` or `{…}` to PyYAML's own parser, which then refuses the list.
# Both parsers are given a private-use character in its place, put back in every value.
_QUESTION = "\ue000"
_WORD_QUESTION = re.compile(r"(?<=[^\s\[\]{},])\?")


def _question_marks_as_text(text: str) -> str:
    if "?" not in text or _QUESTION in text:
        return text
    return _WORD_QUESTION.sub(_QUESTION, text)


def _restore_question_marks(root: yaml.Node) -> None:
    """Put `?` back in every scalar of the tree (each node once, however shared)."""
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            node.value = node.value.replace(_QUESTION, "?")
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(part for pair in node.value for part in pair)


def _without_tabs(text: str, path: str | Path, first_line: int) -> str:
    """Tabs between the words of a line become spaces; a tab that indents is refused.

    YAML allows a tab as a separator inside a line (`title:<tab>Trade`), never as
    indentation. libyaml accepts the first in most places and PyYAML's own parser in
    none, so neither sees one: the result cannot depend on how PyYAML was built. Every
    value digest reads is whitespace-collapsed, so a space serves as well as the tab.
    """
    if "\t" not in text:
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if "\t" not in line:
            continue
        words = line.lstrip(" \t")
        if not words:  # a blank line, whatever it holds
            lines[number] = ""
            continue
        indent = line[: len(line) - len(words)]
        if "\t" in indent:
            raise DigestError(
                "invalid YAML: a tab character is not allowed in YAML indentation",
                path,
                first_line + number,
                "indent with spaces instead of tabs",
            )
        lines[number] = indent + words.replace("\t", " ")
    return "\n".join(lines)


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_SCALARS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "null"))


class _Unusual(Exception):
    """A node that `_construct` leaves to PyYAML's constructor."""


def _construct(loader: Any, node: yaml.Node) -> Any:
    """What `construct_document` returns for strings, numbers, lists and mappings with
    string keys, without its generic machinery: a third of the cost of YAML front matter."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        if node.tag in _SCALARS:
            return loader.construct_object(node)
    elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_construct(loader, item) for item in node.value]
    elif (
        isinstance(node, yaml.MappingNode)
        and node.tag == _MAP
        and all(key.tag == _STR for key, _ in node.value)
    ):
        return {key.value: _construct(loader, value) for key, value in node.value}
    raise _Unusual


def _plain(text: str) -> bool:
    """No alias to count nor tag to resolve: libyaml's own composer reads it as ours."""
    return "*" not in text and "!" not in text


def _tag_line(text: str) -> int:
    """Lines before the first explicit `!!` tag: the likely culprit of a construct error."""
    position = text.find("!!")
    return text.count("\n", 0, position) if position >= 0 else 0


def _reader_error(exc: yaml.YAMLError, text: str, path: str | Path, first_line: int) -> DigestError:
    mark = getattr(exc, "problem_mark", None)
    line = first_line + (mark.line if mark else 0)
    if isinstance(exc, yaml.reader.ReaderError):
        character = exc.character if isinstance(exc.character, int) else ord(exc.character[0])
        return DigestError(
            f"a control character (0x{character:02x}) is not allowed here",
            path,
            first_line + text.count("\n", 0, exc.position),
            "delete the invisible character (it often comes from copy and paste)",
        )
    return DigestError(f"invalid YAML: {exc}", path, line)


def key_lines(node: yaml.Node | None, first_line: int) -> dict[str, int]:
    """Map each top-level key of a mapping node to its line in the file."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + first_line
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def node_line(node: yaml.Node, first_line: int) -> int:
    return node.start_mark.line + first_line


def _reject_duplicate_keys(
    node: yaml.Node, path: str | Path, first_line: int, ancestors: set[int], depth: int = 1
) -> None:
    """Refuse a key given twice in one mapping, and, as `_Composer` does while it
    composes, a node nested past MAX_DEPTH (libyaml's own composer does not)."""
    if depth > MAX_DEPTH:
        raise _too_deep(path, node_line(node, first_line))
    if id(node) in ancestors:
        raise DigestError(
            "invalid YAML: an alias refers to the list or mapping that contains it",
            path,
            node_line(node, first_line),
            "remove the `*alias` inside its own `&anchor`",
        )
    if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        return
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if depth >= MAX_DEPTH:
                    raise _too_deep(path, node_line(key, first_line))
                line = node_line(key, first_line)
                if key.value in seen:
                    raise DigestError(
                        f"duplicate key `{key.value}` (first given on line {seen[key.value]})",
                        path,
                        line,
                        "keep one of the two",
                    )
                seen[key.value] = line
            else:
                _reject_duplicate_keys(key, path, first_line, ancestors, depth + 1)
            _reject_duplicate_keys(value, path, first_line, ancestors, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, path, first_line, ancestors, depth + 1)


def _too_deep(path: str | Path, line: int) -> DigestError:
    return DigestError(
        f"invalid YAML: lists or mappings nested more than {MAX_DEPTH} deep",
        path,
        line,
        "flatten the lists",
    )


# libyaml and pure-Python PyYAML word their problems differently; we say it one way.
_PROBLEMS = (
    (
        "mapping values are not allowed",
        "`: ` inside a value that is not quoted",
        'quote the value, e.g. `title: "Trade: the talks"`',
    ),
    (
        "\\t",
        "a tab character is not allowed in YAML indentation",
        "indent with spaces instead of tabs",
    ),
    (
        "tab",
        "a tab character is not allowed in YAML indentation",
        "indent with spaces instead of tabs",
    ),
    (
        "could not find expected ':'",
        "a line is not of the form `key: value`",
        "add the missing `:` or quote the line",
    ),
    ("expected ',' or ']'", "a `[` list is not closed", "close it with `]`"),
    ("expected ',' or '}'", "a `{` mapping is not closed", "close it with `}`"),
    ("unexpected end of stream", "a quoted value is not closed", "add the closing quote"),
)


# Where a quote or bracket is left open, the parser gives up lines later (often at the
# end of the front matter); the message names the line that opened it.
_OPENED = {
    "while scanning a quoted scalar": ("a quoted value is not closed", "add the closing quote"),
    "while parsing a flow sequence": ("a `[` list is not closed", "close it with `]`"),
    "while parsing a flow mapping": ("a `{` mapping is not closed", "close it with `}`"),
}
# What the parser says when it meets the end of the text, or of the list, first.
_GAVE_UP = ("end of stream", "document separator", "expected ',' or")


def _yaml_error(
    exc: yaml.MarkedYAMLError, text: str, path: str | Path, first_line: int
) -> DigestError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + first_line if mark else first_line
    lines = text.split("\n")
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        return DigestError(
            "invalid YAML: a tab character is not allowed in YAML indentation",
            path,
            line,
            "indent with spaces instead of tabs",
        )
    problem = exc.problem or exc.context or "invalid YAML"
    opened = _OPENED.get(exc.context or "")
    if opened and exc.context_mark and any(words in problem for words in _GAVE_UP):
        gave_up = f" (the YAML parser gave up on line {line})" if mark else ""
        return DigestError(
            f"invalid YAML: {opened[0]}",
            path,
            exc.context_mark.line + first_line,
            opened[1] + gave_up,
        )
    hint = "check the indentation, and quote values that contain `: ` or `#`"
    for needle, ours, our_hint in _PROBLEMS:
        if needle in problem:
            problem, hint = ours, our_hint
            break
    return DigestError(f"invalid YAML: {problem}", path, line, hint)
