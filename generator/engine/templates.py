"""The templates between builds: what each page template pulls in, scanned once while
no template file changes, and the environment holding them compiled.

Jinja's compiled templates are also kept in `.digest-cache/templates-<code>/` for the
next process, in a folder named by our code's version (Jinja's key covers the template
source, not our settings)."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from generator.config import Config
from generator.engine import cache
from generator.model import Site
from generator.render.depend import TemplateInfo
from generator.render.plan import Plan, plan_site
from generator.render.templates import make_environment, set_site

TemplateKey = tuple[object, ...]  # the build key and every template file's hash


class Templates:
    """The template scan and the compiled environment, kept while no template changes."""

    def __init__(self, root: Path, folder: Path | None) -> None:
        self.root = root
        self.folder = folder  # the cache folder; None: templates compile in memory only
        self.info: TemplateInfo | None = None
        self.key: TemplateKey = ()
        self.env: jinja2.Environment | None = None

    def plan(
        self,
        site: Site,
        config: Config,
        key: TemplateKey,
        stored: tuple[TemplateKey, TemplateInfo | None],
    ) -> Plan:
        """Plan the site's pages, with the templates scanned again only when one changed
        (`stored` is the scan the last process left), and the environment ready."""
        if self.info is None and stored[0] == key:
            self.info, self.key = stored[1], key
        same = self.key == key
        plan = plan_site(self.root, site, config, self.info if same else None)
        if not same or self.env is None:
            self.env = self.environment(config)
        set_site(self.env, config, site)  # the menu lists the site's static pages
        self.info, self.key = plan.templates, key
        return plan

    def environment(self, config: Config) -> jinja2.Environment:
        """A new environment, its compiled templates kept in the cache when caching."""
        return make_environment(self.root, config, self._bytecode())

    def _bytecode(self) -> jinja2.BytecodeCache | None:
        if self.folder is None:
            return None
        folder = self.folder / f"templates-{cache.cache_key().rsplit('/', 1)[-1]}"
        if not folder.is_dir():
            for old in self.folder.glob("templates-*"):
                shutil.rmtree(old, ignore_errors=True)
            try:
                folder.mkdir(parents=True)
            except OSError:
                return None
        return cache.template_cache(folder)
