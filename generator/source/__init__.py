"""Reading the site's files: walk content/, parse entries and registries, Markdown."""
