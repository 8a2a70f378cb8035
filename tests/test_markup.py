"""Markdown with tables, footnotes, smart quotes and heading ids; raw text escaped."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import LinkInlineProcessor
from markupsafe import Markup

from generator.source.markup import (
    _MARKUP,
    MAX_NESTING,
    NestingTooDeep,
    _link_text,
    _make_renderer,
    _renderer_for,
    count_words,
    first_paragraph_text,
    kramdown_lists,
    render_markdown,
    render_plain_text,
    smarten,
    smarten_html,
)
from tests.deadline import ends_within


def test_returns_markup() -> None:
    assert isinstance(render_markdown("x"), Markup)
    assert isinstance(render_plain_text(["x"]), Markup)


def test_paragraphs_and_emphasis() -> None:
    assert render_markdown("Hello *world*.\n\nSecond **one**.") == (
        "<p>Hello <em>world</em>.</p>\n<p>Second <strong>one</strong>.</p>"
    )


def test_tables() -> None:
    html = render_markdown("| Country | Tariff |\n|---|--:|\n| China | 30% |\n")
    assert "<table>" in html
    assert "<th>Country</th>" in html
    assert "<td>China</td>" in html
    assert '<td style="text-align: right;">30%</td>' in html


def test_footnotes() -> None:
    html = render_markdown("A claim.[^src]\n\n[^src]: The source.\n")
    assert '<sup id="fnref:src"><a class="footnote-ref" href="#fn:src">1</a></sup>' in html
    assert '<div class="footnote">' in html
    assert '<li id="fn:src">' in html
    assert "The source." in html


def test_footnotes_do_not_leak_into_the_next_render() -> None:
    render_markdown("A claim.[^1]\n\n[^1]: First note.\n")
    html = render_markdown("No notes here.")
    assert html == "<p>No notes here.</p>"
    second = render_markdown("Other.[^1]\n\n[^1]: Second note.\n")
    assert "First note" not in second
    assert "Second note" in second


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ('"Quoted"', "<p>\u201cQuoted\u201d</p>"),
        ("it's", "<p>it\u2019s</p>"),
        ("a -- b", "<p>a \u2013 b</p>"),
        ("a --- b", "<p>a \u2014 b</p>"),
        ("wait...", "<p>wait\u2026</p>"),
        ("'single'", "<p>\u2018single\u2019</p>"),
        ("the '90s", "<p>the \u201990s</p>"),
        ('"<em>Quoted</em>," she said', "<p>\u201c<em>Quoted</em>,\u201d she said</p>"),
        ('`it\'s -- "raw"`', '<p><code>it\'s -- "raw"</code></p>'),
    ],
)
def test_smart_quotes_and_dashes(text: str, html: str) -> None:
    assert render_markdown(text) == html


def test_smarten_html_reads_quotes_across_tags_and_skips_raw_elements() -> None:
    html = "<p>He said <em>\"no\"</em>.</p><pre><code>x = 'a' -- b</code></pre><p>'Tis...</p>"
    assert smarten_html(html) == (
        "<p>He said <em>\u201cno\u201d</em>.</p>"
        "<pre><code>x = 'a' -- b</code></pre><p>\u2019Tis\u2026</p>"
    )


def test_code_keeps_straight_quotes() -> None:
    html = render_markdown('```\nprint("hi") -- x\n```\n')
    assert "&ldquo;" not in html
    assert "&quot;hi&quot;" in html or '"hi"' in html
    assert "<pre><code>" in html


def test_heading_ids() -> None:
    html = render_markdown("## Trade talks\n\n## Trade talks\n\n### Xi’s visit to Paris\n")
    assert '<h2 id="trade-talks">Trade talks</h2>' in html
    assert '<h2 id="trade-talks-1">Trade talks</h2>' in html
    assert '<h3 id="xis-visit-to-paris">' in html
    assert "headerlink" not in html  # no permalink anchors


def test_heading_ids_restart_for_each_render() -> None:
    render_markdown("## Trade talks\n")
    assert render_markdown("## Trade talks\n") == '<h2 id="trade-talks">Trade talks</h2>'


def test_attr_list() -> None:
    assert render_markdown("## Later {: #custom }") == '<h2 id="custom">Later</h2>'


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<h1>H</h1>\n<p>First <em>one</em> &amp; more.</p>\n<p>Second.</p>", "First one & more."),
        ("<p>Line one\nline   two</p>", "Line one line two"),
        ("<p>&ldquo;Quoted&rdquo; &ndash; yes</p>", "“Quoted” – yes"),
        ("<p><a href='x'>link</a> text</p>", "link text"),
        ("<h1>Only a heading</h1>", ""),
        ("", ""),
    ],
)
def test_first_paragraph_text(body: str, text: str) -> None:
    assert first_paragraph_text(body) == text


def test_first_paragraph_text_of_rendered_markdown() -> None:
    body = render_markdown('# Heading\n\n"Trade" talks -- *resume*.\n\nMore.')
    assert first_paragraph_text(body) == "“Trade” talks – resume."


def test_render_plain_text_escapes_html() -> None:
    html = render_plain_text(["<script>alert('x')</script>", "Tom & Jerry > Spike"])
    assert "<script>" not in html
    assert html == (
        "<p>&lt;script&gt;alert('x')&lt;/script&gt;</p>\n<p>Tom &amp; Jerry &gt; Spike</p>"
    )


def test_render_plain_text_is_not_markdown() -> None:
    assert render_plain_text(["*not* [markdown](x)"]) == "<p>*not* [markdown](x)</p>"


def test_render_plain_text_empty() -> None:
    assert render_plain_text([]) == ""


def test_plain_text_round_trips_through_first_paragraph_text() -> None:
    text = "<b>Bold</b> & “quoted” claims"
    assert first_paragraph_text(render_plain_text([text, "second"])) == text


def test_first_paragraph_text_drops_footnote_markers() -> None:
    body = render_markdown("A claim.[^1] More.\n\n[^1]: Source.\n")
    assert first_paragraph_text(body) == "A claim. More."


def test_first_paragraph_text_with_attributes() -> None:
    body = render_markdown("Lead text.\n{: .lead}\n\nSecond.")
    assert first_paragraph_text(body) == "Lead text."


HOSTILE_BODY = """<script>alert(1)</script>

Hi <img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](JaVaScRiPt&#58;alert(1))
[c](https://example.org/ok) ![i](data:text/html,x) [m](mailto:desk@example.org)

## Head {: onclick="alert(1)" }
"""


def test_safe_mode_strips_raw_html_and_script_links() -> None:
    html = render_markdown(HOSTILE_BODY, safe=True)
    assert "<script" not in html and "<img src=x" not in html
    assert "javascript" not in html.lower() and "data:text" not in html
    assert not re.search(r"<[^>]+\sonclick=", html)  # as text at most, never an attribute
    assert '<a href="https://example.org/ok">c</a>' in html
    assert '<a href="mailto:desk@example.org">m</a>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the text is kept, inert


def test_trusted_mode_keeps_raw_html() -> None:
    html = render_markdown("<aside>Note</aside>\n\nText.")
    assert "<aside>Note</aside>" in html


# Each extension and inline pattern a lean renderer may leave out, with one of its marks.
LEAN_CASES = [
    "Plain *em* and __strong__ with a [link](https://example.org) and [ref][r].\n\n[r]: /x",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Claim.[^1]\n\n[^1]: Note.",
    "```python\nx = '<b>'\n```",
    "~~~\ncode\n~~~",
    "## Head {: #h }\n\nPara.\n{: .lead}",
    "Use `code` here, and a \\*star\\*.",
    "Code `a\\\\b` and `\\`` spans",
    "![alt](pic.png) and ![ref][p]\n\n[p]: /p.png",
    "<http://example.org> <desk@example.org> <span>raw</span> &amp; &copy;",
    "Line one  \nline two",
    "Line one\t\nline two\tend",
    "Split mark: !\x02[x](y) and `a\x03`",
    "Text\n\n    indented code\n\n- item\n\n    more of the item",
    "Text\n\n\tcode after a tab\n\n1. one\n\n\ttabbed on",
    'See [the report][r].\n\n[r]: https://example.org/r "Report"',
    "<div>\nraw *block*\n</div>\n\nAT&T &#123 &amp;",
    "No tags: AT&T &#123 &#x7b &amp &copy;",
    "Undefined: [a][nope], [short], [b][] and ![pic][nope], ![alt] [c](/c)",
    "# Head #\n\n> quoted\n> > nested\n\nText with no link, heading or quote",
]


@pytest.mark.parametrize("safe", [False, True])
@pytest.mark.parametrize("text", LEAN_CASES)
def test_lean_renderers_render_as_the_full_one(text: str, safe: bool) -> None:
    lean = _renderer_for(text, safe)
    full = _make_renderer(safe)
    assert lean.reset().convert(text) == full.reset().convert(text)


def test_a_body_without_marks_gets_a_lean_renderer() -> None:
    lean = _renderer_for("Just *words* and a [link](https://example.org).", False)
    assert "backtick" not in lean.inlinePatterns and "footnote" not in lean.inlinePatterns
    assert "code" not in lean.parser.blockprocessors and "html_block" not in lean.preprocessors
    assert "link" in lean.inlinePatterns and "em_strong" in lean.inlinePatterns
    assert _renderer_for("Other *words*.", False) is _renderer_for("More words.", False)


@pytest.mark.parametrize(
    "body",
    ["", "<p>one two</p>", "<p>it's rock-'n'-roll — a-b-c 'tis</p>", "<p>l’été naïve café</p>",
     "<h2 id=\"x-y\">x-y</h2><p>a--b a -- b 1,000 _x_ x_y</p>", "<p>a\u00a0b “c” ²</p>"],
)  # fmt: skip
def test_count_words_matches_the_word_pattern(body: str) -> None:
    expected = len(re.findall(r"\w+(?:[’'-]\w+)*", re.sub(r"<[^>]+>", " ", body)))
    assert count_words(body) == expected


# --- typography leaves markup, comments, code and command-line options alone ---------------


@pytest.mark.parametrize(
    "markup",
    [
        '<!-- <img src="x.png"> -->',
        "<!-- a -- b ... 'c' \"d\" -->",
        "<!--\nmulti-line -- comment > with > marks\n-->",
        '<a title="a > b -- c" href="x">',
        "<a title='it -- \"x\" > y'>",
        '<img alt="Straight \'quotes\' -- and ... dots" src="a.png">',
        "<![CDATA[ x -- 'y' > z ]]>",
        "<!DOCTYPE html>",
        "<?php echo 'x' -- 1; ?>",
        "</a  >",
    ],
)
def test_markup_is_left_exactly_as_written(markup: str) -> None:
    html = f'<p>Before -- "this"</p>\n{markup}\n<p>After -- "that"...</p>'
    smartened = smarten_html(html)
    assert markup in smartened
    assert smartened.startswith("<p>Before – “this”</p>")
    assert smartened.endswith("<p>After – “that”…</p>")


def test_a_comment_holding_a_tag_keeps_its_end_and_the_page_after_it() -> None:
    body = render_markdown(
        'Intro -- text.\n\n<!-- <img src="x.png"> old figure -->\n\nThe rest "matters".\n'
    )
    assert '<!-- <img src="x.png"> old figure -->' in body
    assert "<p>The rest “matters”.</p>" in body
    assert "–>" not in body


def test_an_unclosed_comment_is_left_alone_to_the_end() -> None:
    assert smarten_html('<p>a -- b</p><!-- open "x" -- y') == '<p>a – b</p><!-- open "x" -- y'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Run it with --workspace today.", "Run it with --workspace today."),
        ("Pass --no-deps --quiet -- then wait...", "Pass --no-deps --quiet – then wait…"),
        ('Set --name="x" and "y".', 'Set --name="x" and “y”.'),
        ("(--flag) or [--flag]", "(--flag) or [--flag]"),
        ("--workspace", "--workspace"),
        ("Pages 10--20, a -- b, a---b.", "Pages 10–20, a – b, a—b."),
        ("en--dash between words", "en–dash between words"),
    ],
)
def test_command_line_options_in_prose_are_kept(text: str, expected: str) -> None:
    assert render_markdown(text) == f"<p>{expected}</p>"
    assert smarten(text) == expected


def test_typography_can_be_turned_off() -> None:
    text = '"Quoted" -- text... it\'s <!-- x --> `code`'
    assert render_markdown(text, typography=False) == (
        '<p>"Quoted" -- text... it\'s <!-- x --> <code>code</code></p>'
    )


MARKUP_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<em>", "</em>", "<code>", "</code>", "<pre>", "</pre>", "<!-- ",
        " -->", '<a href="x">', "</a>", '<img alt="a > b" src="-->">', "<br>", "<!DOCTYPE x>",
        "<![CDATA[", "]]>", "'", '"', "--", "---", "...", "-", ">", "<", " ", "x", "it's",
        "--flag", "=", "\n",
    ]
)  # fmt: skip
MARKUPS = st.lists(MARKUP_PIECES, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKUPS)
def test_smarten_html_changes_no_markup(markup: str) -> None:
    before = _MARKUP.split(markup)
    after = _MARKUP.split(smarten_html(markup))
    assert before[1::2] == after[1::2]
    assert len(before) == len(after)


@settings(max_examples=300, deadline=None)
@given(MARKUPS)
def test_smarten_html_is_idempotent(markup: str) -> None:
    once = smarten_html(markup)
    assert smarten_html(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40).filter(lambda t: "-->" not in t)
)
def test_any_comment_survives_rendering(comment: str) -> None:
    body = render_markdown(f"Text.\n\n<!-- {comment} -->\n\nMore -- text.\n")
    assert "<p>More – text.</p>" in body


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"--[a-z][a-z0-9-]{0,15}(=[a-z0-9\"']{1,8})?", fullmatch=True))
def test_any_option_is_kept(option: str) -> None:
    assert option in smarten(f"Use {option} here, -- and 'quote'.")


# --- nesting is bounded before Python-Markdown sees the text -------------------------------


def deep(levels: int, indent: str = "    ") -> str:
    return "".join(f"{indent * i}- level {i + 1}\n" for i in range(levels))


@pytest.mark.parametrize(
    ("text", "line", "depth"),
    [
        ("Intro.\n\n" + "- " * 10_000 + "x\n", 3, 10_000),  # 20 KB written compactly
        ("> " * 150 + "x\n", 1, 150),
        (">" * 5000 + " x\n", 1, 5000),
        ("1. " * 500 + "x\n", 1, 500),
        ("> - " * 60 + "x\n", 1, 120),
        (deep(1500), 101, 101),  # indented by four spaces a level
        (deep(1500, "\t"), 101, 101),
    ],
)
def test_nesting_past_the_limit_is_refused_at_its_line(text: str, line: int, depth: int) -> None:
    with ends_within(20), pytest.raises(NestingTooDeep) as info:
        render_markdown(text)
    assert (info.value.line, info.value.depth) == (line, depth)


@pytest.mark.parametrize("text", [deep(100), "- " * 100 + "x\n", "> " * 100 + "x\n"])
def test_nesting_up_to_the_limit_renders(text: str) -> None:
    assert "x" in render_markdown(text) or "level 100" in render_markdown(text)


def test_deep_indentation_inside_a_code_fence_is_code() -> None:
    text = "```\n" + " " * 2000 + "x\n```\n\n~~~~\n" + "- " * 500 + "\n~~~~\n"
    assert render_markdown(text).count("<pre>") == 2


NESTING_PIECES = st.sampled_from(["- ", "* ", "1. ", "> ", ">", "    ", "  ", "\t", "x", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(NESTING_PIECES, max_size=400).map("".join))
def test_nested_text_renders_or_is_refused_never_a_recursion_error(text: str) -> None:
    try:
        render_markdown(text)
    except NestingTooDeep as error:
        assert error.depth > MAX_NESTING


# --- brackets that never close cost no more than the text is long ---------------------------


@pytest.mark.parametrize("text", ["[" * 20_000, "x " + "[a" * 20_000, "![" * 20_000])
def test_unclosed_brackets_render_in_linear_time(text: str) -> None:
    with ends_within(20):
        html = render_markdown(text)
    assert html.count("[") == text.count("[")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["[", "]", "a", " ", "(", ")", "x" * 150]), max_size=40).map("".join),
    st.integers(min_value=0, max_value=10_000),
)
def test_link_text_is_what_python_markdown_finds(data: str, start: int) -> None:
    opens = [i + 1 for i, c in enumerate(data) if c == "["]
    if not opens:
        return
    index = opens[start % len(opens)]
    pattern = _make_renderer(False).inlinePatterns["link"]
    assert _link_text(pattern, data, index) == LinkInlineProcessor.getText(pattern, data, index)


def test_links_render_as_before() -> None:
    text = "A [link](https://x.org) and [nested [brackets]](y) and ![img](z.png) [" + "x" * 300
    assert render_markdown(text) == (
        '<p>A <a href="https://x.org">link</a> and <a href="y">nested [brackets]</a> and '
        '<img alt="img" src="z.png"> [' + "x" * 300 + "</p>"
    )


# --- markdown = "kramdown-compatible" -------------------------------------------------------


def kramdown(text: str) -> str:
    return render_markdown(text, dialect="kramdown-compatible")


def test_lists_nested_by_two_spaces_nest() -> None:
    text = "- a\n  - b\n    - c\n  - d\n- e\n"
    assert kramdown(text) == render_markdown("- a\n    - b\n        - c\n    - d\n- e\n")
    assert "<li>a</li>" in render_markdown(text)  # the default dialect nests nothing under a
    assert kramdown(text).count("<ul>") == 3


def test_a_list_may_start_right_after_a_paragraph_line() -> None:
    text = "The plan:\n- first\n- second\n\nAfter.\n"
    assert (
        kramdown(text)
        == "<p>The plan:</p>\n<ul>\n<li>first</li>\n<li>second</li>\n</ul>\n<p>After.</p>"
    )
    assert "<ul>" not in render_markdown(text)  # printed as text by default


@pytest.mark.parametrize(
    "text",
    [
        "1. one\n2. two\n   - nested\n3. three\n",
        "* a\n  * b\n\n  more of a\n\n      code in a\n",
        "- a\n\t- b\n",
        "10. ten\n    - under ten\n",
    ],
)
def test_kramdown_lists_render_as_their_four_space_form(text: str) -> None:
    four = kramdown_lists(text)
    assert kramdown(text) == render_markdown(four)
    assert "<ul>" in kramdown(text) and kramdown(text).count("<li>") >= 2


@pytest.mark.parametrize(
    "text",
    [
        "Plain text\nover lines.\n",
        "Text\n\n```\n- not\n  - a list\n```\n",
        "Title\n---\n\n- - -\n",
        "Year\n2025. Not a list\n",
        "    - code, not a list\n",
        "| a | b |\n|---|---|\n| - | + |\n",
    ],
)
def test_what_is_not_a_list_is_left_as_it_is(text: str) -> None:
    assert kramdown_lists(text) == text


@st.composite
def list_trees(draw: st.DrawFn, depth: int = 0) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    words = st.from_regex(r"[a-z]{1,8}( [a-z]{1,8}){0,3}", fullmatch=True)
    count = draw(st.integers(min_value=1, max_value=3))
    return [
        (draw(words), draw(list_trees(depth + 1)) if depth < 4 and draw(st.booleans()) else [])
        for _ in range(count)
    ]


def written(tree: list, marker: str, indent: int, level: int = 0) -> str:  # type: ignore[type-arg]
    return "".join(
        f"{' ' * indent * level}{marker} {text}\n" + written(children, marker, indent, level + 1)
        for text, children in tree
    )


@settings(max_examples=100, deadline=None)
@given(list_trees(), st.sampled_from(["-", "*", "+"]))
def test_two_space_lists_in_kramdown_mode_read_as_four_space_lists(
    tree: list,
    marker: str,  # type: ignore[type-arg]
) -> None:
    assert kramdown(written(tree, marker, 2)) == render_markdown(written(tree, marker, 4))


@settings(max_examples=100, deadline=None)
@given(list_trees())
def test_four_space_lists_read_alike_in_both_dialects(tree: list) -> None:  # type: ignore[type-arg]
    text = "Intro.\n\n" + written(tree, "-", 4) + "\nEnd.\n"
    assert kramdown(text) == render_markdown(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["- ", "1. ", "  ", "    ", "\t", "x", "\n", "```\n", "> ", "#"]),
        max_size=60,
    ).map("".join)
)
def test_kramdown_lists_keeps_every_line_and_its_words(text: str) -> None:
    out = kramdown_lists(text)
    assert [line.split() for line in out.split("\n") if line.strip()] == [
        line.split() for line in text.split("\n") if line.strip()
    ]
