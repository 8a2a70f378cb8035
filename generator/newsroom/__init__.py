"""Reading the news: who and what each entry mentions, quotes, related entries."""
