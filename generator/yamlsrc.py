"""YAML that remembers where every key was written, so messages can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.errors import DigestError


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates are parsed by us, with our messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, path: str | Path, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """Parse `text` (which starts on `first_line` of `path`); return the data and its node tree."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _reject_duplicate_keys(node, path, first_line)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, first_line) from exc
    except yaml.YAMLError as exc:
        raise DigestError(f"invalid YAML: {exc}", path, first_line) from exc
    finally:
        loader.dispose()


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


def _reject_duplicate_keys(node: yaml.Node, path: str | Path, first_line: int) -> None:
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
            _reject_duplicate_keys(value, path, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, path, first_line)


def _yaml_error(exc: yaml.MarkedYAMLError, path: str | Path, first_line: int) -> DigestError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + first_line if mark else first_line
    problem = exc.problem or exc.context or "invalid YAML"
    hint = "check the indentation and quote values that contain `: `, `#` or start with a symbol"
    if "\\t" in problem or "tab" in problem:
        problem = "a tab character is not allowed in YAML indentation"
        hint = "indent with spaces instead of tabs"
    elif "mapping values are not allowed" in problem:
        hint = 'a value containing `: ` must be quoted, e.g. `title: "Trade: the talks"`'
    return DigestError(f"invalid YAML: {problem}", path, line, hint)
