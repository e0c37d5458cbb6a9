"""Protected messages: the body kept on this server, sealed, and read through a page the sender controls.

`sealing.py` seals bodies at rest (AES-GCM, a per-instance key), `sanitize.py` cleans the HTML on
the way in and out, `teaser.py` writes what the mail says instead, `urls.py` signs the reading URLs,
and `pages.py` is the reading page, whose docstring says how scanners are kept from burning views.
The API side is api/protected.py; the store's side store/protected.py; the purge worker/protected.py.
"""
