"""JSON API for the extension, under /api/v1."""
