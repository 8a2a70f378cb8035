"""people.yaml and topics.yaml: every person and topic, and every problem, at its line."""

from __future__ import annotations

import pytest

from generator.errors import DigestError
from generator.model import Person, Topic
from generator.source.registry import PEOPLE_FILE, TOPICS_FILE, parse_people, parse_topics

PEOPLE = """\
# Who the digest covers.
- name: Xi Jinping
  aliases: [President Xi, Xi]
  role: President of China
  description: >
    General Secretary of the
    Chinese Communist Party.
  same_as:
    - https://en.wikipedia.org/wiki/Xi_Jinping
    - http://www.wikidata.org/entity/Q15031

- name: Joe   Biden
  slug: joe-biden-jr
  same_as: https://en.wikipedia.org/wiki/Joe_Biden
"""

TOPICS = """\
- name: Tariffs
  aliases: [Tariff, Duties]
  keywords: [customs, levy]
  description: Taxes on imports.
- name: Trade talks
  slug: talks
"""


def people_error(text: str) -> DigestError:
    with pytest.raises(DigestError) as info:
        parse_people(PEOPLE_FILE, text)
    assert info.value.path == PEOPLE_FILE
    return info.value


def topics_error(text: str) -> DigestError:
    with pytest.raises(DigestError) as info:
        parse_topics(TOPICS_FILE, text)
    assert info.value.path == TOPICS_FILE
    return info.value


def test_people_are_read_with_their_lines() -> None:
    xi, biden = parse_people(PEOPLE_FILE, PEOPLE)
    assert vars(xi) == vars(
        Person(
            name="Xi Jinping",
            slug="",
            aliases=("President Xi", "Xi"),
            role="President of China",
            description="General Secretary of the Chinese Communist Party.",
            same_as=(
                "https://en.wikipedia.org/wiki/Xi_Jinping",
                "http://www.wikidata.org/entity/Q15031",
            ),
            registered=True,
            path=PEOPLE_FILE,
            line=2,
        )
    )
    assert biden.name == "Joe Biden"
    assert biden.slug == "joe-biden-jr"
    assert biden.same_as == ("https://en.wikipedia.org/wiki/Joe_Biden",)
    assert biden.line == 12
    assert biden.aliases == ()
    assert biden.role is None
    assert biden.registered is True


def test_topics_are_read_with_their_lines() -> None:
    tariffs, talks = parse_topics(TOPICS_FILE, TOPICS)
    assert vars(tariffs) == vars(
        Topic(
            name="Tariffs",
            aliases=("Tariff", "Duties"),
            keywords=("customs", "levy"),
            description="Taxes on imports.",
            registered=True,
            path=TOPICS_FILE,
            line=1,
        )
    )
    assert talks.slug == "talks"
    assert talks.line == 5


@pytest.mark.parametrize("text", ["", "\n", "# nobody yet\n", "\ufeff"])
def test_empty_registry(text: str) -> None:
    assert parse_people(PEOPLE_FILE, text) == []
    assert parse_topics(TOPICS_FILE, text) == []


def test_bom_is_ignored() -> None:
    (person,) = parse_people(PEOPLE_FILE, "\ufeff- name: Xi Jinping\n")
    assert person.name == "Xi Jinping"


def test_single_alias_as_text() -> None:
    (person,) = parse_people(PEOPLE_FILE, "- name: Xi Jinping\n  aliases: President Xi\n")
    assert person.aliases == ("President Xi",)


def test_shared_alias_between_two_people_is_allowed() -> None:
    text = (
        "- name: Joe Biden\n  aliases: [The President]\n"
        "- name: Donald Trump\n  aliases: [The President]\n"
    )
    biden, trump = parse_people(PEOPLE_FILE, text)
    assert biden.aliases == trump.aliases == ("The President",)


@pytest.mark.parametrize(
    ("text", "key", "near", "line"),
    [
        ("- name: Xi\n  rol: President\n", "rol", "role", 2),
        ("- name: Xi\n\n- name: Li\n  alias: [Li]\n", "alias", "aliases", 4),
        ("- name: Xi\n  sameas: [https://x.org]\n", "sameas", "same_as", 2),
        ("- Name: Xi\n", "Name", "name", 1),
    ],
)
def test_unknown_person_key_suggests_the_nearest(text: str, key: str, near: str, line: int) -> None:
    error = people_error(text)
    assert error.message == f"unknown person key `{key}`"
    assert error.hint == f"did you mean `{near}`?"
    assert error.line == line
    assert str(error) == f"{PEOPLE_FILE}:{line}: {error.message} — {error.hint}"


def test_unknown_topic_key_suggests_the_nearest() -> None:
    error = topics_error("- name: Trade\n  keyword: [tariff]\n")
    assert error.message == "unknown topic key `keyword`"
    assert error.hint == "did you mean `keywords`?"
    assert error.line == 2


def test_person_key_is_unknown_for_topics() -> None:
    error = topics_error("- name: Trade\n  same_as: [https://x.org]\n")
    assert "`same_as`" in error.message
    assert error.line == 2


def test_unknown_key_far_from_all_lists_them() -> None:
    error = people_error("- name: Xi\n  zzzz: 1\n")
    assert error.hint is not None
    assert "name" in error.hint
    assert "same_as" in error.hint


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("- name: Xi\n- role: President\n", 2),
        ("- name: Xi\n- name: ''\n", 2),
        ("- name: Xi\n-   name: '   '\n", 2),
        ("- name: Xi\n- name:\n", 2),
        ("- name: [Xi]\n", 1),
        ("- name: 42\n", 1),
        ("- name: Xi\n-\n  role: x\n  name:\n", 4),
    ],
)
def test_missing_name(text: str, line: int) -> None:
    error = people_error(text)
    assert error.message == "missing `name`"
    assert error.line == line


def test_missing_topic_name() -> None:
    error = topics_error("- name: Trade\n- aliases: [x]\n")
    assert error.message == "missing `name`"
    assert error.line == 2


@pytest.mark.parametrize(
    ("text", "first", "line"),
    [
        ("- name: Xi Jinping\n- name: Li Qiang\n- name: Xi Jinping\n", 1, 3),
        ("- name: Xi Jinping\n\n\n- name: xi  jinping\n", 1, 4),
    ],
)
def test_duplicate_person_names_both_lines(text: str, first: int, line: int) -> None:
    error = people_error(text)
    assert "listed twice" in error.message
    assert f"(first on line {first})" in error.message
    assert error.line == line
    assert error.hint is not None
    assert "aliases" in error.hint


def test_duplicate_topic() -> None:
    error = topics_error("- name: Trade\n- name: TRADE\n")
    assert "listed twice (first on line 1)" in error.message
    assert error.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "name: Xi Jinping\nrole: President\n",
        "Xi Jinping\n",
        "42\n",
    ],
)
def test_registry_not_a_list(text: str) -> None:
    error = people_error(text)
    assert error.message == "the person registry must be a list"
    assert error.line == 1
    assert error.hint is not None
    assert "- name:" in error.hint


def test_topic_registry_not_a_list() -> None:
    error = topics_error("Trade: {}\n")
    assert error.message == "the topic registry must be a list"


@pytest.mark.parametrize(("item", "line"), [("- Xi Jinping\n", 2), ("- [Xi]\n", 2)])
def test_item_not_a_mapping(item: str, line: int) -> None:
    error = people_error("- name: Li Qiang\n" + item)
    assert "must be a mapping" in error.message
    assert error.line == line


@pytest.mark.parametrize(
    "link",
    ["ftp://example.org/xi", "javascript:alert(1)", "en.wikipedia.org/wiki/Xi", "/wiki/Xi"],
)
def test_same_as_must_be_http(link: str) -> None:
    error = people_error(f"- name: Xi\n  role: x\n  same_as: ['https://ok.org/', '{link}']\n")
    assert repr(link) in error.message
    assert "http(s)" in error.message
    assert error.line == 3


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("- name: Xi\n  aliases: {a: b}\n", "aliases", 2),
        ("- name: Xi\n  aliases: [[a]]\n", "aliases", 2),
        ("- name: Xi\n  same_as: 3\n", "same_as", 2),
    ],
)
def test_list_keys_must_be_lists_of_text(text: str, key: str, line: int) -> None:
    error = people_error(text)
    assert error.message == f"`{key}` must be a list of text"
    assert error.line == line


def test_topic_keywords_must_be_text() -> None:
    error = topics_error("- name: Trade\n  keywords: {a: b}\n")
    assert error.message == "`keywords` must be a list of text"
    assert error.line == 2


@pytest.mark.parametrize(("key", "value"), [("role", "[a, b]"), ("description", "{a: b}"),
                                             ("role", "true")])  # fmt: skip
def test_text_keys_must_be_text(key: str, value: str) -> None:
    error = people_error(f"- name: Xi\n  {key}: {value}\n")
    assert error.message == f"`{key}` must be text"
    assert error.line == 2


@pytest.mark.parametrize("slug", ["Xi", "xi jinping", "../xi", "xi/jinping", "", "3"])
def test_invalid_registry_slug(slug: str) -> None:
    value = slug if slug == "3" else repr(slug)
    error = people_error(f"- name: Xi\n  slug: {value}\n")
    assert error.message.startswith("invalid slug ")
    assert error.line == 2


def test_yaml_errors_carry_the_registry_path() -> None:
    error = people_error("- name: Xi\n  role: [unclosed\n- name: Li\n")
    assert error.message.startswith("invalid YAML")
    assert error.line is not None


def test_duplicate_key_inside_a_person() -> None:
    error = people_error("- name: Xi\n  role: a\n  role: b\n")
    assert "duplicate key `role`" in error.message
    assert error.line == 3


def test_empty_optional_values_are_none_or_empty() -> None:
    (person,) = parse_people(
        PEOPLE_FILE, "- name: Xi\n  role:\n  description: '  '\n  aliases: ['', ' ']\n"
    )
    assert person.role is None
    assert person.description is None
    assert person.aliases == ()


def test_unparsable_same_as_link_is_a_digest_error() -> None:
    error = people_error("- name: Xi\n  same_as: 'http://[::1'\n")
    assert error.line == 2
