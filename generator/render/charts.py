"""Pictures drawn at build time: a timeline of how often a person or topic is in the news.

The SVG is inline, uses no script, and takes its colours from the page (`currentColor`,
set in the stylesheet from its light and dark palettes). Every chart carries its own text:
a title and description for assistive technology and a table with the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from markupsafe import Markup, escape

# Over about six months of stories, weeks make too many thin bars: count months instead.
WEEKLY_SPAN_DAYS = 183
WIDTH, HEIGHT = 640, 132
MAX_BAR = 28.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 30, 8, 12, 22  # room for the scale and the dates


@dataclass(frozen=True)
class Bucket:
    """The stories of one week (starting on Monday) or one calendar month."""

    start: date
    count: int
    label: str  # `week of 2 June 2025`, `June 2025`
    short: str  # `2 Jun 2025`, `Jun 2025`: the axis


@dataclass(frozen=True)
class Timeline:
    unit: str  # "week" or "month"
    buckets: list[Bucket]  # every period from the first story's to the last's, empty ones too

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)

    @property
    def peak(self) -> Bucket:
        """The busiest period; the latest of equals, as news readers care about recent."""
        return max(reversed(self.buckets), key=lambda b: b.count)


def count_by_period(days: Iterable[date]) -> Timeline | None:
    """Stories per week, or per month when they span more than about six months."""
    days = list(days)
    if not days:
        return None
    first, last = min(days), max(days)
    unit = "week" if (last - first).days <= WEEKLY_SPAN_DAYS else "month"
    counts = Counter(_period_start(d, unit) for d in days)
    buckets = []
    start = _period_start(first, unit)
    while start <= last:
        buckets.append(_bucket(start, unit, counts[start]))
        start = _next_period(start, unit)
    return Timeline(unit, buckets)


def _period_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_period(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _bucket(start: date, unit: str, count: int) -> Bucket:
    return Bucket(start, count, *_labels(start, unit))


@lru_cache(maxsize=4096)
def _labels(start: date, unit: str) -> tuple[str, str]:
    """The long and the short (axis) label of a period; every chart shares them."""
    if unit == "week":
        return f"week of {_long(start)}", f"{start.day} {start:%b %Y}"
    return f"{start:%B %Y}", f"{start:%b %Y}"


def _centre(index: int, slot: float) -> float:
    return _LEFT + (index + 0.5) * slot


def _date_label(bucket: Bucket, x: float, anchor: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{HEIGHT - 4}" text-anchor="{anchor}">{escape(bucket.short)}</text>'
    )


def _rule(y: float) -> str:
    """A horizontal line across the plot, on the pixel grid so it stays sharp."""
    return f'<line x1="{_LEFT}" y1="{y + 0.5}" x2="{WIDTH - _RIGHT}" y2="{y + 0.5}"/>'


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _stories(n: int) -> str:
    return f"{n} {'story' if n == 1 else 'stories'}"


def describe(timeline: Timeline, subject: str) -> tuple[str, str]:
    """A title and a one-sentence summary, the chart's text for those who cannot see it."""
    first, last = timeline.buckets[0], timeline.buckets[-1]
    title = f"Stories mentioning {subject}, per {timeline.unit}"
    if len(timeline.buckets) == 1:
        span = f"all in the {first.label}" if timeline.unit == "week" else f"all in {first.label}"
        return title, f"{_stories(timeline.total)}, {span}."
    peak = timeline.peak
    when = f"the {peak.label}" if timeline.unit == "week" else peak.label
    summary = (
        f"{_stories(timeline.total)} from the {first.label} to the {last.label}"
        if timeline.unit == "week"
        else f"{_stories(timeline.total)} from {first.label} to {last.label}"
    )
    return title, f"{summary}; the most, {peak.count}, in {when}."


def timeline_svg(timeline: Timeline, subject: str, ident: str = "timeline") -> Markup:
    """A bar chart figure: inline SVG, a caption, and the numbers as a visually hidden table."""
    title, summary = describe(timeline, subject)
    peak = max(timeline.peak.count, 1)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    slot = plot_w / len(timeline.buckets)
    width = max(min(slot * 0.8, MAX_BAR), 1.0)  # a few bars stay bars, not blocks
    base = _TOP + plot_h
    bars = []
    for i, bucket in enumerate(timeline.buckets):
        if not bucket.count:
            continue
        height = max(plot_h * bucket.count / peak, 2.0)
        bars.append(
            f'<rect x="{_centre(i, slot) - width / 2:.1f}" y="{base - height:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}"><title>'
            f"{escape(_upper_first(bucket.label))}: {_stories(bucket.count)}</title></rect>"
        )
    last = len(timeline.buckets) - 1
    ticks = [
        f'<text x="{_LEFT - 6}" y="{_TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{_LEFT - 6}" y="{base}" text-anchor="end">0</text>',
    ]
    if last:  # the first and last periods' dates under the ends of the plot
        ticks.append(_date_label(timeline.buckets[0], _centre(0, slot) - width / 2, "start"))
        ticks.append(_date_label(timeline.buckets[-1], _centre(last, slot) + width / 2, "end"))
    else:
        ticks.append(_date_label(timeline.buckets[0], _centre(0, slot), "middle"))
    rows = "".join(
        f'<tr><th scope="row">{escape(_upper_first(b.label))}</th><td>{b.count}</td></tr>'
        for b in timeline.buckets
        if b.count
    )
    unit = "Week" if timeline.unit == "week" else "Month"
    return Markup(
        f'<figure class="timeline">\n'
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" aria-labelledby="{ident}-title {ident}-desc">\n'
        f'<title id="{ident}-title">{escape(title)}</title>\n'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>\n'
        f'<g class="chart-grid" fill="none" stroke="currentColor">{_rule(_TOP)}{_rule(base)}</g>\n'
        f'<g class="chart-bars" fill="currentColor">{"".join(bars)}</g>\n'
        f'<g class="chart-labels" fill="currentColor" font-size="12">{"".join(ticks)}</g>\n'
        f"</svg>\n"
        f'<table class="vh"><caption>{escape(title)}</caption>\n'
        f'<thead><tr><th scope="col">{unit}</th><th scope="col">Stories</th></tr></thead>\n'
        f"<tbody>{rows}</tbody></table>\n"
        f"<figcaption>{escape(summary)}</figcaption>\n"
        f"</figure>"
    )
