"""Jinja2 rendering: plan every page of the site, then turn each into HTML."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from generator.config import Config
from generator.engine.cache import template_cache
from generator.errors import DigestError
from generator.model import Page, Site
from generator.source.load import Links, unreadable

if TYPE_CHECKING:
    from generator.render.depend import Fingerprints, TemplateInfo

THEME_STATIC = "static"


def theme_dir() -> Path:
    """The built-in theme: inside the installed package, or `templates/` in a source checkout."""
    package = Path(__file__).resolve().parent.parent  # generator/
    packaged = package / "theme"
    return packaged if packaged.is_dir() else package.parent / "templates"


@dataclass(frozen=True)
class SiteView:
    """What every template may know about the site: settings and the fixed section URLs."""

    title: str
    description: str
    language: str
    base_url: str
    origin: str  # `https://host` of the published site, or "" when it is not known
    home_url: str
    people_url: str
    topics_url: str
    editions_url: str
    stylesheet_url: str
    twitter_site: str
    nav: tuple[tuple[str, str], ...] = ()  # (title, url) of the static pages in the menu

    @classmethod
    def from_config(cls, config: Config, site: Site | None = None) -> SiteView:
        base = config.base_path
        return cls(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            origin=config.origin,
            home_url=base,
            people_url=f"{base}people/",
            topics_url=f"{base}topics/",
            editions_url=f"{base}editions/",
            stylesheet_url=f"{base}theme/style.css",
            twitter_site=config.twitter_site,
            nav=site_nav(site) if site is not None else (),
        )


def site_nav(site: Site) -> tuple[tuple[str, str], ...]:
    """The static pages marked `nav: true`, by title: the menu every page shows."""
    shown = sorted((p for p in site.pages if p.nav), key=lambda p: (p.title.casefold(), p.url))
    return tuple((p.title, p.url) for p in shown)


def settings_fingerprint(config: Config, site: Site) -> str:
    """What every page is made from besides its own objects: the settings, and the menu."""
    nav = site_nav(site)
    if not nav:
        return config.fingerprint()
    from generator.digests import hash_text

    return hash_text(config.fingerprint(), *(f"{title}\x1e{url}" for title, url in nav))


def set_site(env: jinja2.Environment, config: Config, site: Site) -> None:
    """Give the templates what they know of the site: settings, and the menu."""
    env.globals["site"] = SiteView.from_config(config, site)


@dataclass(frozen=True)
class PageView:
    url: str
    title: str
    kind: str


def template_dirs(root: Path) -> list[Path]:
    """Site templates first, so a site overrides the theme file by file."""
    own = root / "templates"
    return [own, theme_dir()] if own.is_dir() else [theme_dir()]


class SiteLoader(jinja2.FileSystemLoader):
    """Templates from the site's `templates/` first, then the theme; a template file must
    be UTF-8 and may not be a link out of the site and the theme (load.Links), so a
    `{% include %}` cannot read `/etc/passwd` into every page."""

    def __init__(self, root: Path, anywhere: bool = False) -> None:
        super().__init__([str(d) for d in template_dirs(root)])
        self.root = root
        self.links = Links.inside(root, theme_dir(), anywhere=anywhere)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            filename = os.path.normpath(os.path.join(folder, *pieces))
            if os.path.isfile(filename):
                break
        else:
            raise jinja2.TemplateNotFound(template)
        shown = _shown_path(filename, self.root)
        real = os.path.realpath(filename)
        if not self.links.allows(real):
            raise self.links.refusal(shown or filename, real)
        try:
            with open(filename, "rb") as handle:
                data = handle.read()
            mtime = os.path.getmtime(filename)
        except OSError as exc:
            raise unreadable(exc, shown or filename) from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DigestError(
                "this template is not valid UTF-8", shown, line, "save it as UTF-8 in your editor"
            ) from exc

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return text, filename, uptodate


def make_environment(
    root: Path, config: Config, compiled: Path | None = None
) -> jinja2.Environment:
    """One environment per build: templates compile once and are cached by Jinja, and
    in `compiled` (a cache folder) for the next process, which then skips compiling."""
    cache = template_cache(compiled) if compiled is not None else None
    env = jinja2.Environment(
        bytecode_cache=cache,
        loader=SiteLoader(root, config.allow_outside_links),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["format_date"] = _date_formatter(config.tz)
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters["pagefind_filter"] = _pagefind_filter
    env.globals["site"] = SiteView.from_config(config)
    return env


def _pagefind_filter(value: object, name: str) -> Markup:
    """`data-pagefind-filter="{{ person.name | pagefind_filter('person') }}"`."""
    from generator.engine.search import pagefind_filter

    return pagefind_filter(name, value)


def _date_formatter(tz: tzinfo) -> Any:
    def format_date(value: datetime, style: str = "short") -> str:
        """`4 June 2025`; `long` adds the weekday and, when one was given, the time."""
        local = value.astimezone(tz)
        text = f"{local.day} {local:%B %Y}"
        if style == "long":
            text = f"{local:%A} {text}"
            if (local.hour, local.minute) != (0, 0):
                text += f", {local:%H:%M}"
        return text

    return format_date


@dataclass
class Plan:
    """Every page of the site and the fingerprint of what each is made from."""

    pages: list[Page]
    fingerprints: dict[str, str]  # output -> fingerprint
    templates: TemplateInfo
    digests: Fingerprints | None = None  # kept by the live preview to fingerprint again
    feed_ids: dict[int, str] = field(default_factory=dict)  # id(entry) -> the feeds' id


def plan_site(
    root: Path, site: Site, config: Config, templates: TemplateInfo | None = None
) -> Plan:
    """Plan every page and fingerprint it, so unchanged pages need not be rendered.

    `templates` may be passed in when the caller knows no template changed.
    """
    from generator.render.depend import Fingerprints, scan_templates
    from generator.render.feeds import entry_ids
    from generator.render.plan import plan_pages

    ids = entry_ids(site.entries, config)
    pages = plan_pages(site, config, ids)
    names = {p.template for p in pages}
    if templates is None or not names <= set(templates.closure):
        templates = scan_templates(make_environment(root, config), names)
    digests = Fingerprints(templates.length_in_lists())
    config_fp = settings_fingerprint(config, site)
    fingerprints = {p.output: digests.page(p, templates, config_fp) for p in pages}
    return Plan(pages, fingerprints, templates, digests, ids)


def render_page(env: jinja2.Environment, page: Page, root: Path) -> str:
    """Render one page; a template problem becomes a DigestError at the template's line."""
    try:
        template = env.get_template(page.template)
        return template.render(page=PageView(page.url, page.title, page.kind), **page.context)
    except jinja2.TemplateSyntaxError as exc:
        raise DigestError(
            f"template syntax error: {exc.message}",
            _shown_path(exc.filename, root),
            exc.lineno,
            "fix the template tag on that line",
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise DigestError(
            f"template {exc.name!r} not found (needed for /{page.output})",
            *_template_frame(exc.__traceback__, root),
            hint="add it to templates/ or check the name in `extends`/`include`",
        ) from exc
    except jinja2.UndefinedError as exc:
        raise DigestError(
            f"{exc.message} (while rendering /{page.output})",
            *_template_frame(exc.__traceback__, root),
            hint="check the variable name; see README.md for what each template receives",
        ) from exc
    except RecursionError as exc:
        raise DigestError(
            f"templates include or extend each other endlessly (while rendering {page.template})",
            *_template_frame(exc.__traceback__, root),
            hint="remove the `include`/`extends` that leads back to the same template",
        ) from exc
    except (TypeError, ValueError, AttributeError, KeyError, ZeroDivisionError) as exc:
        raise DigestError(
            f"template error: {exc} (while rendering /{page.output})",
            *_template_frame(exc.__traceback__, root),
            hint="check the expression on that line",
        ) from exc


def _template_frame(tb: TracebackType | None, root: Path) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template (Jinja maps its lines back)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".j2", ".jinja")):
            found = (_shown_path(filename, root), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _shown_path(filename: str | None, root: Path) -> str | None:
    """A template's path relative to the site root when inside it, else as it is.

    Both sides are normalised as Jinja normalises template file names, so a ROOT given as
    `../a/../site` does not show the root twice once the CLI puts it in front again."""
    if filename is None:
        return None
    name, base = os.path.normpath(os.path.abspath(filename)), os.path.abspath(root)
    if name.startswith(os.path.join(base, "")):
        return os.path.relpath(name, base)
    return filename
