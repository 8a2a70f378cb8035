"""Writing the output folder: staged and swapped, or edits committed in place."""
