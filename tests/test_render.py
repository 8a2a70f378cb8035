"""Rendering: the environment, the date filters, the page plan and template errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.config import Config
from generator.errors import DigestError
from generator.model import Page, Site
from generator.render.pages import render_page
from generator.render.plan import plan_pages
from generator.render.templates import make_environment, theme_dir


@pytest.fixture
def env(tmp_path: Path):
    return make_environment(tmp_path, Config(timezone="Europe/London"))


def test_format_date_uses_the_site_zone(env) -> None:
    moment = datetime(2025, 6, 4, 23, 30, tzinfo=timezone(timedelta(hours=-4)))
    fmt = env.filters["format_date"]
    assert fmt(moment) == "5 June 2025"  # 04:30 in London
    assert fmt(moment, "long") == "Thursday 5 June 2025, 04:30"


def test_long_date_omits_midnight(env) -> None:
    midnight = datetime(2025, 6, 4, tzinfo=ZoneInfo("Europe/London"))
    assert env.filters["format_date"](midnight, "long") == "Wednesday 4 June 2025"


def test_isodate_keeps_the_offset(env) -> None:
    moment = datetime(2025, 6, 4, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert env.filters["isodate"](moment) == "2025-06-04T09:30:00-04:00"


def test_site_view_urls_carry_the_base_path(tmp_path: Path) -> None:
    site = make_environment(tmp_path, Config(base_url="https://x.org/a/b")).globals["site"]
    assert site.home_url == "/a/b/"
    assert site.people_url == "/a/b/people/"
    assert site.stylesheet_url == "/a/b/theme/style.css"


def test_theme_has_every_template_the_plan_needs() -> None:
    pages = plan_pages(Site([], [], [], []), Config())
    for name in {p.template for p in pages} | {"entry.html", "person.html", "topic.html"}:
        assert (theme_dir() / name).is_file(), name


def test_empty_site_plans_the_fixed_pages() -> None:
    config = Config(site_url="https://example.org/")
    outputs = {p.output for p in plan_pages(Site([], [], [], []), config)}
    assert outputs == {
        "index.html",
        "404.html",
        "editions/index.html",
        "people/index.html",
        "topics/index.html",
        "feed.xml",
        "feed.json",
        "editions/feed.xml",
        "sitemap.xml",
        "robots.txt",
        "search/index.html",
    }


def test_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("line one\n{{ nothing_here }}\n")
    env = make_environment(tmp_path, Config())
    page = Page("404.html", "/404.html", "404.html", "x", "404", {})
    with pytest.raises(DigestError) as error:
        render_page(env, page, tmp_path)
    assert (error.value.path, error.value.line) == ("templates/404.html", 2)
    assert "nothing_here" in error.value.message


def test_self_including_template_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text('{% include "404.html" %}\n')
    env = make_environment(tmp_path, Config())
    page = Page("404.html", "/404.html", "404.html", "x", "404", {})
    with pytest.raises(DigestError, match="endlessly"):
        render_page(env, page, tmp_path)
