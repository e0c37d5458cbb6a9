"""What a protected message's mail says instead of its body: the sender's words, or ours, and the link."""
from __future__ import annotations

from markupsafe import Markup, escape

LINK = "{link}"
DEFAULT = "{sender} sent you a message. Read it here: {link}"


def teaser(text: str | None, sender: str, url: str) -> tuple[str, str]:
    """Return the teaser as plain text and as HTML; `{link}` in `text` marks where the URL goes."""
    template = DEFAULT.replace("{sender}", sender) if not text else text
    if LINK not in template:
        template = f"{template.rstrip()}\n\n{LINK}"
    parts = template.split(LINK)
    plain = url.join(parts)
    link = Markup('<a href="{0}">{0}</a>').format(url)
    html = link.join(Markup("<br>\n").join(escape(line) for line in part.split("\n")) for part in parts)
    return plain, f"<p>{html}</p>"
