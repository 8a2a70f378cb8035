"""slugify: ASCII, stable, safe as one path segment; is_valid_slug accepts only its output."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.slug import is_valid_slug, slugify, slugify_escaped

SLUG_FORM = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PROPERTY = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Xi Jinping", "xi-jinping"),
        ("José Álvarez", "jose-alvarez"),
        ("习近平", "xi-jin-ping"),
        ("Zoë O'Neil", "zoe-oneil"),
        ("Zoë O\u2019Neil", "zoe-oneil"),  # the curly apostrophe word processors type
        ("Emmanuel Macron", "emmanuel-macron"),
        ("  Trade   talks  ", "trade-talks"),
        ("G7 summit 2025", "g7-summit-2025"),
        ("U.S.–China trade", "u-s-china-trade"),
        ("Владимир Путин", "vladimir-putin"),
        ("Ελλάδα", "ellada"),
        ("Straße", "strasse"),
        ("Café\u0301", "cafe"),  # combining accent after an accented letter
        ("Cafe\u0301", "cafe"),  # decomposed é
        ("AT&T", "at-t"),
        ("trade-talks", "trade-talks"),
    ],
)
def test_slugify_examples(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["???", "😀", "🇺🇸🇨🇳", "™ ©", "", "   ", "---", "''", "\u2019"])
def test_symbols_only_give_empty_slug(name: str) -> None:
    assert slugify(name) == ""


def test_emoji_next_to_words_is_dropped() -> None:
    assert slugify("Trade 🤝 talks") == "trade-talks"


def test_korean_syllables_are_separated() -> None:
    assert slugify("문재인") == "mun-jae-in"


@pytest.mark.parametrize("slug", ["xi-jinping", "a", "g7", "2025-summit", "a-b-c"])
def test_valid_slugs(slug: str) -> None:
    assert is_valid_slug(slug)


@pytest.mark.parametrize(
    "slug",
    ["", "Xi-Jinping", "xi_jinping", "xi--jinping", "-xi", "xi-", "../etc", "a/b", "a\\b", "a.b",
     "jos\u00e9", "xi jinping", ".."],
)  # fmt: skip
def test_invalid_slugs(slug: str) -> None:
    assert not is_valid_slug(slug)


@PROPERTY
@given(st.text())
def test_slug_is_ascii_in_canonical_form_or_empty(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or SLUG_FORM.fullmatch(slug)
    assert slug.isascii()


@PROPERTY
@given(st.text())
def test_slugify_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug


@PROPERTY
@given(st.text())
def test_nonempty_slug_is_valid(text: str) -> None:
    slug = slugify(text)
    if slug:
        assert is_valid_slug(slug)
    else:
        assert not is_valid_slug(slug)


@PROPERTY
@given(st.text(alphabet=st.sampled_from("./\\.. ~-_aZé习😀")) | st.text())
def test_slug_never_escapes_its_folder(text: str) -> None:
    slug = slugify(text)
    assert ".." not in slug
    assert "/" not in slug
    assert "\\" not in slug


@PROPERTY
@given(st.text())
def test_is_valid_slug_accepts_exactly_the_canonical_form(text: str) -> None:
    assert is_valid_slug(text) == bool(SLUG_FORM.fullmatch(text))


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("%ef%bb%bfhello-world", "hello-world"),
        ("%EF%BB%BFhello-world", "hello-world"),
        ("\ufeffhello-world", "hello-world"),
        ("hello_world", "hello-world"),
        ("hello.world", "hello-world"),
        ("caf%C3%A9", "cafe"),
        ("%e4%bd%a0%e5%a5%bd", "ni-hao"),
        ("100%", "100"),
        ("%ff%fe-broken", "broken"),
    ],
)
def test_slugify_escaped_decodes_what_old_blogs_wrote(text: str, slug: str) -> None:
    assert slugify_escaped(text) == slug


@PROPERTY
@given(st.text())
def test_slugify_escaped_reads_percent_escapes_as_their_text(text: str) -> None:
    escaped = quote(text.replace("%", ""), safe="", errors="surrogatepass")
    assert slugify_escaped(escaped) == slugify(text.replace("%", ""))


@PROPERTY
@given(st.text())
def test_slugify_escaped_gives_a_valid_slug_or_nothing(text: str) -> None:
    slug = slugify_escaped(text)
    assert slug == "" or is_valid_slug(slug)
