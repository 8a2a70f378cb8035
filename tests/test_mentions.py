"""Mentions: the matcher's rules, the quick search, HTML, linking, and precision and recall
on the newsroom set."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Person, Topic
from generator.newsroom.bodies import first_mentions, html_text, link_first_mentions, paragraphs
from generator.newsroom.mentions import (
    Detection,
    Matcher,
    build_matcher,
    detect,
    detect_entry,
)
from generator.source.markup import render_plain_text
from generator.source.parse import parse_entry
from generator.source.registry import parse_people, parse_topics
from tests.helpers import SEED, SEED_PEOPLE, Newsroom, load_newsroom, person

TESTS = Path(__file__).parent
REPO = TESTS.parent
# Measured on tests/newsroom (17 articles, 30 labelled entry–person pairs): the one false
# positive is `Rice exports …` read as Martha Rice at the start of a sentence.
MENTION_PRECISION = 30 / 31
MENTION_RECALL = 30 / 30


def score_mentions(newsroom: Newsroom, matcher: Matcher) -> tuple[float, float, list[str]]:
    """Precision and recall over (entry, person) pairs, and what went wrong."""
    hits = found = expected = 0
    errors = []
    for name, entry in newsroom.entries.items():
        got = {p.name for p in detect_entry(entry, matcher).people}
        want = set(newsroom.labels[name]["people"])
        hits += len(got & want)
        found += len(got)
        expected += len(want)
        errors += [f"{name}: extra {p}" for p in sorted(got - want)]
        errors += [f"{name}: missed {p}" for p in sorted(want - got)]
    return hits / found, hits / expected, errors


def names(mentions) -> list[tuple[str, str | None]]:
    return [(m.text, m.person.name if m.person else None) for m in mentions if not m.topic]


TRUMPS = [person("Donald Trump", "Trump", "President Trump"), person("Lara Trump")]


# --- the newsroom set ----------------------------------------------------------------------


def test_newsroom_set_is_big_enough_and_labelled() -> None:
    newsroom = load_newsroom()
    assert len(newsroom.entries) >= 15
    assert {p.name for p in newsroom.people} >= {
        n for label in newsroom.labels.values() for n in label["people"]
    }


def test_newsroom_mention_precision_and_recall() -> None:
    newsroom = load_newsroom()
    precision, recall, errors = score_mentions(newsroom, build_matcher(newsroom.people))
    print(f"mentions: precision {precision:.3f}, recall {recall:.3f}; {errors}")
    assert precision >= MENTION_PRECISION - 1e-9, errors
    assert recall >= MENTION_RECALL - 1e-9, errors


def test_newsroom_reports_shared_surnames_it_cannot_settle() -> None:
    newsroom = load_newsroom()
    matcher = build_matcher(newsroom.people)
    for name, entry in newsroom.entries.items():
        reported = sorted({alias for alias, _ in detect_entry(entry, matcher).ambiguous})
        assert reported == sorted(newsroom.labels[name].get("ambiguous", [])), name


def test_bylines_are_not_mentions() -> None:
    entry = load_newsroom().entries["11_sentence_start.txt"]  # by Martha Rice
    assert "Martha Rice" in entry.authors
    assert "Martha Rice" not in html_text(entry.body)


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_seed_article_names_exactly_its_seven_people() -> None:
    people = parse_people("people.yaml", (REPO / "content/people.yaml").read_text("utf-8"))
    assert {p.name for p in people} == SEED_PEOPLE
    entry = parse_entry("seed.txt", SEED.read_bytes(), ZoneInfo("UTC"))
    detection = detect_entry(entry, build_matcher(people))
    assert {p.name for p in detection.people} == SEED_PEOPLE
    assert detection.ambiguous == []


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_seed_article_topics_come_from_keywords() -> None:
    topics = parse_topics("topics.yaml", (REPO / "content/topics.yaml").read_text("utf-8"))
    entry = parse_entry("seed.txt", SEED.read_bytes(), ZoneInfo("UTC"))
    found = {t.name for t in detect_entry(entry, build_matcher([], topics)).topics}
    assert {"Tariffs", "Critical minerals", "Trade talks", "Student visas"} <= found


# --- matching rules ------------------------------------------------------------------------


def test_longest_match_wins() -> None:
    matcher = build_matcher(TRUMPS)
    assert names(matcher.find("Lara Trump met President Trump.")) == [
        ("Lara Trump", "Lara Trump"),
        ("President Trump", "Donald Trump"),
    ]


def test_possessives_with_straight_and_curly_apostrophes() -> None:
    matcher = build_matcher([person("Scott Bessent")])
    found = names(matcher.find("Bessent’s plan and Bessent's aide and Scott Bessent’s team"))
    assert found == [("Bessent", "Scott Bessent")] * 2 + [("Scott Bessent", "Scott Bessent")]


def test_apostrophes_inside_names_match_either_style() -> None:
    matcher = build_matcher([person("Aidan O'Brien")])
    found = names(matcher.find("O’Brien said. Aidan O'Brien’s staff agreed."))
    assert found == [("O’Brien", "Aidan O'Brien"), ("Aidan O'Brien", "Aidan O'Brien")]


def test_titles_are_part_of_the_alias_match() -> None:
    people = [
        person("Xi Jinping", "Xi", "President Xi"),
        person("Scott Bessent", "Treasury Secretary Scott Bessent"),
    ]
    text = "Treasury Secretary Scott Bessent praised President XI."
    assert names(build_matcher(people).find(text)) == [
        ("Treasury Secretary Scott Bessent", "Scott Bessent"),
        ("President XI", "Xi Jinping"),
    ]


def test_people_match_as_written_or_in_capitals_only() -> None:
    matcher = build_matcher(TRUMPS[:1])
    assert names(matcher.find("a trump card; TRUMP WINS; Trump")) == [
        ("TRUMP", "Donald Trump"),
        ("Trump", "Donald Trump"),
    ]


def test_accents_may_be_left_out_in_the_text() -> None:
    matcher = build_matcher([person("José Álvarez")])
    assert names(matcher.find("Jose Alvarez and Álvarez’s team")) == [
        ("Jose Alvarez", "José Álvarez"),
        ("Álvarez", "José Álvarez"),
    ]


def test_cjk_names_match_without_spaces_around_them() -> None:
    matcher = build_matcher([person("习近平", "Xi Jinping")])
    assert names(matcher.find("国家主席习近平表示")) == [("习近平", "习近平")]


def test_names_are_words_not_parts_of_words() -> None:
    matcher = build_matcher([person("Joe Biden", "Biden")])
    assert names(matcher.find("Bidenomics and Bidens")) == []


def test_a_name_does_not_run_across_paragraphs() -> None:
    matcher = build_matcher([person("Donald Trump")])
    assert names(matcher.find("Donald\n\nTrump")) == [("Trump", "Donald Trump")]
    assert names(matcher.find("Donald\nTrump")) == [("Donald\nTrump", "Donald Trump")]


def test_shared_surname_goes_to_the_one_the_entry_names_in_full() -> None:
    texts = {"body": "Lara Trump spoke first. Trump said she would run."}
    detection = detect(texts, build_matcher(TRUMPS))
    assert names(detection.mentions["body"]) == [
        ("Lara Trump", "Lara Trump"),
        ("Trump", "Lara Trump"),
    ]
    assert detection.ambiguous == []


def test_an_alias_beats_another_persons_surname_when_the_entry_names_both() -> None:
    """Issue 12: the registry's `aliases: [Trump]` says who "Trump" is."""
    texts = {"body": "Lara Trump and President Trump met. Trump said no."}
    detection = detect(texts, build_matcher(TRUMPS))
    assert names(detection.mentions["body"])[-1] == ("Trump", "Donald Trump")
    assert detection.ambiguous == []
    assert [p.name for p in detection.people] == ["Lara Trump", "Donald Trump"]


def test_shared_surname_is_reported_when_both_are_named() -> None:
    castellanos = [person("Victor Castellano"), person("Sofia Castellano")]
    texts = {"body": "Victor Castellano met Sofia Castellano. Castellano said no."}
    detection = detect(texts, build_matcher(castellanos))
    assert [(alias, [p.name for p in who]) for alias, who in detection.ambiguous] == [
        ("Castellano", ["Victor Castellano", "Sofia Castellano"])
    ]


def test_alias_listed_for_one_beats_a_derived_surname_when_nobody_is_named() -> None:
    detection = detect({"body": "Trump said no."}, build_matcher(TRUMPS))
    assert [p.name for p in detection.people] == ["Donald Trump"]


def test_a_title_settles_a_shared_alias() -> None:
    lees = [
        person("Daniel Lee", "Lee", role="US Senator"),
        person("Lee Min-jun", "Lee", role="Trade Minister"),
    ]
    detection = detect({"body": "Senator Lee and Minister Lee met. Lee left."}, build_matcher(lees))
    assert names(detection.mentions["body"]) == [
        ("Lee", "Daniel Lee"),
        ("Lee", "Lee Min-jun"),
        ("Lee", None),
    ]


def test_first_mention_offsets_record_field_and_offset() -> None:
    texts = {"title": "Talks", "body": "Then Trump spoke."}
    detection = detect(texts, build_matcher(TRUMPS[:1]))
    assert detection.first_mention_offsets == {"Donald Trump": ("body", 5)}


def test_topics_match_keywords_in_any_case_at_word_boundaries() -> None:
    tariffs = Topic(name="Tariffs", aliases=("Trade war",), keywords=("tariff", "duties"))
    matcher = build_matcher([], [tariffs])
    found = [m.text for m in matcher.find("A TARIFF, new duties, the trade war, tariffication")]
    assert found == ["TARIFF", "duties", "trade war"]


def test_a_person_and_a_topic_may_share_words() -> None:
    xi = person("Xi Jinping")
    relations = Topic(name="US–China relations", keywords=("xi jinping", "china"))
    found = build_matcher([xi], [relations]).find("China’s Xi Jinping")
    assert [(m.text, bool(m.person), bool(m.topic)) for m in found] == [
        ("China", False, True),
        ("Xi Jinping", True, False),
        ("Xi Jinping", False, True),
    ]


# --- HTML ----------------------------------------------------------------------------------


def test_html_text_skips_tags_attributes_and_scripts_and_decodes_entities() -> None:
    body = (
        '<p title="Donald Trump">Trump&rsquo;s call</p>'
        "<script>var Trump = 1;</script><!-- Trump --><p>&amp; more</p>"
    )
    assert html_text(body) == "Trump’s call\n\n& more"
    assert paragraphs(body) == ["Trump’s call", "& more"]


def link(body: str, people: list[Person]) -> str:
    detection = detect({"body": body}, build_matcher(people), html={"body"})
    return str(link_first_mentions(body, detection))


def test_only_the_first_mention_is_linked_and_url_escaped() -> None:
    people = [Person(name="Donald Trump", aliases=("Trump",), url='/p/"trump"/?a=1&b=2')]
    html = link("<p>Donald Trump&rsquo;s call.</p><p>Trump again.</p>", people)
    assert html == (
        '<p><a href="/p/&#34;trump&#34;/?a=1&amp;b=2">Donald Trump</a>&rsquo;s call.</p>'
        "<p>Trump again.</p>"
    )


def test_existing_links_are_left_alone_and_count_as_linked() -> None:
    body = '<p><a href="/elsewhere">Trump</a> spoke. Then Trump left.</p>'
    assert link(body, TRUMPS[:1]) == body


def test_a_mention_inside_code_is_skipped_for_the_next_one() -> None:
    body = "<p><code>Trump</code> and Trump</p>"
    linked = '<a href="/people/donald-trump/">Trump</a>'
    assert link(body, TRUMPS[:1]) == f"<p><code>Trump</code> and {linked}</p>"


def test_linking_refuses_a_detection_of_another_body() -> None:
    detection = Detection({"body": "something else"}, {"body": []})
    with pytest.raises(ValueError, match="different body"):
        link_first_mentions("<p>Trump</p>", detection)


# --- properties ----------------------------------------------------------------------------

REGISTRY = [*TRUMPS, person("Xi Jinping", "Xi", "President Xi"), person("José Álvarez")]
MATCHER = build_matcher(REGISTRY, [Topic(name="Tariffs", keywords=("tariff",))])
FRAGMENTS = st.sampled_from(
    ["Trump", "Lara Trump", "Xi", "President XI", "José Álvarez", "Jose", "’s", "'s", " ", "\n"]
)
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=30).map("".join)
TAGS = st.sampled_from(["<em>", "</em>", '<a href="/x">', "</a>", "<code>", "</code>", "<br>"])
_TAG = re.compile(r"<[^>]*>")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_find_never_raises_and_spans_are_the_matched_text(text: str) -> None:
    found = MATCHER.find(text)
    assert all(text[m.start : m.end] == m.text for m in found)
    assert found == MATCHER.find(text)  # deterministic


# The quick search (regexes proposing where names start) must find exactly what the
# token-by-token walk finds, whatever the text: marks, apostrophes, dashes, odd spaces.
QUICK = build_matcher(
    [*REGISTRY, person("Aidan O'Brien"), person("Jean-Luc Picard", "Picard"), person("de Gaulle")],
    [
        Topic(name="Tariffs", keywords=("tariff", "145%", "trade war")),
        Topic(name="US–China relations", keywords=("china", "us-china")),
        Topic(name="Marks", keywords=("#metoo", "%")),
    ],
)
PIECES = st.sampled_from(
    [
        *("Trump", "TRUMP", "trump", "Lara", "Xi", "XI", "Jinping", "President", "O’Brien"),
        *("O'Brien", "Aidan", "Jean‑Luc", "Jean-Luc", "Picard", "de", "Gaulle", "tariff"),
        *("TARIFF", "145", "%", "trade", "war", "china", "US", "–", "-", "#", "metoo", "’s"),
        *("'s", " ", "\n", "\n\n", "\u00a0", "<p>", "</p>", '<a href="/Trump">', "</a>", "."),
        *(",", "(", "_", "?", "é", "习", "²"),
    ]
)
MIXED = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(MIXED)
def test_the_quick_search_finds_what_the_token_walk_finds(text: str) -> None:
    assert QUICK.find(text) == QUICK._find_by_tokens(text, None)


def test_html_search_skips_attributes_comments_and_scripts() -> None:
    body = (
        '<p title="Lara Trump">x</p><!-- Trump --><script>var Trump;</script>'
        '<p><a href="/people/donald-trump/">Trump</a> and Lara Trump</p>'
    )
    found = names(build_matcher(TRUMPS).find(body, html=True))
    assert found == [("Trump", None), ("Lara Trump", "Lara Trump")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TEXT.map(lambda t: render_plain_text([t])), TAGS), max_size=8))
def test_linking_only_adds_links(parts: list[str]) -> None:
    body = "".join(parts)
    detection = detect({"body": body}, MATCHER, html={"body"})
    linked = str(link_first_mentions(body, detection))
    assert _TAG.sub("", linked) == _TAG.sub("", body)


# --- a roster of names costs its length, not its length squared -----------------------------


def _roster(count: int) -> tuple[list[Person], str]:
    people = [person(f"Ann Q{i}x Zed{i}") for i in range(count)]
    return people, " ".join(f"<p>Ann Q{i}x Zed{i} spoke.</p>" for i in range(count))


def test_a_roster_is_searched_in_one_pass_not_once_per_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13: each registry word the text held was searched for in the whole text."""
    import generator.newsroom.quicksearch as quicksearch

    searched: list[bytes] = []
    real = quicksearch._word_at
    monkeypatch.setattr(
        quicksearch, "_word_at", lambda data, word: searched.append(word) or real(data, word)
    )
    people, text = _roster(300)
    assert len(names(build_matcher(people).find(text))) == 300
    assert len(searched) <= 32


def test_first_mentions_read_the_body_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: the tags before each mention were read again from the start of the body."""
    import generator.newsroom.bodies as mentions

    class Counting:
        def __init__(self) -> None:
            self.read = 0

        def finditer(self, text: str, pos: int = 0, endpos: int = 1 << 62):  # type: ignore[no-untyped-def]
            self.read += min(endpos, len(text)) - pos
            return pattern.finditer(text, pos, endpos)

    pattern, counting = mentions._NOT_LINKABLE, Counting()
    monkeypatch.setattr(mentions, "_NOT_LINKABLE", counting)
    people, body = _roster(300)
    detection = detect({"body": body}, build_matcher(people), html={"body"})
    assert len(first_mentions(body, detection)) == 300
    assert counting.read <= len(body)
