"""Newsroom use cases, one module per area: stories, assets, renditions."""
