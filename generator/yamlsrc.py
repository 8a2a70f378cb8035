"""YAML that remembers where every key was written, so messages can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.errors import DigestError

# libyaml's parser when PyYAML was built with it: the same nodes and marks, much faster.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Safe YAML without implicit timestamps: dates are parsed by us, with our messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, path: str | Path, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """Parse `text` (which starts on `first_line` of `path`); return the data and its node tree."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise _reader_error(exc, text, path, first_line) from exc
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
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
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, path, first_line) from exc
    except yaml.YAMLError as exc:
        raise _reader_error(exc, text, path, first_line) from exc
    except RecursionError as exc:
        raise DigestError(
            "invalid YAML: nested too deeply", path, first_line, "flatten the lists"
        ) from exc
    finally:
        if "loader" in locals():
            loader.dispose()


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
    node: yaml.Node, path: str | Path, first_line: int, ancestors: set[int]
) -> None:
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
                line = node_line(key, first_line)
                if key.value in seen:
                    raise DigestError(
                        f"duplicate key `{key.value}` (first given on line {seen[key.value]})",
                        path,
                        line,
                        "keep one of the two",
                    )
                seen[key.value] = line
            _reject_duplicate_keys(value, path, first_line, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, path, first_line, ancestors)


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
    hint = "check the indentation, and quote values that contain `: ` or `#`"
    for needle, ours, our_hint in _PROBLEMS:
        if needle in problem:
            problem, hint = ours, our_hint
            break
    return DigestError(f"invalid YAML: {problem}", path, line, hint)
