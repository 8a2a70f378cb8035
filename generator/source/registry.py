"""Read `people.yaml` and `topics.yaml`: the newsroom's list of who and what it covers."""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator.errors import DigestError
from generator.model import Person, Topic
from generator.slug import is_valid_slug
from generator.source.yamlsrc import key_lines, load_yaml, node_line
from generator.xmltext import first_illegal

PEOPLE_FILE = "people.yaml"
TOPICS_FILE = "topics.yaml"
PERSON_KEYS = ("name", "aliases", "role", "description", "same_as", "slug")
TOPIC_KEYS = ("name", "aliases", "keywords", "description", "slug")


def parse_people(rel: str, text: str) -> list[Person]:
    """Parse a people registry; every problem names its line."""
    people = []
    for item, where in _items(rel, text, PERSON_KEYS, "person"):
        same_as = _strings(item, "same_as", rel, where)
        for url in same_as:
            if not _is_web_address(url):
                raise DigestError(
                    f"`same_as` link {url!r} is not an http(s) address",
                    rel,
                    where.get("same_as"),
                    "give full addresses such as https://en.wikipedia.org/wiki/…",
                )
        people.append(
            Person(
                name=_name(item, rel, where),
                slug=_slug(item, rel, where),
                aliases=tuple(_strings(item, "aliases", rel, where)),
                role=_optional_text(item, "role", rel, where),
                description=_optional_text(item, "description", rel, where),
                same_as=tuple(same_as),
                registered=True,
                path=rel,
                line=where[""],
            )
        )
    _reject_duplicates(people, rel, "person")
    return people


def parse_topics(rel: str, text: str) -> list[Topic]:
    """Parse a topics registry; every problem names its line."""
    topics = [
        Topic(
            name=_name(item, rel, where),
            slug=_slug(item, rel, where),
            aliases=tuple(_strings(item, "aliases", rel, where)),
            keywords=tuple(_strings(item, "keywords", rel, where)),
            description=_optional_text(item, "description", rel, where),
            registered=True,
            path=rel,
            line=where[""],
        )
        for item, where in _items(rel, text, TOPIC_KEYS, "topic")
    ]
    _reject_duplicates(topics, rel, "topic")
    return topics


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _items(
    rel: str, text: str, keys: tuple[str, ...], kind: str
) -> list[tuple[dict[str, Any], dict[str, int]]]:
    data, node = load_yaml(text.lstrip("\ufeff"), rel)
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise DigestError(
            f"the {kind} registry must be a list",
            rel,
            1,
            f"start each {kind} with `- name: …`",
        )
    items = []
    for item, item_node in zip(data, node.value, strict=True):
        line = node_line(item_node, 1)
        if not isinstance(item, dict):
            raise DigestError(
                f"each {kind} must be a mapping with at least `name`",
                rel,
                line,
                "write `- name: …` and indent the other keys under it",
            )
        where = key_lines(item_node, 1)
        where[""] = line
        for key in item:
            if key not in keys:
                near = difflib.get_close_matches(str(key), keys, n=1)
                raise DigestError(
                    f"unknown {kind} key `{key}`",
                    rel,
                    where.get(str(key), line),
                    f"did you mean `{near[0]}`?" if near else f"known keys: {', '.join(keys)}",
                )
            found = _first_illegal_value(item[key])
            if found is not None:
                raise DigestError(
                    f"`{key}` holds a character XML cannot carry ({found})",
                    rel,
                    where.get(str(key), line),
                    "delete it (a YAML escape such as \\x01 or \\uFFFE writes it)",
                )
        items.append((item, where))
    return items


def _first_illegal_value(value: Any) -> str | None:
    """A character no feed could carry, in a value or a list of values."""
    for text in value if isinstance(value, list) else [value]:
        found = first_illegal(text) if isinstance(text, str) else None
        if found is not None:
            return found[1]
    return None


def _name(item: dict[str, Any], rel: str, where: dict[str, int]) -> str:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DigestError("missing `name`", rel, where.get("name", where[""]), "add `name: …`")
    return " ".join(name.split())


def _slug(item: dict[str, Any], rel: str, where: dict[str, int]) -> str:
    slug = item.get("slug")
    if slug is None:
        return ""
    if not isinstance(slug, str) or not is_valid_slug(slug):
        raise DigestError(
            f"invalid slug {slug!r}",
            rel,
            where.get("slug"),
            "use lower-case letters, digits and hyphens only",
        )
    return slug


def _strings(item: dict[str, Any], key: str, rel: str, where: dict[str, int]) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise DigestError(
            f"`{key}` must be a list of text", rel, where.get(key), f"write `{key}: [a, b]`"
        )
    return [" ".join(str(v).split()) for v in value if str(v).strip()]


def _optional_text(item: dict[str, Any], key: str, rel: str, where: dict[str, int]) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise DigestError(f"`{key}` must be text", rel, where.get(key), "write it as one line")
    return " ".join(str(value).split()) or None


def _reject_duplicates(items: list[Person] | list[Topic], rel: str, kind: str) -> None:
    seen: dict[str, int | None] = {}
    for item in items:
        key = item.name.casefold()
        if key in seen:
            raise DigestError(
                f"{kind} {item.name!r} is listed twice (first on line {seen[key]})",
                rel,
                item.line,
                "merge the two entries; put other spellings under `aliases`",
            )
        seen[key] = item.line
