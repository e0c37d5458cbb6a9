"""Where the server may send a notification: public addresses only, unless the owner allows private ones.

A push subscription's endpoint and an Apprise URL are URLs a user hands us for the server to POST
to. Left unchecked, that is a way in to whatever the server can reach and the user cannot: its
loopback (Redis, the database), the owner's LAN, a cloud's metadata service at 169.254.169.254.
So an address must be global (not loopback, private, link-local, shared or multicast) unless
TELLTALE_PUSH_ALLOW_PRIVATE says otherwise. Names are checked when a URL is given and again on
every connection, against the address the socket actually reached, so a name that resolves
somewhere else later (DNS rebinding) is caught too.

The connection-time check is guarded_http.py's, kept apart so that what only checks a URL (the
web, as a user adds a channel) does not import requests and urllib3 (5 MB, measured).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

REFUSED = "a loopback or private address, which this server does not send to"


class RefusedAddress(ValueError):
    """A URL names, or resolves to, an address the server will not send to."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_host(host: str, allow_private: bool) -> None:
    """Refuse a host that is a non-public address literal or a localhost name, without asking DNS."""
    host = host.strip("[]").rstrip(".").lower()
    if allow_private:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise RefusedAddress(f"{host} is {REFUSED}")
    try:
        public = is_public(host)
    except ValueError:
        return  # a name: checked when it is resolved, connection by connection
    if not public:
        raise RefusedAddress(f"{host} is {REFUSED}")


def check_resolved(host: str, port: int | None, allow_private: bool) -> None:
    """Refuse a host any of whose addresses is not public; a name that does not resolve passes here."""
    check_host(host, allow_private)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return
    for *_, sockaddr in infos:
        if not is_public(sockaddr[0]):
            raise RefusedAddress(f"{host} resolves to {sockaddr[0]}, {REFUSED}")


def check_endpoint(url: str, allow_private: bool) -> str:
    """Return a push endpoint the server may POST to; raise RefusedAddress or ValueError saying why not."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_private):
        raise ValueError("must be an https:// URL")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise ValueError("must name a host, without a user name or password")
    _ = parts.port  # urlsplit checks the port only when asked for it: a bad one raises ValueError
    check_host(parts.hostname, allow_private)
    return url
