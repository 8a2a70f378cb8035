"""`digest new`: a minimal site that builds, so a new user starts from something that works."""

from __future__ import annotations

import json
from datetime import date
from importlib import metadata
from pathlib import Path

from generator.errors import UsageError

_CONFIG = """# Settings for this digest; every key is optional (see README.md for all of them).
title = "{title}"
description = "A news digest."
base_url = "/"
# The address the site will be published at; the sitemap and canonical links need it.
# site_url = "https://example.org/"
language = "en"
timezone = "UTC"
edition = "week"
"""

_ENTRY = """---
title: Welcome to your digest
date: {today}
authors: [Editor]
people: [Ada Example]
topics: [Housekeeping]
summary: A first entry to show how entries, people and topics fit together.
---
Each entry is a Markdown file with front matter. Name the **people** and **topics** it
concerns, and the digest gives each of them a page listing every entry about them.

Replace this file with your own news.
"""

_PEOPLE = """- name: Ada Example
  aliases: [Ada]
  role: Example person
  description: Registry entries give a person a role, a description and other spellings.
"""

_TOPICS = """- name: Housekeeping
  aliases: [Site notes]
  description: Notes about the digest itself.
"""

_GITIGNORE = "site/\n.site.digest-spare/\n.digest-cache/\n"

WORKFLOW = ".github/workflows/pages.yml"
# A requirement that cannot install: the workflow stops at once and says what to set.
_UNKNOWN_SOURCE = "digest @ git+https://github.com/OWNER/digest"
_WORKFLOW = """# Publish this digest with GitHub Pages: build it with `digest build`, upload site/.
# In the repository's Settings > Pages, set "Source" to "GitHub Actions". Set the site's
# `site_url` in digest.toml first (the sitemap and canonical links need it).
name: Publish the digest

on:
  push:
    branches: [main]  # the branch you publish from
  workflow_dispatch:

permissions:
  contents: read

concurrency:  # one deployment at a time; a newer push waits, none is cut off
  group: pages
  cancel-in-progress: false

env:
  # Where CI installs digest from, as pip takes it: a repository or a wheel URL.
  # (A bare `digest` from PyPI is another project.)
  DIGEST_REQUIREMENT: "{requirement}"

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install digest
        run: |
          case "$DIGEST_REQUIREMENT" in *OWNER*)
            echo "::error::set DIGEST_REQUIREMENT in {workflow} to where digest comes from"
            exit 1 ;;
          esac
          python -m pip install "$DIGEST_REQUIREMENT"
      - name: Build
        run: |
          digest build
      - uses: actions/configure-pages@v5
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site  # `output` in digest.toml, if you changed it

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def create_site(root: Path) -> list[str]:
    """Create `root` with a config, one entry, both registries and a GitHub Pages
    workflow; never overwrite anything. Returns notes on what is left to set."""
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} already exists and is not empty; choose a new folder")
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
    today = date.today()
    requirement = requirement_from(_direct_url())
    files = {
        "digest.toml": _CONFIG.format(title=root.resolve().name.replace('"', "")),
        f"content/{today.isoformat()}-welcome.md": _ENTRY.format(today=today.isoformat()),
        "content/people.yaml": _PEOPLE,
        "content/topics.yaml": _TOPICS,
        ".gitignore": _GITIGNORE,
        WORKFLOW: _WORKFLOW.format(requirement=requirement or _UNKNOWN_SOURCE, workflow=WORKFLOW),
    }
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    if requirement is not None:
        return []
    return [
        f"before publishing with GitHub Pages, set DIGEST_REQUIREMENT in {root / WORKFLOW} "
        "to where CI can install digest from (this digest was installed from a local folder)"
    ]


def requirement_from(direct_url: str | None) -> str | None:
    """The pip requirement that installs digest from where this copy came, read from its
    PEP 610 `direct_url.json`: a repository or an archive on the web; None for a local
    folder or file (CI cannot see it), or a package index (the name may not be ours)."""
    try:
        data = json.loads(direct_url) if direct_url else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        return None
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        revision = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"digest @ {vcs['vcs']}+{url}" + (f"@{revision}" if revision else "")
    if isinstance(data.get("archive_info"), dict):
        return f"digest @ {url}"
    return None


def _direct_url() -> str | None:
    try:
        return metadata.distribution("digest").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
