"""`digest serve`: the live preview's server, watcher and reload script."""
