"""`digest new`: a minimal site that builds, so a new user starts from something that works."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from generator.errors import UsageError

_CONFIG = """# Settings for this digest; every key is optional (see README.md for all of them).
title = "{title}"
description = "A news digest."
base_url = "/"
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


def create_site(root: Path) -> None:
    """Create `root` with a config, one entry and both registries; never overwrite anything."""
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} already exists and is not empty; choose a new folder")
    (root / "content").mkdir(parents=True, exist_ok=True)
    today = date.today()
    files = {
        "digest.toml": _CONFIG.format(title=root.resolve().name.replace('"', "")),
        f"content/{today.isoformat()}-welcome.md": _ENTRY.format(today=today.isoformat()),
        "content/people.yaml": _PEOPLE,
        "content/topics.yaml": _TOPICS,
        ".gitignore": _GITIGNORE,
    }
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
