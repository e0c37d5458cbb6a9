"""Send one email through the SMTP server the owner configured (`TELLTALE_SMTP_URL`)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

# Long enough for a slow relay, short enough that a hung one fails the job and rq retries it.
SMTP_TIMEOUT = 20
# RFC 8314: implicit TLS on 465; plain smtp:// means submission on 587 unless a port is given.
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


def send(smtp_url: str, message: EmailMessage, *, timeout: float = SMTP_TIMEOUT) -> None:
    """Deliver `message` to its To address; raise (smtplib.SMTPException, OSError) if it is not accepted."""
    parts = urlsplit(smtp_url)
    host, port = parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
