"""The build: the pipeline, its caches, workers, and the fast paths for edits."""
