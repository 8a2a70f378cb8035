"""The model of the site: names, slugs, addresses and editions for every entry."""
