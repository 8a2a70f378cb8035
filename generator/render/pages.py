"""Turn a planned page into HTML; a template problem becomes an error at its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import jinja2

from generator.errors import DigestError
from generator.model import Page
from generator.render.templates import shown_path


@dataclass(frozen=True)
class PageView:
    url: str
    title: str
    kind: str


def render_page(env: jinja2.Environment, page: Page, root: Path) -> str:
    """Render one page; a template problem becomes a DigestError at the template's line."""
    try:
        template = env.get_template(page.template)
        return template.render(page=PageView(page.url, page.title, page.kind), **page.context)
    except jinja2.TemplateSyntaxError as exc:
        raise DigestError(
            f"template syntax error: {exc.message}",
            shown_path(exc.filename, root),
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
            found = (shown_path(filename, root), tb.tb_lineno)
        tb = tb.tb_next
    return found
