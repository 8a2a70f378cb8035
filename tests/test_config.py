"""digest.toml: defaults, typos named with the nearest key, wrong types and values on their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import CONFIG_NAME, Config, load_config
from generator.errors import DigestError
from tests.conftest import WriteTree


def load(write_tree: WriteTree, text: str | bytes) -> Config:
    return load_config(write_tree({CONFIG_NAME: text}))


def load_error(write_tree: WriteTree, text: str | bytes) -> DigestError:
    with pytest.raises(DigestError) as info:
        load(write_tree, text)
    return info.value


def test_defaults_without_config_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.title == "News digest"
    assert config.base_url == "/"
    assert config.base_path == "/"
    assert config.origin == ""
    assert config.timezone == "UTC"
    assert config.edition == "week"
    assert config.page_size == 20
    assert config.home_editions == 5
    assert config.output == "site"
    assert config.language == "en"


def test_empty_config_file_gives_defaults(write_tree: WriteTree) -> None:
    assert load(write_tree, "") == Config()


def test_every_setting_is_read(write_tree: WriteTree) -> None:
    config = load(
        write_tree,
        """
title = "World Brief"
description = "Daily"
base_url = "https://example.org/news/"
language = "fr"
timezone = "Europe/Paris"
edition = "day"
page_size = 10
home_editions = 3
output = "public"
""",
    )
    assert config == Config(
        title="World Brief",
        description="Daily",
        base_url="https://example.org/news/",
        language="fr",
        timezone="Europe/Paris",
        edition="day",
        page_size=10,
        home_editions=3,
        output="public",
    )
    assert config.tz.key == "Europe/Paris"


def test_bom_is_accepted(write_tree: WriteTree) -> None:
    assert load(write_tree, '\ufefftitle = "World Brief"\n').title == "World Brief"


@pytest.mark.parametrize(
    ("text", "key", "near", "line"),
    [
        ('titel = "x"', "titel", "title", 1),
        ('title = "x"\npagesize = 3\n', "pagesize", "page_size", 2),
        ('# settings\ntimezon = "UTC"\n', "timezon", "timezone", 2),
        ('title = "x"\n  base_ur = "/"\n', "base_ur", "base_url", 2),
        ("home_edition = 2", "home_edition", "home_editions", 1),
    ],
)
def test_unknown_key_names_it_and_suggests_the_nearest(
    write_tree: WriteTree, text: str, key: str, near: str, line: int
) -> None:
    error = load_error(write_tree, text)
    assert f"`{key}`" in error.message
    assert error.hint is not None
    assert f"`{near}`" in error.hint
    assert error.line == line
    assert error.path == CONFIG_NAME  # relative to the site root, as every message is
    assert str(error).startswith(f"{error.path}:{line}: ")


def test_unknown_key_with_nothing_near_lists_the_known_keys(write_tree: WriteTree) -> None:
    error = load_error(write_tree, "zzzzzz = 1")
    assert "`zzzzzz`" in error.message
    assert error.hint is not None
    assert "title" in error.hint
    assert "page_size" in error.hint


@pytest.mark.parametrize(
    ("text", "key", "fragment", "line"),
    [
        ('page_size = "20"', "page_size", "whole number, not string", 1),
        ("title = 3", "title", "string, not whole number", 1),
        ('title = "x"\npage_size = true', "page_size", "whole number, not true/false", 2),
        ("home_editions = false", "home_editions", "whole number, not true/false", 1),
        ("page_size = 2.0", "page_size", "whole number, not number", 1),
        ('timezone = ["UTC"]', "timezone", "string, not list", 1),
        ("base_url = 1", "base_url", "string", 1),
    ],
)
def test_wrong_type_names_key_and_types(
    write_tree: WriteTree, text: str, key: str, fragment: str, line: int
) -> None:
    error = load_error(write_tree, text)
    assert f"`{key}`" in error.message
    assert fragment in error.message
    assert error.line == line
    assert error.hint is not None
    assert f"`{key} = " in error.hint


def test_wrong_type_hint_shows_default_as_example(write_tree: WriteTree) -> None:
    error = load_error(write_tree, 'page_size = "20"')
    assert error.hint == "for example `page_size = 20`"
    error = load_error(write_tree, "title = 3")
    assert error.hint == 'for example `title = "News digest"`'


@pytest.mark.parametrize("value", ['"month"', '"Week"', '""'])
def test_bad_edition(write_tree: WriteTree, value: str) -> None:
    error = load_error(write_tree, f'title = "x"\nedition = {value}\n')
    assert "`edition`" in error.message
    assert "day" in error.message
    assert "week" in error.message
    assert error.line == 2


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",
        "Europe",  # a folder of zones, not a zone
        "",
        "../../etc/passwd",
        "utc+2",
    ],
)
def test_bad_timezone(write_tree: WriteTree, zone: str) -> None:
    error = load_error(write_tree, f'title = "x"\ntimezone = "{zone}"\n')
    assert "time zone" in error.message
    assert repr(zone) in error.message
    assert error.line == 2
    assert error.hint is not None
    assert "Europe/London" in error.hint


@pytest.mark.parametrize("key", ["page_size", "home_editions", "feed_entries"])
@pytest.mark.parametrize("value", [0, -1])
def test_counts_must_be_positive(write_tree: WriteTree, key: str, value: int) -> None:
    error = load_error(write_tree, f'title = "x"\n{key} = {value}\n')
    assert f"`{key}` must be between 1 and " in error.message
    assert error.line == 2


@pytest.mark.parametrize(
    ("key", "most"), [("page_size", 1000), ("home_editions", 100), ("feed_entries", 1000)]
)
@pytest.mark.parametrize("excess", [1, 10**20])
def test_absurd_counts_are_refused(write_tree: WriteTree, key: str, most: int, excess: int) -> None:
    value = most + excess
    error = load_error(write_tree, f'title = "x"\n{key} = {value}\n')
    assert error.message == f"`{key}` must be between 1 and {most}, not {value}"
    assert error.line == 2
    assert getattr(load(write_tree, f"{key} = {most}\n"), key) == most


def test_links_out_of_the_site_are_refused_by_default(write_tree: WriteTree) -> None:
    assert Config().allow_outside_links is False
    assert load(write_tree, "allow_outside_links = true\n").allow_outside_links is True


@pytest.mark.parametrize("url", ["ftp://example.org/", "https:///news", "javascript:alert(1)"])
def test_bad_base_url(write_tree: WriteTree, url: str) -> None:
    error = load_error(write_tree, f'base_url = "{url}"')
    assert "`base_url`" in error.message
    assert error.line == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('title = "unclosed\n', 1),
        ('title = "x"\npage_size 20\n', 2),
        ('title = "x"\n\n\nedition = week\n', 4),
        ("[table\n", 1),
    ],
)
def test_toml_syntax_error_gives_line(write_tree: WriteTree, text: str, line: int) -> None:
    error = load_error(write_tree, text)
    assert error.message.startswith(f"cannot parse {CONFIG_NAME}: ")
    assert "(at line" not in error.message  # the line is in the location, not repeated
    assert error.line == line
    assert str(error).startswith(f"{error.path}:{line}: cannot parse")
    assert error.hint


@pytest.mark.parametrize(
    ("url", "base_path", "origin"),
    [
        ("https://example.org/news", "/news/", "https://example.org"),
        ("https://example.org/news/", "/news/", "https://example.org"),
        ("http://example.org", "/", "http://example.org"),
        ("https://example.org:8443/a/b", "/a/b/", "https://example.org:8443"),
        ("/news/", "/news/", ""),
        ("/news", "/news/", ""),
        ("/", "/", ""),
    ],
)
def test_base_path_and_origin(url: str, base_path: str, origin: str) -> None:
    config = Config(base_url=url)
    assert config.base_path == base_path
    assert config.origin == origin


def test_base_url_from_file_derives_path(write_tree: WriteTree) -> None:
    config = load(write_tree, 'base_url = "https://example.org/news"')
    assert config.base_path == "/news/"
    assert config.origin == "https://example.org"


def test_fingerprint_changes_with_any_setting() -> None:
    base = Config().fingerprint()
    assert base == Config().fingerprint()
    assert Config(title="Other").fingerprint() != base
    assert Config(page_size=21).fingerprint() != base
    assert Config(edition="day").fingerprint() != base


def test_relative_base_url_gets_a_leading_slash_or_is_refused(write_tree: WriteTree) -> None:
    try:
        config = load(write_tree, 'base_url = "news"')
    except DigestError:
        return
    assert config.base_path == "/news/"


def test_non_utf8_config_is_a_digest_error(write_tree: WriteTree) -> None:
    error = load_error(write_tree, b'title = "caf\xe9"\n')
    assert error.line == 1


def test_unparsable_base_url_is_a_digest_error(write_tree: WriteTree) -> None:
    error = load_error(write_tree, 'base_url = "http://[::1"')
    assert "`base_url`" in error.message


def test_unknown_table_gives_its_line(write_tree: WriteTree) -> None:
    error = load_error(write_tree, 'title = "x"\n\n[extra]\nfoo = 1\n')
    assert "`extra`" in error.message
    assert error.line == 3


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('title = "x"\n\npagesize = 3\n', 3),
        ('\n\ntimezone = "Mars/Olympus"\n', 3),
        ('title = "x"\n\n\npage_size = "20"\n', 4),
    ],
)
def test_key_after_blank_lines_gets_its_own_line(
    write_tree: WriteTree, text: str, line: int
) -> None:
    assert load_error(write_tree, text).line == line


@pytest.mark.parametrize(
    "tag",
    ["en", "en-GB", "pt-BR", "zh-Hant-TW", "es-419", "de-CH-1901", "sl-rozaj-biske", "ast",
     "gsw-u-sd-chzh", "en-a-bbb-x-a-ccc", "x-private", "i-klingon", "EN-us"],
)  # fmt: skip
def test_a_bcp_47_language_tag_is_accepted(write_tree: WriteTree, tag: str) -> None:
    assert load(write_tree, f'language = "{tag}"\n').language == tag


@pytest.mark.parametrize(
    "tag",
    ["<b>en</b>", "", "en_GB", "en GB", "en-", "-en", "e", "en--GB", "abcdefghi", "en-x",
     'en" onload="x', "en-GB-x", "en-a", "français"],
)  # fmt: skip
def test_a_language_that_is_no_bcp_47_tag_is_refused_on_its_line(
    write_tree: WriteTree, tag: str
) -> None:
    """Pagefind panicked on markup in `language`, after the pages were swapped in."""
    text = 'title = "T"\n' + "language = " + '"' + tag.replace('"', '\\"') + '"\n'
    error = load_error(write_tree, text)
    assert (error.path, error.line) == (CONFIG_NAME, 2)
    assert error.message == f"`language` must be a BCP 47 language tag, not {tag!r}"
    assert 'for example `language = "en"`' in (error.hint or "")


@pytest.mark.parametrize(
    ("text", "base_path", "origin"),
    [
        ('site_url = "https://example.org/"', "/", "https://example.org"),
        ('site_url = "https://example.org/news"', "/news/", "https://example.org"),
        (
            'site_url = "https://example.org/news/"\nbase_url = "/news/"',
            "/news/",
            "https://example.org",
        ),
        ('base_url = "/"\nsite_url = "https://example.org"', "/", "https://example.org"),
    ],
)
def test_site_url_gives_the_address_and_its_path_the_base(
    write_tree: WriteTree, text: str, base_path: str, origin: str
) -> None:
    config = load(write_tree, text + "\n")
    assert (config.base_path, config.origin) == (base_path, origin)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('site_url = "/news/"', "absolute http(s) address"),
        ('site_url = "example.org"', "absolute http(s) address"),
        ('site_url = "https://example.org/?a=1"', "absolute http(s) address"),
        ('site_url = "https://example.org/news/"\nbase_url = "/"', "name different places"),
        ('site_url = "https://example.org/"\nbase_url = "https://other.org/"', "different places"),
    ],
)
def test_a_site_url_that_is_no_address_or_disagrees_is_an_error(
    write_tree: WriteTree, text: str, words: str
) -> None:
    error = load_error(write_tree, text + "\n")
    assert words in error.message
    assert error.line == 1


def test_a_site_url_that_does_not_parse_is_an_error(write_tree: WriteTree) -> None:
    error = load_error(write_tree, 'site_url = "http://[::1"\n')
    assert "`site_url`" in error.message and error.line == 1
