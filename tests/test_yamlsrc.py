"""load_yaml keeps line numbers, refuses duplicate keys, and explains tabs and unquoted `: `."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import DigestError
from generator.source import yamlsrc
from generator.source.yamlsrc import LOADERS, key_lines, load_yaml, node_line
from tests.deadline import ends_within

PATH = "content/x.md"


@pytest.fixture(autouse=True, params=LOADERS, ids=[loader.__name__ for loader in LOADERS])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Every test runs with each parser PyYAML may have been built with."""
    monkeypatch.setattr(yamlsrc, "_Loader", request.param)
    return request.param


def yaml_error(text: str, first_line: int = 1) -> DigestError:
    with pytest.raises(DigestError) as info:
        load_yaml(text, PATH, first_line)
    return info.value


def test_mapping_and_key_lines() -> None:
    data, node = load_yaml("title: Trade\n\ndate: 2025-06-04\npeople:\n  - Xi\n", PATH)
    assert data == {"title": "Trade", "date": "2025-06-04", "people": ["Xi"]}
    assert key_lines(node, 1) == {"title": 1, "date": 3, "people": 4}


def test_key_lines_are_offset_by_first_line() -> None:
    _, node = load_yaml("title: Trade\ndate: 2025-06-04\n", PATH, first_line=5)
    assert key_lines(node, 5) == {"title": 5, "date": 6}


def test_key_lines_of_non_string_keys_use_their_text() -> None:
    _, node = load_yaml("1: one\ntrue: yes\n", PATH)
    assert key_lines(node, 1) == {"1": 1, "true": 2}


def test_node_line() -> None:
    _, node = load_yaml("- a\n- b\n\n- c\n", PATH, first_line=10)
    assert isinstance(node, yaml.SequenceNode)
    assert [node_line(item, 10) for item in node.value] == [10, 11, 13]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_document(text: str) -> None:
    assert load_yaml(text, PATH) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", ["a", "b"]),
        ("just text\n", "just text"),
        ("42\n", 42),
    ],
)
def test_non_mapping_documents_load(text: str, expected: object) -> None:
    data, node = load_yaml(text, PATH)
    assert data == expected
    assert key_lines(node, 1) == {}


def test_dates_stay_text() -> None:
    # Dates are read by generator.dates with its messages, never by YAML's own resolver.
    data, _ = load_yaml("date: 2025-06-04\nwhen: 2025-06-04 10:00:00\n", PATH)
    assert data == {"date": "2025-06-04", "when": "2025-06-04 10:00:00"}


def test_duplicate_key_names_both_lines() -> None:
    error = yaml_error("title: A\ndate: 2025-06-04\ntitle: B\n", first_line=2)
    assert "duplicate key `title`" in error.message
    assert "first given on line 2" in error.message
    assert error.line == 4
    assert error.path == PATH
    assert error.hint


def test_nested_duplicate_key_is_found() -> None:
    error = yaml_error("people:\n  - name: A\n    name: B\n")
    assert "duplicate key `name`" in error.message
    assert error.line == 3


def test_same_key_in_sibling_mappings_is_fine() -> None:
    data, _ = load_yaml("- name: A\n- name: B\n", PATH)
    assert data == [{"name": "A"}, {"name": "B"}]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("title: x\n\tdate: 2025-06-04\n", 2),
        ("title: x\npeople:\n\t- Xi\n", 3),
    ],
)
def test_tab_indentation_is_explained(text: str, line: int) -> None:
    error = yaml_error(text, first_line=2)
    assert "tab" in error.message
    assert error.hint == "indent with spaces instead of tabs"
    assert error.line == line + 1


def test_unquoted_colon_space_hint() -> None:
    error = yaml_error("date: 2025-06-04\ntitle: Trade: the talks\n", first_line=2)
    assert error.message == "invalid YAML: `: ` inside a value that is not quoted"
    assert error.hint is not None
    assert 'title: "Trade: the talks"' in error.hint
    assert error.line == 3


def test_quoted_colon_space_is_fine() -> None:
    data, _ = load_yaml('title: "Trade: the talks"\n', PATH)
    assert data == {"title": "Trade: the talks"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("title: [unclosed\ndate: x\n", 1),
        ("title: 'open\n", 1),
        ("a: b\n c: d\n  - e\n", 2),
        ("title: *nowhere\n", 1),
    ],
)
def test_malformed_yaml_points_at_a_line(text: str, line: int) -> None:
    error = yaml_error(text)
    assert error.message.startswith("invalid YAML: ")
    assert error.path == PATH
    assert error.line == line
    assert error.hint
    assert str(error).startswith(f"{PATH}:{line}: invalid YAML: ")


def test_python_tags_are_refused() -> None:
    error = yaml_error("title: !!python/object/apply:os.system [echo hi]\n")
    assert error.message.startswith("invalid YAML: ")
    assert error.line == 1


def test_anchors_and_aliases_work() -> None:
    data, _ = load_yaml("a: &x [Xi, Biden]\nb: *x\n", PATH)
    assert data == {"a": ["Xi", "Biden"], "b": ["Xi", "Biden"]}


@pytest.mark.parametrize("char", ["\x01", "\x1f", "\x7f", "\x0b"])
def test_control_character_is_a_digest_error(char: str) -> None:
    error = yaml_error(f"date: 2025-06-04\ntitle: a{char}b\n")
    assert error.line == 2


def test_recursive_alias_is_a_digest_error() -> None:
    yaml_error("people: &a [*a]\n")


def test_deep_nesting_is_a_digest_error() -> None:
    yaml_error("people: " + "[" * 3000 + "]" * 3000 + "\n")


@pytest.mark.parametrize(
    "value", ["!!int abc", "!!float abc", "!!bool maybe", "!!timestamp nope", "!!int 0x"]
)
def test_bad_explicit_tag_is_a_digest_error(value: str) -> None:
    error = yaml_error(f"date: 2025-06-04\ntitle: {value}\n")
    assert error.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "title: Trade\nauthors: [A, B]\nnested: {a: [1, 2.5, true, null, ~, 0x1F, 1:30]}\n",
        "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\nshared: *b\n",  # merge key: PyYAML's
        "1: one\n2.5: two\nnull: three\ntrue: four\n",  # keys that are not strings: PyYAML's
        "n: !!int '7'\ns: !!str 8\nbin: !!binary aGk=\n",  # explicit tags: PyYAML's
        "empty:\nquoted: 'true'\nblock: |\n  two\n  lines\n",
    ],
)
def test_data_is_what_pyyaml_constructs(text: str, loader: type) -> None:
    data, _ = load_yaml(text, PATH)
    assert data == yaml.load(text, Loader=loader)


# --- tabs: valid between words, never as indentation, alike with either parser -------------


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("title:\tTrade\ndate: x\n", {"title": "Trade", "date": "x"}),
        ("title: Trade\t# a comment\n", {"title": "Trade"}),
        ("title: Trade\ttalks\n", {"title": "Trade talks"}),
        ("title: Trade\t\n", {"title": "Trade"}),
        ("people: [Xi,\tBiden]\n", {"people": ["Xi", "Biden"]}),
        ("people:\t[Xi, Biden]\n", {"people": ["Xi", "Biden"]}),
        ("people:\n-\tXi\n", {"people": ["Xi"]}),
        ("people:\n  - \tXi\n", {"people": ["Xi"]}),
        ("a:\n  b:\tc\n", {"a": {"b": "c"}}),
        ("title\t: Trade\n", {"title": "Trade"}),
        ('title:\t"Trade"\n', {"title": "Trade"}),
        ("a: 1\n\t\nb: 2\n", {"a": 1, "b": 2}),
        ("summary: |\n  one\n \t\n  two\n", {"summary": "one\n\ntwo\n"}),
    ],
)
def test_tabs_between_words_are_read(text: str, data: object) -> None:
    assert load_yaml(text, PATH)[0] == data


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("title: x\n\tdate: 2025-06-04\n", 2),
        ("title: a\n\tb\n", 2),
        ("people: [a,\n\tb]\n", 2),
        ("summary: |\n  one\n  \ttwo\n", 3),
    ],
)
def test_tab_indentation_is_refused_alike(text: str, line: int) -> None:
    error = yaml_error(text, first_line=5)
    assert error.message == "invalid YAML: a tab character is not allowed in YAML indentation"
    assert error.line == line + 4


TAB_FRAGMENTS = st.sampled_from(
    [
        "title:", "date:", "people:", "a:", " ", "  ", "\t", "\t\t", "\n", "- ", "-", "[",
        "]", "{", "}", ",", ": ", "'", '"', " # note", "\t# note", ": |\n", ": >\n", "x", "Xi",
        "2025-06-04", "\n  ", "\n- ", "&a ", "*a", "? ",
    ]
)  # fmt: skip


def _outcome(loader: type, text: str) -> object:
    yamlsrc._Loader = loader
    try:
        return load_yaml(text, PATH, 3)[0]
    except DigestError as error:
        return (error.message, error.line)


@pytest.mark.skipif(len(LOADERS) < 2, reason="PyYAML was built without libyaml")
@settings(max_examples=500, deadline=None)
@given(st.lists(TAB_FRAGMENTS, max_size=25).map("".join))
def test_both_parsers_read_text_with_tabs_alike(text: str) -> None:
    saved = yamlsrc._Loader
    try:
        assert _outcome(LOADERS[0], text) == _outcome(LOADERS[1], text)
    finally:
        yamlsrc._Loader = saved


# --- an error names the line that opened the quote or bracket -------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('title: "Trade talks\ndate: 2025-06-04\nsummary: x\n', 1, "a quoted value is not closed"),
        ("title: 'Trade talks\ndate: 2025-06-04\nsummary: x\n", 1, "a quoted value is not closed"),
        ("title: x\npeople: [Xi, Biden\ndate: 2025-06-04\nsummary: y\n", 2,
         "a `[` list is not closed"),
        ("title: x\npeople: {Xi: a\ndate: 2025-06-04\nsummary: y\n", 2,
         "a `{` mapping is not closed"),
        ("people: [Xi,\n  Biden,\n  Macron\ndate: 2025\n", 1, "a `[` list is not closed"),
        ("people: [Xi, [a, b]\ndate: 2025\n", 1, "a `[` list is not closed"),
        ("people: [Xi, \"Biden\ndate: 2025\n", 1, "a quoted value is not closed"),
    ],
)  # fmt: skip
def test_unclosed_quote_or_bracket_points_at_where_it_opened(
    text: str, line: int, message: str
) -> None:
    error = yaml_error(text, first_line=2)
    assert error.message == f"invalid YAML: {message}"
    assert error.line == line + 1
    assert error.hint is not None
    assert "gave up on line" in error.hint


# --- aliases and nesting are bounded --------------------------------------------------------


def billion_laughs(levels: int = 9, key: str = "lol") -> str:
    lines = [f'{key}0: &{key}0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*{key}{level - 1}"] * 9)
        lines.append(f"{key}{level}: &{key}{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_its_line() -> None:
    with ends_within(20):
        error = yaml_error("title: T\n" + billion_laughs(), first_line=2)
    assert error.message.startswith("invalid YAML: aliases (`*name`) repeat more than")
    assert error.path == PATH
    assert error.line is not None and 3 < error.line <= 12
    assert error.hint


def test_alias_bomb_in_a_block_list_is_refused() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 8):
        text += f"l{level}: &l{level}\n" + "".join(
            f"  - *{'a' if level == 1 else f'l{level - 1}'}\n" for _ in range(10)
        )
    with ends_within(20):
        error = yaml_error(text)
    assert "repeat more than" in error.message


def test_aliases_within_the_budget_are_fine() -> None:
    data, _ = load_yaml(billion_laughs(levels=3), PATH)
    assert len(data["lol2"]) == 9
    assert data["lol2"][0][0] == ["lol"] * 9


def test_recursive_alias_is_named_at_its_line() -> None:
    error = yaml_error("title: T\npeople: &a\n  - x\n  - *a\n")
    assert error.message == "invalid YAML: an alias refers to the list or mapping that contains it"
    assert error.line == 4


@pytest.mark.parametrize("depth", [101, 1000, 100_000])
def test_deep_nesting_is_refused_at_a_line(depth: int) -> None:
    with ends_within(20):
        error = yaml_error("title: T\npeople: " + "[" * depth + "]" * depth + "\n")
    assert error.message == "invalid YAML: lists or mappings nested more than 100 deep"
    assert error.line == 2


def test_nesting_to_the_limit_is_fine() -> None:
    data, _ = load_yaml("a: " + "[" * 98 + "x" + "]" * 98 + "\n", PATH)
    assert data is not None


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("same_as: [https://example.org/wiki?id=1&b=2, https://x.org/?q]\n",
         {"same_as": ["https://example.org/wiki?id=1&b=2", "https://x.org/?q"]}),
        ("aliases: [Who? Me, {x?: y?}]\n", {"aliases": ["Who? Me", {"x?": "y?"}]}),
        ("title: Why? Because.\n", {"title": "Why? Because."}),
        ("? complex\n: value\n", {"complex": "value"}),
        ("title: 'quoted?'\n", {"title": "quoted?"}),
    ],
)  # fmt: skip
def test_question_marks_inside_words_are_text_with_either_parser(text: str, data: object) -> None:
    assert load_yaml(text, PATH)[0] == data
