"""Which pages the site has, what each is made from, and their HTML."""
