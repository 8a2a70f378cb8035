"""parse_entry: YAML front matter, Pelican headers and raw text, and every error at its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import BuildFailed, DigestError
from generator.model import Entry
from generator.source.fields import FRONT_MATTER_KEYS, TOPIC_KEYS, ignored_key_notes
from generator.source.frontmatter import HEADLINE_LENGTH, headline_from
from generator.source.markup import smarten
from generator.source.parse import ParseOptions, parse_entry
from tests.conftest import entry_text
from tests.deadline import ends_within

REL = "content/2025-06-04-trade-talks.md"
BERLIN = ZoneInfo("Europe/Berlin")
SEED = Path("/work/shared/seeds/000_9f66ae1a13ba7f62.txt")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(data: str | bytes, rel: str = REL, tz: ZoneInfo | timezone = UTC) -> Entry:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return parse_entry(rel, raw, tz)


def errors_of(data: str | bytes, rel: str = REL) -> list[DigestError]:
    """Every error parse_entry reports for this input (it must report at least one)."""
    try:
        parse(data, rel)
    except BuildFailed as failed:
        assert len(failed.errors) > 1, "BuildFailed is for several errors"
        return failed.errors
    except DigestError as error:
        return [error]
    raise AssertionError("expected parse_entry to fail")


def one_error(data: str | bytes, rel: str = REL) -> DigestError:
    errors = errors_of(data, rel)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def assert_located(error: DigestError, rel: str, line: int) -> None:
    """`.path`, `.line` and the printed form `path:line: message — hint` all agree."""
    assert error.path == rel
    assert error.line == line
    assert error.hint, "every content error carries a hint"
    assert str(error) == f"{rel}:{line}: {error.message} — {error.hint}"


# --- YAML front matter ---------------------------------------------------------------------

FULL = """---
title: "Trade: the talks"
date: 2025-06-04 09:30
authors: [Jane Doe, John Roe]
source: Reuters
url: https://example.org/trade
people: [Xi Jinping, Donald Trump]
topics: [Tariffs, Trade]
summary: Both sides   talk.
draft: false
slug: trade-talks-2
mood: hopeful
---
# Heading

First *paragraph*.
"""


def test_front_matter_with_every_key() -> None:
    entry = parse(FULL)
    assert entry.path == REL
    assert entry.title == "Trade: the talks"
    assert entry.date == datetime(2025, 6, 4, 9, 30, tzinfo=UTC)
    assert entry.authors == ("Jane Doe", "John Roe")
    assert entry.source == "Reuters"
    assert entry.source_url == "https://example.org/trade"
    assert entry.people_names == ("Xi Jinping", "Donald Trump")
    assert entry.topic_names == ("Tariffs", "Trade")
    assert entry.summary == "Both sides talk."
    assert entry.draft is False
    assert entry.slug == "trade-talks-2"
    assert entry.extra == {"mood": "hopeful"}
    assert '<h1 id="heading">Heading</h1>' in entry.body
    assert "<em>paragraph</em>" in entry.body


def test_front_matter_key_lines() -> None:
    entry = parse(FULL)
    assert entry.lines["title"] == 2
    assert entry.lines["date"] == 3
    assert entry.lines["people"] == 7
    assert entry.lines["mood"] == 12
    assert entry.line_of("topics") == 8
    assert entry.line_of("nonexistent") == 1  # falls back to the opening `---`


def test_comma_separated_lists() -> None:
    entry = parse(
        entry_text(
            people="Xi Jinping,  Donald   Trump ,",
            topics="Tariffs, Trade",
            authors="Jane Doe, John Roe",
        )
    )
    assert entry.people_names == ("Xi Jinping", "Donald Trump")
    assert entry.topic_names == ("Tariffs", "Trade")
    assert entry.authors == ("Jane Doe", "John Roe")


def test_single_name_is_a_list_of_one() -> None:
    assert parse(entry_text(people="Xi Jinping")).people_names == ("Xi Jinping",)


def test_repeated_names_are_kept_once_in_order() -> None:
    entry = parse(entry_text(topics="[Trade, Tariffs, Trade, '  Tariffs ']"))
    assert entry.topic_names == ("Trade", "Tariffs")


def test_numbers_in_lists_become_text() -> None:
    assert parse(entry_text(topics="[G7, 2025]")).topic_names == ("G7", "2025")


def test_unknown_keys_are_kept_in_extra() -> None:
    entry = parse(entry_text(mood="hopeful", weight="3", legacy="[a, b]"))
    assert entry.extra == {"mood": "hopeful", "weight": 3, "legacy": ["a", "b"]}
    assert "title" not in entry.extra


def test_optional_fields_default() -> None:
    entry = parse(entry_text())
    assert entry.authors == ()
    assert entry.source is None
    assert entry.source_url is None
    assert entry.people_names == ()
    assert entry.topic_names == ()
    assert entry.draft is False
    assert entry.extra == {}


def test_byte_order_mark_is_ignored() -> None:
    entry = parse(b"\xef\xbb\xbf" + entry_text(title="With BOM").encode())
    assert entry.title == "With BOM"
    assert entry.lines["title"] == 2


def test_crlf_line_ends() -> None:
    entry = parse(entry_text(title="Windows", people="Xi Jinping").replace("\n", "\r\n"))
    assert entry.title == "Windows"
    assert entry.people_names == ("Xi Jinping",)
    assert entry.lines["people"] == 4
    assert "\r" not in entry.body


def test_leading_blank_lines_shift_line_numbers() -> None:
    entry = parse("\n\n" + entry_text(title="Late start"))
    assert entry.title == "Late start"
    assert entry.lines[""] == 3
    assert entry.lines["title"] == 4
    assert entry.lines["date"] == 5


def test_dot_dot_dot_closes_front_matter() -> None:
    entry = parse("---\ntitle: Dots\ndate: 2025-06-04\n...\nBody after dots.\n")
    assert entry.title == "Dots"
    assert entry.summary == "Body after dots."


def test_closing_line_may_have_trailing_spaces() -> None:
    assert parse("---\ntitle: T\ndate: 2025-06-04\n---   \nBody.\n").title == "T"


def test_summary_falls_back_to_first_paragraph() -> None:
    text = "---\ntitle: T\ndate: 2025-06-04\n---\n# Heading\n\nFirst *one* & more.\n\nSecond.\n"
    assert parse(text).summary == "First one & more."


def test_explicit_summary_wins() -> None:
    assert parse(entry_text(summary="Given here.")).summary == "Given here."


def test_summary_is_empty_without_paragraphs() -> None:
    assert parse("---\ntitle: T\ndate: 2025-06-04\n---\n# Only a heading\n").summary == ""


@pytest.mark.parametrize(
    ("rel", "slug"),
    [
        ("content/2025-06-04-trade-talks.md", "trade-talks"),
        ("content/2025-6-4-trade-talks.md", "trade-talks"),
        ("content/2025-06-04_trade_talks.md", "trade-talks"),
        ("content/2025/06/Trade Talks.markdown", "trade-talks"),
        ("content/trade-talks.md", "trade-talks"),
        ("content/2025-06-04.md", "2025-06-04"),
        ("content/Xi’s visit.md", "xis-visit"),
    ],
)
def test_slug_defaults_to_file_name_without_date_prefix(rel: str, slug: str) -> None:
    assert parse(entry_text(), rel=rel).slug == slug


def test_explicit_slug_wins() -> None:
    assert parse(entry_text(slug="chosen"), rel="content/other.md").slug == "chosen"


@pytest.mark.parametrize(
    ("value", "draft"),
    [("true", True), ("false", False), ("yes", True), ("'no'", False), ("'Yes'", True)],
)
def test_draft_values(value: str, draft: bool) -> None:
    assert parse(entry_text(draft=value)).draft is draft


def test_title_whitespace_is_collapsed() -> None:
    assert parse(entry_text(title='"  Trade   talks  "')).title == "Trade talks"


def test_numeric_title_becomes_text() -> None:
    assert parse(entry_text(title="2025")).title == "2025"


def test_date_only_is_midnight_in_the_site_zone() -> None:
    entry = parse(entry_text(date="2025-06-04"), tz=BERLIN)
    assert entry.date == datetime(2025, 6, 4, tzinfo=BERLIN)
    assert entry.date.utcoffset() == timedelta(hours=2)


def test_date_with_offset_keeps_it() -> None:
    entry = parse(entry_text(date="2025-06-04T09:30:00-04:00"), tz=BERLIN)
    assert entry.date.astimezone(UTC) == datetime(2025, 6, 4, 13, 30, tzinfo=UTC)


def test_quoted_date_is_read_too() -> None:
    assert parse(entry_text(date="'2025-06-04 10:00'")).date == datetime(2025, 6, 4, 10, tzinfo=UTC)


def test_empty_body() -> None:
    entry = parse("---\ntitle: T\ndate: 2025-06-04\n---\n")
    assert entry.body == ""
    assert entry.summary == ""


# --- Pelican headers -----------------------------------------------------------------------

PELICAN = """Title: Trade talks resume
Date: 2025-06-04 10:20
Modified: 2025-06-05
Category: Economy
Tags: Tariffs, Trade
Author: Jane Doe
Summary: Both sides talk.
Slug: trade-talks-resume
Status: draft

Body in *Markdown*.
"""


def test_pelican_headers() -> None:
    entry = parse(PELICAN, rel="content/whatever.md")
    assert entry.title == "Trade talks resume"
    assert entry.date == datetime(2025, 6, 4, 10, 20, tzinfo=UTC)
    assert entry.topic_names == ("Tariffs", "Trade", "Economy")
    assert entry.authors == ("Jane Doe",)
    assert entry.summary == "Both sides talk."
    assert entry.slug == "trade-talks-resume"
    assert entry.draft is True
    assert entry.updated == datetime(2025, 6, 5, tzinfo=UTC)
    assert entry.extra == {}
    assert entry.body == "<p>Body in <em>Markdown</em>.</p>"


def test_pelican_lines() -> None:
    entry = parse(PELICAN, rel="content/whatever.md")
    assert entry.lines["title"] == 1
    assert entry.lines["date"] == 2
    assert entry.lines["topics"] == 5  # Tags come first when both are given
    assert entry.lines["authors"] == 6
    assert entry.lines["draft"] == 9


@pytest.mark.parametrize(
    ("header", "authors"),
    [
        ("Authors: Jane Doe, John Roe", ("Jane Doe", "John Roe")),
        ("Authors: Jane Doe; John Roe", ("Jane Doe", "John Roe")),
        ("Author: Jane Doe", ("Jane Doe",)),
    ],
)
def test_pelican_authors(header: str, authors: tuple[str, ...]) -> None:
    entry = parse(f"Title: T\nDate: 2025-06-04\n{header}\n\nBody.\n")
    assert entry.authors == authors


@pytest.mark.parametrize(("status", "draft"), [("published", False), ("Draft", True)])
def test_pelican_status(status: str, draft: bool) -> None:
    entry = parse(f"Title: T\nDate: 2025-06-04\nStatus: {status}\n\nBody.\n")
    assert entry.draft is draft


def test_pelican_category_alone_is_a_topic() -> None:
    entry = parse("Title: T\nDate: 2025-06-04\nCategory: Economy\n\nBody.\n")
    assert entry.topic_names == ("Economy",)
    assert entry.lines["topics"] == 3


def test_pelican_header_keys_are_case_insensitive() -> None:
    entry = parse("TITLE: Shouted\ndate: 2025-06-04\n\nBody.\n")
    assert entry.title == "Shouted"


def test_pelican_title_may_contain_colons() -> None:
    assert parse("Title: Trade: the talks\nDate: 2025-06-04\n\nB.\n").title == "Trade: the talks"


def test_pelican_header_only_file() -> None:
    entry = parse("Title: T\nDate: 2025-06-04\n")
    assert entry.title == "T"
    assert entry.body == ""


def test_pelican_bad_header_line() -> None:
    error = one_error("Title: T\nDate: 2025-06-04\nnot a header\n\nBody.\n")
    assert "`Key: value`" in error.message
    assert_located(error, REL, 3)


def test_pelican_bad_date_points_at_its_line() -> None:
    error = one_error("Title: T\nAuthor: A\nDate: 2025-02-30\n\nBody.\n")
    assert error.message.startswith("`date`: ")
    assert_located(error, REL, 3)


def test_pelican_missing_date() -> None:
    error = one_error("Title: T\nAuthor: A\n\nBody.\n")
    assert error.message == "missing date"
    assert_located(error, REL, 1)


# --- raw text ------------------------------------------------------------------------------


@pytest.fixture
def seed_bytes() -> bytes:
    if not SEED.is_file():
        pytest.skip(f"seed article {SEED} is not present on this machine")
    return SEED.read_bytes()


def test_raw_seed_article(seed_bytes: bytes) -> None:
    entry = parse(seed_bytes, rel="content/000_9f66ae1a13ba7f62.txt")
    assert entry.date == datetime(2025, 6, 4, tzinfo=UTC)
    assert entry.authors == ("Kevin Liptak", "Kristen Holmes")
    assert entry.source == "CNN"
    assert entry.slug == "000-9f66ae1a13ba7f62"
    assert entry.lines["date"] == 1


def test_raw_seed_title_is_cut_first_sentence(seed_bytes: bytes) -> None:
    entry = parse(seed_bytes, rel="content/seed.txt")
    paragraphs = [p for p in seed_bytes.decode().split("\n\n")[1:] if p.strip()]
    first = " ".join(paragraphs[0].split())
    assert first.startswith("(CNN) — ")
    sentence = first.removeprefix("(CNN) — ").split(". ")[0]
    assert "(CNN)" not in entry.title
    assert entry.title.startswith("For months, President Donald Trump")
    assert len(entry.title) <= HEADLINE_LENGTH + 1
    assert entry.title.endswith("…")
    kept = entry.title[:-1]
    assert sentence.startswith(kept)
    assert sentence[len(kept)] == " ", "cut at a word boundary"


def test_raw_seed_body_is_escaped_paragraphs(seed_bytes: bytes) -> None:
    entry = parse(seed_bytes, rel="content/seed.txt")
    assert entry.body.startswith("<p>(CNN) — For months")
    assert entry.body.count("<p>") >= 5
    assert "date 2025-06-04" not in entry.body


def test_raw_title_line_overrides_headline() -> None:
    text = "date 2025-06-04 By Jane Doe, AP\ntitle:  Chosen headline \n\nFirst sentence. Second.\n"
    entry = parse(text, rel="content/x.txt")
    assert entry.title == "Chosen headline"
    assert entry.lines["title"] == 2
    assert "Chosen headline" not in entry.body
    assert entry.summary == "First sentence. Second."


def test_raw_byline_with_three_names() -> None:
    text = "date 2025-06-04 By Ann Lee, Bob Ray and Cy Twombly, Reuters\n\nText here.\n"
    entry = parse(text, rel="content/x.txt")
    assert entry.authors == ("Ann Lee", "Bob Ray", "Cy Twombly")
    assert entry.source == "Reuters"


def test_raw_byline_with_ampersand_and_lower_case_keywords() -> None:
    entry = parse("DATE 2025-06-04 by Ann Lee & Bob Ray, AP\n\nText.\n", rel="content/x.txt")
    assert entry.authors == ("Ann Lee", "Bob Ray")
    assert entry.source == "AP"


def test_raw_date_with_time_in_site_zone() -> None:
    entry = parse("date 2025-06-04T10:00 By A B, AP\n\nText.\n", rel="content/x.txt", tz=BERLIN)
    assert entry.date == datetime(2025, 6, 4, 10, tzinfo=BERLIN)


def test_raw_text_is_not_markdown() -> None:
    text = "date 2025-06-04 By A B, AP\n\n*Not* emphasis <b>nor</b> a [link](x).\n"
    body = parse(text, rel="content/x.txt").body
    assert "<em>" not in body
    assert "&lt;b&gt;" in body
    assert "<b>" not in body


def test_raw_short_sentence_is_the_title() -> None:
    text = "date 2025-06-04 By A B, AP\n\n(AP) - Markets rallied. Then they fell.\n"
    assert parse(text, rel="content/x.txt").title == "Markets rallied."


def test_raw_bad_first_line() -> None:
    error = one_error("Trade talks resume\n\nText.\n", rel="content/x.txt")
    assert "first line" in error.message
    assert_located(error, "content/x.txt", 1)


def test_raw_without_paragraphs_has_empty_title() -> None:
    error = one_error("date 2025-06-04 By A B, AP\n\n\n", rel="content/x.txt")
    assert error.message == "the title is empty"
    assert_located(error, "content/x.txt", 1)


@pytest.mark.parametrize(
    ("paragraph", "headline"),
    [
        ("(CNN) — Short one. Next.", "Short one."),
        ("(Reuters) -- Did it work? Yes.", "Did it work?"),
        ("WASHINGTON (AP) — Kept. Next.", "WASHINGTON (AP) — Kept."),
        ('He said “no.” Then left.', "He said “no.”"),
        ("No sentence end at all", "No sentence end at all"),
    ],
)  # fmt: skip
def test_headline_from(paragraph: str, headline: str) -> None:
    assert headline_from(paragraph) == headline


def test_headline_cut_at_a_word_with_ellipsis() -> None:
    words = "word " * 40
    sentence = f"Alpha, {words}end."
    headline = headline_from(sentence)
    assert len(headline) <= HEADLINE_LENGTH + 1
    assert headline.endswith("…")
    assert not headline.endswith(" …")
    assert sentence.startswith(headline[:-1])
    assert sentence[len(headline) - 1] == " "


def test_headline_cut_drops_trailing_punctuation() -> None:
    sentence = "x" * 85 + ", then some more words follow here."
    headline = headline_from(sentence)
    assert headline == "x" * 85 + "…"


@PROPERTY
@given(st.text(alphabet=st.sampled_from("ab .,;—!?”"), min_size=1, max_size=300))
def test_headline_is_never_longer_than_the_limit(paragraph: str) -> None:
    headline = headline_from(paragraph)
    assert len(headline) <= HEADLINE_LENGTH + 1
    if headline.endswith("…") and len(paragraph) > HEADLINE_LENGTH:
        assert paragraph.strip().startswith(headline[:-1])


def test_raw_byline_with_oxford_comma() -> None:
    text = "date 2025-06-04 By Ann Lee, Bob Ray, and Cy Twombly, Reuters\n\nText.\n"
    entry = parse(text, rel="content/x.txt")
    assert entry.authors == ("Ann Lee", "Bob Ray", "Cy Twombly")


@pytest.mark.parametrize(
    "paragraph",
    [
        "(CNN) — The U.S. and China resumed trade talks on Wednesday. More follows.",
        "Mr. Trump called Xi Jinping on Thursday. More follows.",
    ],
)
def test_headline_is_not_cut_at_an_abbreviation(paragraph: str) -> None:
    headline = headline_from(paragraph)
    assert headline.endswith("Wednesday.") or headline.endswith("Thursday.")


# --- errors --------------------------------------------------------------------------------


def test_missing_title() -> None:
    error = one_error("---\ndate: 2025-06-04\n---\nBody.\n")
    assert error.message == "missing title"
    assert_located(error, REL, 1)


def test_missing_title_after_blank_lines_points_at_the_opening_line() -> None:
    error = one_error("\n\n---\ndate: 2025-06-04\n---\nBody.\n")
    assert_located(error, REL, 3)


@pytest.mark.parametrize("value", ['""', "", "'   '", "~"])
def test_empty_title(value: str) -> None:
    error = one_error(f"---\ndate: 2025-06-04\ntitle: {value}\n---\nBody.\n")
    assert error.message == "the title is empty"
    assert_located(error, REL, 3)


def test_missing_date() -> None:
    error = one_error("---\ntitle: T\n---\nBody.\n")
    assert error.message == "missing date"
    assert_located(error, REL, 1)


@pytest.mark.parametrize("value", ["2025-02-30", "2025-13-01", "soon", "2025-06-04 25:00"])
def test_bad_date_points_at_the_date_line(value: str) -> None:
    error = one_error(f"---\ntitle: T\npeople: [A]\ndate: {value}\n---\nBody.\n")
    assert error.message.startswith("`date`: ")
    assert value in error.message
    assert_located(error, REL, 4)


def test_date_as_a_number() -> None:
    error = one_error("---\ntitle: T\ndate: 20250604\n---\nBody.\n")
    assert_located(error, REL, 3)


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: T\ndate: 2025-06-04\nBody with no closing line.\n",
        "---\n",
        "---\ntitle: T\n-- \n",
    ],
)
def test_unclosed_front_matter(text: str) -> None:
    error = one_error(text)
    assert error.message == "front matter is not closed"
    assert_located(error, REL, 1)


def test_unclosed_front_matter_after_blank_lines() -> None:
    assert_located(one_error("\n---\ntitle: T\n"), REL, 2)


@pytest.mark.parametrize("inner", ["- title\n- date", "just a sentence", "42"])
def test_front_matter_that_is_not_a_mapping(inner: str) -> None:
    error = one_error(f"---\n{inner}\n---\nBody.\n")
    assert error.message == "front matter must be `key: value` lines"
    assert_located(error, REL, 2)


def test_empty_front_matter_reports_both_missing_keys() -> None:
    errors = errors_of("---\n---\nBody.\n")
    assert sorted(e.message for e in errors) == ["missing date", "missing title"]
    for error in errors:
        assert_located(error, REL, 1)


def test_malformed_yaml() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\npeople: [Xi, Biden\n---\nBody.\n")
    assert error.message.startswith("invalid YAML: ")
    assert error.line is not None
    assert 4 <= error.line <= 5
    assert_located(error, REL, error.line)


def test_unquoted_colon_in_title() -> None:
    error = one_error("---\ndate: 2025-06-04\ntitle: Trade: the talks\n---\nBody.\n")
    assert error.hint is not None
    assert 'title: "Trade: the talks"' in error.hint
    assert_located(error, REL, 3)


def test_tab_indentation() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\npeople:\n\t- Xi\n---\nBody.\n")
    assert "tab" in error.message
    assert_located(error, REL, 5)


def test_duplicate_key() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\ntitle: U\n---\nBody.\n")
    assert "duplicate key `title` (first given on line 2)" in error.message
    assert_located(error, REL, 4)


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [
        (b"---\ntitle: caf\xe9\ndate: 2025-06-04\n---\nBody.\n", 2, "0xe9"),
        (b"---\ntitle: T\ndate: 2025-06-04\n---\nBody.\n\nMore \xff here.\n", 7, "0xff"),
        (b"\xff---\n", 1, "0xff"),
        (b"---\r\ntitle: T\r\n\x80\r\n", 3, "0x80"),
    ],
)
def test_non_utf8_points_at_the_bad_byte(data: bytes, line: int, byte: str) -> None:
    error = one_error(data)
    assert "not valid UTF-8" in error.message
    assert byte in error.message
    assert_located(error, REL, line)


@pytest.mark.parametrize("data", [b"", b"\n\n", b"   \r\n\t"])
def test_empty_file(data: bytes) -> None:
    error = one_error(data)
    assert error.message == "the file is empty"
    assert_located(error, REL, 1)


def test_binary_file_is_refused() -> None:
    error = one_error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary" in error.message
    assert error.path == REL
    assert error.hint


def test_binary_file_error_has_a_line() -> None:
    assert_located(one_error(b"\x89PNG\x00\x00\x00\rIHDR"), REL, 1)


@pytest.mark.parametrize(
    ("slug", "suggestion"), [("../etc", "etc"), ("a/b", "a-b"), ("'a\\b'", "a-b")]
)
def test_slug_that_is_a_path_is_refused(slug: str, suggestion: str) -> None:
    error = one_error(f"---\ntitle: T\ndate: 2025-06-04\nslug: {slug}\n---\nBody.\n")
    assert error.message.startswith("`slug`: ")
    assert "is a path, but a slug is one part of the address" in error.message
    assert error.message.endswith(f"; try `slug: {suggestion}`")
    assert_located(error, REL, 4)


@pytest.mark.parametrize("slug", ["..", "'!!!'", "'%ef%bb%bf'", "😀"])
def test_slug_without_letters_is_refused(slug: str) -> None:
    error = one_error(f"---\ntitle: T\ndate: 2025-06-04\nslug: {slug}\n---\nBody.\n")
    assert "has no letters or digits to make an address from" in error.message
    assert "try" not in error.message
    assert_located(error, REL, 4)


@pytest.mark.parametrize(
    ("value", "slug"),
    [
        ("Trade-Talks", "trade-talks"),
        ("Trade Talks", "trade-talks"),
        ("hello_world", "hello-world"),
        ("hello.world", "hello-world"),
        ("'%ef%bb%bfhello-world'", "hello-world"),
        ("'%EF%BB%BFhello_world'", "hello-world"),
        ("'%e2%80%9cquoted%e2%80%9d-title'", "quoted-title"),
        ("'caf%C3%A9-crème'", "cafe-creme"),
        ("'%e4%bd%a0%e5%a5%bd'", "ni-hao"),
        ("'100%-sure'", "100-sure"),
        ("'%zz-odd'", "zz-odd"),
    ],
)
def test_old_blog_slug_is_made_into_one_with_a_warning(value: str, slug: str) -> None:
    entry = parse(f"---\ntitle: T\ndate: 2025-06-04\nslug: {value}\n---\nBody.\n")
    assert entry.slug == slug
    [warning] = entry.warnings
    assert warning.startswith(f"{REL}:4: `slug: ")
    assert warning.endswith(
        f"is not in URL form; the entry's address uses {slug!r} — write `slug: {slug}` to "
        "silence this"
    )


def test_a_byte_order_mark_in_front_matter_is_dropped() -> None:
    entry = parse("---\ntitle: T\ndate: 2025-06-04\nslug: \ufeffhello-world\n---\nBody.\n")
    assert (entry.slug, entry.warnings) == ("hello-world", ())


def test_valid_slug_gives_no_warning() -> None:
    assert parse(entry_text(slug="trade-talks-2")).warnings == ()


@pytest.mark.parametrize(
    ("rel", "slug"),
    [
        ("content/2015-06-04-%ef%bb%bfhello-world.md", "hello-world"),
        ("content/2015-06-04-hello_world.markdown", "hello-world"),
        ("content/2015-06-04-v1.2.0-released.md", "v1-2-0-released"),
        ("content/%e4%bd%a0%e5%a5%bd.md", "ni-hao"),
        ("content/\ufeffhello.md", "hello"),
    ],
)
def test_old_blog_file_names_give_slugs(rel: str, slug: str) -> None:
    entry = parse(entry_text(), rel=rel)
    assert entry.slug == slug
    assert entry.warnings == ()


def test_file_name_without_letters_gives_empty_slug_error() -> None:
    error = one_error(entry_text(), rel="content/2025-06-04-😀.md")
    assert "empty slug" in error.message
    assert_located(error, "content/2025-06-04-😀.md", 1)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/a", "example.org/a", "/relative", "mailto:x@y"],
)
def test_url_must_be_http(url: str) -> None:
    error = one_error(f"---\ntitle: T\ndate: 2025-06-04\nurl: '{url}'\n---\nBody.\n")
    assert error.message.startswith("`url`: ")
    assert "http(s)" in error.message
    assert_located(error, REL, 4)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("people", "{Xi: Jinping}"),
        ("people", "[[Xi]]"),
        ("people", "5"),
        ("topics", "[Trade, {a: b}]"),
        ("authors", "[~]"),
        ("draft", "maybe"),
        ("draft", "1"),
    ],
)
def test_wrong_type_is_an_error_on_its_line(key: str, value: str) -> None:
    error = one_error(f"---\ndate: 2025-06-04\n{key}: {value}\ntitle: T\n---\nBody.\n")
    assert error.message.startswith(f"`{key}`: ")
    assert_located(error, REL, 3)


@pytest.mark.parametrize(
    ("value", "described"),
    [("[Trade, Talks]", "a list"), ("{a: b}", "a mapping"), ("true", "True")],
)
def test_title_of_wrong_type_is_named(value: str, described: str) -> None:
    errors = errors_of(f"---\ntitle: {value}\ndate: 2025-06-04\n---\nBody.\n")
    assert errors[0].message == f"`title`: expected text, not {described}"
    assert_located(errors[0], REL, 2)


def test_title_of_wrong_type_is_reported_once() -> None:
    one_error("---\ntitle: [Trade, Talks]\ndate: 2025-06-04\n---\nBody.\n")


@pytest.mark.parametrize(("key", "value"), [("source", "[Reuters, AP]"), ("summary", "{a: b}")])
def test_text_fields_of_wrong_type(key: str, value: str) -> None:
    error = one_error(f"---\ntitle: T\ndate: 2025-06-04\n{key}: {value}\n---\nBody.\n")
    assert error.message.startswith(f"`{key}`: expected text, not ")
    assert error.path == REL
    assert error.line == 4


@pytest.mark.parametrize(("key", "value"), [("source", "[Reuters, AP]"), ("summary", "{a: b}")])
def test_text_fields_of_wrong_type_have_a_hint(key: str, value: str) -> None:
    error = one_error(f"---\ntitle: T\ndate: 2025-06-04\n{key}: {value}\n---\nBody.\n")
    assert_located(error, REL, 4)


def test_no_front_matter() -> None:
    error = one_error("Just some text.\n\nMore.\n")
    assert error.message == "no front matter found"
    assert_located(error, REL, 1)


def test_several_errors_are_reported_together() -> None:
    text = (
        "---\n"
        "title: T\n"
        "authors: {a: b}\n"
        "date: 2025-02-30\n"
        "url: javascript:alert(1)\n"
        "slug: ../x\n"
        "draft: perhaps\n"
        "---\n"
        "Body.\n"
    )
    with pytest.raises(BuildFailed) as info:
        parse(text)
    errors = info.value.errors
    assert [e.line for e in errors] == [3, 4, 5, 6, 7]
    assert [e.message.split(":")[0] for e in errors] == [
        "`authors`", "`date`", "`url`", "`slug`", "`draft`",
    ]  # fmt: skip
    for error in errors:
        assert_located(error, REL, error.line or 0)
    assert str(info.value).splitlines() == [str(e) for e in errors]


def test_missing_title_and_bad_date_together() -> None:
    errors = errors_of("---\ndate: nope\n---\nBody.\n")
    assert [(e.line, e.message.split(" ")[0]) for e in errors] == [(1, "missing"), (2, "`date`:")]


def test_non_utf8_after_bom_names_the_right_byte_and_line() -> None:
    error = one_error(b"\xef\xbb\xbf---\ntitle: T\ndate: 2025-06-04\n---\n\xff\n")
    assert "0xff" in error.message
    assert error.line == 5


def test_non_utf8_line_with_cr_line_ends() -> None:
    error = one_error(b"---\rtitle: T\rdate: 2025-06-04\r---\rok\r\xff\r")
    assert error.line == 6


def test_whitespace_only_line_before_front_matter() -> None:
    assert parse("  \n" + entry_text(title="Indented")).title == "Indented"


def test_control_character_in_front_matter_is_removed_with_a_warning() -> None:
    entry = parse("---\ntitle: a\x1fb\ndate: 2025-06-04\n---\nBody.\n")
    assert entry.title == "ab"
    assert entry.warnings == (
        f"{REL}:2:9: removed an invisible control character (0x1f) — delete it from the file "
        "to silence this (it often comes from copy and paste)",
    )


def test_control_character_in_a_link_target_is_removed() -> None:
    entry = parse("---\ntitle: T\ndate: 2025-06-04\n---\nSee [the report](https://x.org/a\x02b).\n")
    assert 'href="https://x.org/ab"' in entry.body
    assert entry.warnings[0].startswith(
        f"{REL}:5:33: removed an invisible control character (0x02)"
    )


def test_several_control_characters_give_one_warning() -> None:
    entry = parse("---\r\ntitle: T\x0c\r\ndate: 2025-06-04\r\n---\r\nA\x7f b\x01\x1b.\r\n")
    assert entry.title == "T"
    assert "A b." in entry.body
    assert len(entry.warnings) == 1
    assert entry.warnings[0].startswith(
        f"{REL}:2:9: removed an invisible control character (0x0c) and 3 more"
    )


@pytest.mark.parametrize("rel", ["content/x.md", "content/x.txt"])
@pytest.mark.parametrize("char", [chr(c) for c in [*range(1, 9), 11, 12, *range(14, 32), 127]])
def test_every_control_character_is_removed_in_every_format(rel: str, char: str) -> None:
    text = (
        f"date 2025-06-04 By Jane{char} Doe, AP\n\nA{char} text.\n"
        if rel.endswith(".txt")
        else f"Title: A{char} title\nDate: 2025-06-04\n\nA{char} text.\n"
    )
    entry = parse(text, rel=rel)
    assert char not in entry.title + entry.body + entry.summary + "".join(entry.authors)
    assert entry.warnings[0].startswith(f"{rel}:1:")


def test_tab_after_a_key_is_read() -> None:
    entry = parse("---\ntitle:\tTrade talks\ndate:\t2025-06-04\n---\nBody.\n")
    assert (entry.title, entry.date.day) == ("Trade talks", 4)


def test_recursive_alias_in_front_matter() -> None:
    one_error("---\ntitle: T\ndate: 2025-06-04\npeople: &a [*a]\n---\nBody.\n")


def test_bad_explicit_tag_in_front_matter() -> None:
    error = one_error("---\ntitle: !!int abc\ndate: 2025-06-04\n---\nBody.\n")
    assert error.line == 2


# --- properties ----------------------------------------------------------------------------

# Text the parser may meet, control characters, `!!` tags and `&` anchors included.
SAFE_CHAR = st.characters(exclude_categories=("Cs",)) | st.sampled_from("\n\t\r\x00\x1f")
FRAGMENTS = st.sampled_from(
    [
        "---\n", "...\n", "\n", "title: ", "date: ", "people: ", "topics: ", "slug: ",
        "url: ", "draft: ", "summary: ", "2025-06-04", "2025-02-30", "10:00", "- ", "[", "]",
        "{", "}", ": ", ", ", "'", '"', "#", "  ", "\t", "|\n", ">\n", "? ", "*a", "%YAML 1.1\n",
        "Title: ", "Date: ", "Tags: ", "Status: draft", "date 2025-06-04 By A B, AP\n",
        "(CNN) — ", "javascript:", "https://x.org/", "..", "/", "\ufeff", "\r\n", "é", "习",
        "!!int ", "!!bool ", "&a ", "&a [*a]", "!!python/object ", "\x0b",
    ]
)  # fmt: skip
DOCUMENTS = st.lists(FRAGMENTS | st.text(SAFE_CHAR, max_size=6), max_size=30).map("".join)
RELS = st.sampled_from(["content/x.md", "content/2025-06-04-x.md", "content/x.txt"])


def check_only_digest_errors(rel: str, data: bytes) -> None:
    try:
        entry = parse_entry(rel, data, UTC)
    except BuildFailed as failed:
        assert failed.errors
        assert all(isinstance(e, DigestError) and e.path == rel for e in failed.errors)
    except DigestError as error:
        assert error.path == rel
    else:
        assert entry.title
        assert entry.slug
        assert entry.date.tzinfo is not None


@PROPERTY
@given(RELS, DOCUMENTS)
def test_parse_entry_raises_only_digest_errors_on_text(rel: str, text: str) -> None:
    check_only_digest_errors(rel, text.encode("utf-8"))


@PROPERTY
@given(
    RELS,
    st.lists(
        DOCUMENTS.map(lambda t: t.encode("utf-8"))
        | st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80", b"\xef\xbb\xbf"]),
        max_size=5,
    ).map(b"".join),
)
def test_parse_entry_raises_only_digest_errors_on_bytes(rel: str, data: bytes) -> None:
    check_only_digest_errors(rel, data)


NAME_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Zl", "Zp"))
TEXTS = st.text(NAME_CHARS, min_size=1, max_size=40).filter(lambda s: s.strip())
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
WHENS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


def normalise(text: str) -> str:
    return " ".join(text.split())


@st.composite
def front_matter(draw: st.DrawFn) -> tuple[dict[str, object], datetime]:
    when = draw(WHENS)
    style = draw(st.sampled_from(["date", "minutes", "iso"]))
    if style == "date":
        value, expected = f"{when:%Y-%m-%d}", when.replace(hour=0, minute=0, tzinfo=UTC)
    elif style == "minutes":
        value, expected = f"{when:%Y-%m-%d %H:%M}", when.replace(tzinfo=UTC)
    else:
        aware = when.replace(tzinfo=draw(OFFSETS))
        value, expected = aware.isoformat(), aware
    meta: dict[str, object] = {"title": draw(TEXTS), "date": value}
    for key in ("people", "topics", "authors"):
        if draw(st.booleans()):
            meta[key] = draw(st.lists(TEXTS, max_size=5))
    if draw(st.booleans()):
        meta["draft"] = draw(st.booleans())
    if draw(st.booleans()):
        meta["source"] = draw(TEXTS)
    if draw(st.booleans()):
        meta["summary"] = draw(TEXTS)
    if draw(st.booleans()):
        meta["extra_key"] = draw(TEXTS)
    return meta, expected


@PROPERTY
@given(front_matter(), st.sampled_from(["\n", "\r\n"]))
def test_generated_front_matter_round_trips(
    case: tuple[dict[str, object], datetime], newline: str
) -> None:
    meta, when = case
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    text = f"---\n{dumped}---\nBody paragraph.\n".replace("\n", newline)
    entry = parse(text, rel="content/2025-06-04-generated.md")
    assert entry.title == smarten(normalise(str(meta["title"])))
    assert entry.date == when
    assert entry.date.utcoffset() == when.utcoffset()
    lists = (("people", "people_names"), ("topics", "topic_names"), ("authors", "authors"))
    for key, field in lists:
        names = [normalise(n) for n in meta.get(key, [])]  # type: ignore[attr-defined]
        assert getattr(entry, field) == tuple(dict.fromkeys(n for n in names if n))
    assert entry.draft is meta.get("draft", False)
    assert entry.source == (normalise(str(meta["source"])) if "source" in meta else None)
    assert entry.summary == smarten(normalise(str(meta.get("summary", "Body paragraph."))))
    assert entry.extra == ({"extra_key": meta["extra_key"]} if "extra_key" in meta else {})
    assert entry.slug == "generated"
    top_level = {line.split(":")[0]: n for n, line in enumerate(dumped.splitlines(), start=2)
                 if not line.startswith(("-", " "))}  # fmt: skip
    assert {k: entry.lines[k] for k in meta} == {k: top_level[k] for k in meta}


PERSON = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){1,2}", fullmatch=True)


@PROPERTY
@given(st.lists(PERSON, max_size=6))
def test_comma_separated_names_match_their_yaml_list(names: list[str]) -> None:
    as_list = parse(entry_text(people="[" + ", ".join(names) + "]"))
    joined = parse(entry_text(people=", ".join(names)))
    assert as_list.people_names == tuple(dict.fromkeys(names))
    assert joined.people_names == as_list.people_names


# --- Jekyll (and Hugo) front matter ----------------------------------------------------------

JEKYLL = """---
layout: post
title: "Trade talks"
date: 2015-06-04 10:00:00 +0200
author: Jane Doe
categories: economy trade
tags: [Tariffs, "Trade talks"]
excerpt: "Short excerpt."
image: /assets/x.png
published: false
permalink: /2015/06/trade/
legacy_id: 1
---
Body.
"""


def test_jekyll_front_matter_is_read() -> None:
    entry = parse(JEKYLL, rel="_posts/2015-06-04-trade.md")
    assert entry.title == "Trade talks"
    assert entry.date == datetime(2015, 6, 4, 8, 0, tzinfo=UTC)
    assert entry.draft is True
    assert entry.authors == ("Jane Doe",)
    assert entry.topic_names == ("Tariffs", "Trade talks", "economy", "trade")
    assert entry.summary == "Short excerpt."
    assert entry.extra == {"layout": "post", "image": "/assets/x.png", "legacy_id": 1}
    assert entry.permalink == "/2015/06/trade/"
    assert (entry.lines["draft"], entry.lines["authors"], entry.lines["topics"]) == (10, 5, 7)
    assert entry.lines["summary"] == 8


@pytest.mark.parametrize(
    ("value", "draft"),
    [("false", True), ("true", False), ("no", True), ("'yes'", False)],
)
def test_published_false_is_a_draft(value: str, draft: bool) -> None:
    assert parse(entry_text(published=value)).draft is draft


def test_draft_wins_over_published() -> None:
    assert parse(entry_text(published="true", draft="true")).draft is True


def test_published_of_wrong_type_is_an_error_on_its_line() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\npublished: maybe\n---\nBody.\n")
    assert error.message.startswith("`published`: expected true or false")
    assert error.line == 4


@pytest.mark.parametrize(
    ("fields", "authors"),
    [
        ({"author": "Jane Doe"}, ("Jane Doe",)),
        ({"author": "Jane Doe, John Roe"}, ("Jane Doe", "John Roe")),
        ({"author": "[Jane Doe, John Roe]"}, ("Jane Doe", "John Roe")),
        ({"author": "{name: Jane Doe, twitter: jd}"}, ("Jane Doe",)),
        ({"author": "[{name: Jane Doe}, {name: John Roe}]"}, ("Jane Doe", "John Roe")),
        ({"authors": "[Jane Doe]", "author": "John Roe"}, ("Jane Doe", "John Roe")),
        ({"authors": "[Jane Doe]", "author": "Jane Doe"}, ("Jane Doe",)),
    ],
)
def test_author_gives_the_byline(fields: dict[str, str], authors: tuple[str, ...]) -> None:
    assert parse(entry_text(**fields)).authors == authors


def test_author_of_wrong_type_is_an_error() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\nauthor: {twitter: jd}\n---\nBody.\n")
    assert error.message.startswith("`author`: expected a list of names")
    assert error.line == 4


@pytest.mark.parametrize(
    ("fields", "topics"),
    [
        ({"tags": "tariffs trade"}, ("tariffs", "trade")),
        ({"tags": "Tariffs, Trade talks"}, ("Tariffs", "Trade talks")),
        ({"categories": "[This Week in Rust, News]"}, ("This Week in Rust", "News")),
        ({"category": "Trade talks"}, ("Trade talks",)),
        ({"topics": "[Trade]", "tags": "[Tariffs, Trade]"}, ("Trade", "Tariffs")),
        ({"tags": "[2025, Trade]"}, ("2025", "Trade")),
    ],
)
def test_tags_and_categories_are_topics(fields: dict[str, str], topics: tuple[str, ...]) -> None:
    assert parse(entry_text(**fields)).topic_names == topics


def test_topics_from_chooses_the_keys() -> None:
    text = entry_text(tags="[Tariffs]", categories="[news]").encode()
    entry = parse_entry(REL, text, UTC, options=ParseOptions(topics_from=("tags",)))
    assert entry.topic_names == ("Tariffs",)
    assert entry.extra == {"categories": ["news"]}
    entry = parse_entry(REL, text, UTC, options=ParseOptions(topics_from=()))
    assert entry.topic_names == ()
    assert entry.extra == {"tags": ["Tariffs"], "categories": ["news"]}


def test_tags_of_wrong_type_are_an_error_naming_the_key() -> None:
    error = one_error("---\ntitle: T\ndate: 2025-06-04\ntags: {a: b}\n---\nBody.\n")
    assert error.message == "`tags`: expected a list of names, not a mapping"
    assert error.line == 4


@pytest.mark.parametrize(
    ("fields", "summary"),
    [
        ({"excerpt": "The excerpt."}, "The excerpt."),
        ({"description": "The description."}, "The description."),
        ({"excerpt": "The excerpt.", "description": "The description."}, "The excerpt."),
        ({"summary": "Ours.", "excerpt": "The excerpt."}, "Ours."),
    ],
)
def test_excerpt_or_description_is_the_summary(fields: dict[str, str], summary: str) -> None:
    assert parse(entry_text(**fields)).summary == summary


@pytest.mark.parametrize("key", ["lastmod", "last_modified_at", "modified"])
def test_other_names_of_updated(key: str) -> None:
    entry = parse(entry_text(**{key: "2025-06-05"}))
    assert entry.updated == datetime(2025, 6, 5, tzinfo=UTC)
    assert entry.extra == {}


def test_image_is_kept_as_written() -> None:
    entry = parse(entry_text(image="{path: /a.png, alt: A picture}", image_alt="Alt"))
    assert entry.extra == {"image": {"path": "/a.png", "alt": "A picture"}, "image_alt": "Alt"}


def test_every_key_of_the_table_that_is_not_ours_is_read_or_kept() -> None:
    for key, role in FRONT_MATTER_KEYS.items():
        assert role == "field" or role in FRONT_MATTER_KEYS or role in ("topics", "extra"), key


def _with_extra(path: str, line: int, **extra: object) -> Entry:
    entry = parse(entry_text(), rel=path)
    entry.extra = dict(extra)
    entry.lines = {**entry.lines, **dict.fromkeys(extra, line)}
    return entry


def test_ignored_keys_give_one_note_each_with_a_count() -> None:
    many = [_with_extra("content/a.md", 4, legacy_id=1, permalink="/x/")] * 1265
    few = [_with_extra("content/b.md", 6, legacy_id=2, mood="calm", image="x.png")]
    notes = ignored_key_notes([*many, *few], TOPIC_KEYS)
    assert notes == [
        "note: 1,266 entries have 'legacy_id', which digest ignores — templates can read it "
        "as `entry.extra['legacy_id']` (first: content/a.md:4)",
        "note: 1 entry has 'mood', which digest ignores — templates can read it as "
        "`entry.extra['mood']` (first: content/b.md:6)",
    ]


def test_a_topic_key_left_out_of_topics_from_is_noted() -> None:
    entry = _with_extra("content/a.md", 5, categories=["news"])
    [note] = ignored_key_notes([entry], ("tags",))
    assert "1 entry has 'categories', which digest ignores — add it to `topics_from`" in note


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: T\ndate: 2025-06-04\n---\nIntro.\n\n" + "- " * 10_000 + "x\n", 7),
        (
            "Title: T\nDate: 2025-06-04\n\n" + "".join("    " * i + "- x\n" for i in range(1500)),
            104,
        ),
        ("---\r\ntitle: T\r\ndate: 2025-06-04\r\n---\r\n\r\n" + "> " * 200 + "x\r\n", 6),
    ],
)
def test_deep_nesting_is_an_error_at_its_line(text: str, line: int) -> None:
    with ends_within(20):
        error = one_error(text)
    assert error.message.startswith("lists or block quotes are nested ")
    assert error.message.endswith("levels deep here (at most 100)")
    assert_located(error, REL, line)
