"""The views of packaging: the simple index (simple.py), the JSON API (json_api.py), file
downloads (files.py), and the public pages (pages.py: home, project and release pages;
search.py: /search/), the last two included by pages.py's includeme."""
