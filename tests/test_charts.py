"""Charts: stories counted per week or month, and an SVG that carries its own text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from generator.render.charts import WEEKLY_SPAN_DAYS, count_by_period, describe, timeline_svg

JUNE = [date(2025, 6, 2), date(2025, 6, 4), date(2025, 6, 4), date(2025, 6, 17)]


def test_no_days_draws_nothing() -> None:
    assert count_by_period([]) is None


def test_weeks_start_on_monday_and_empty_weeks_are_kept() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None and timeline.unit == "week"
    assert [(b.start, b.count) for b in timeline.buckets] == [
        (date(2025, 6, 2), 3),
        (date(2025, 6, 9), 0),
        (date(2025, 6, 16), 1),
    ]
    assert timeline.buckets[0].label == "week of 2 June 2025"
    assert timeline.total == 4


def test_over_six_months_counts_months_across_the_new_year() -> None:
    days = [date(2024, 11, 30), date(2025, 1, 1), date(2025, 6, 30)]
    assert (days[-1] - days[0]).days > WEEKLY_SPAN_DAYS
    timeline = count_by_period(days)
    assert timeline is not None and timeline.unit == "month"
    assert [b.start.month for b in timeline.buckets] == [11, 12, 1, 2, 3, 4, 5, 6]
    assert [b.count for b in timeline.buckets] == [1, 0, 1, 0, 0, 0, 0, 1]
    assert timeline.buckets[2].label == "January 2025"


def test_six_months_exactly_is_still_weekly() -> None:
    start = date(2025, 1, 6)
    timeline = count_by_period([start, start + timedelta(days=WEEKLY_SPAN_DAYS)])
    assert timeline is not None and timeline.unit == "week"


def test_the_peak_is_the_latest_of_equals() -> None:
    timeline = count_by_period([date(2025, 6, 2), date(2025, 6, 16)])
    assert timeline is not None and timeline.peak.start == date(2025, 6, 16)


def test_description_names_span_total_and_peak() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None
    assert describe(timeline, "Xi Jinping") == (
        "Stories mentioning Xi Jinping, per week",
        "4 stories from the week of 2 June 2025 to the week of 16 June 2025; "
        "the most, 3, in the week of 2 June 2025.",
    )
    single = count_by_period([date(2025, 6, 4)])
    assert single is not None
    assert describe(single, "Tariffs")[1] == "1 story, all in the week of 2 June 2025."


def _svg(markup: str) -> ET.Element:
    svg = re.search(r"<svg.*</svg>", markup, re.DOTALL)
    assert svg is not None
    # The inline SVG is also well-formed XML once the SVG namespace is declared.
    return ET.fromstring(
        svg.group().replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


def test_svg_is_an_image_with_a_title_and_description() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None
    markup = str(timeline_svg(timeline, "Xi Jinping", ident="xi"))
    svg = _svg(markup)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "xi-title xi-desc"
    assert svg.find(f"{ns}title").get("id") == "xi-title"  # type: ignore[union-attr]
    assert svg.find(f"{ns}desc").text == describe(timeline, "Xi Jinping")[1]  # type: ignore[union-attr]
    bars = svg.findall(f".//{ns}rect")
    assert len(bars) == 2  # the empty week draws no bar
    assert bars[0].find(f"{ns}title").text == "Week of 2 June 2025: 3 stories"  # type: ignore[union-attr]


def test_svg_takes_its_colours_from_the_page() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None
    markup = str(timeline_svg(timeline, "Xi Jinping"))
    assert "currentColor" in markup
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(|style=", markup)


def test_the_numbers_are_also_a_table_and_a_caption() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None
    markup = str(timeline_svg(timeline, "Xi Jinping"))
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', markup)
    assert rows == [("Week of 2 June 2025", "3"), ("Week of 16 June 2025", "1")]
    assert '<table class="vh">' in markup
    assert markup.rstrip().endswith("</figcaption>\n</figure>")


def test_names_are_escaped() -> None:
    timeline = count_by_period(JUNE)
    assert timeline is not None
    markup = str(timeline_svg(timeline, "<b>Ada</b> & co"))
    assert "<b>" not in markup
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; co" in markup
