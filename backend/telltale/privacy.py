"""What Telltale keeps of a recipient's address."""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

# Plain dotted IPv4 without leading zeros (which ipaddress refuses): nearly every hit, and the
# worker truncates each twice, so it is told apart with one match rather than address objects.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_V4 = re.compile(rf"({_OCTET}\.{_OCTET}\.{_OCTET})\.{_OCTET}")
# The network part kept: the first 24 bits of an IPv4 address, the first 48 of an IPv6 one.
_KEEP_V4 = ((1 << 24) - 1) << 8
_KEEP_V6 = ((1 << 48) - 1) << 80


@lru_cache(maxsize=4096)
def truncate_ip(address: str) -> str:
    """Keep the network, not the host: /24 for IPv4, /48 for IPv6; '' for what is not an IP.

    Cached: a recipient, a proxy or a scanner comes back from the same address, and the worker
    truncates each hit's address twice. The cache is bounded, so a flood of new addresses costs
    at most its size.
    """
    # The same answer as the standard library's network address, which a test checks.
    dotted = _DOTTED_V4.fullmatch(address)
    if dotted:
        return dotted[1] + ".0"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # Masking the integer rather than building an ip_network from text: 15 against 29 us an IPv6
    # address, which many mobile networks and Apple's relays use.
    if ip.version == 4:
        return str(ipaddress.IPv4Address(int(ip) & _KEEP_V4))
    return str(ipaddress.IPv6Address(int(ip) & _KEEP_V6))


def stored_ip(address: str, store_full_ip: bool) -> str:
    """The address as it is stored: truncated, unless the owner chose to keep addresses whole."""
    return address[:64] if store_full_ip else truncate_ip(address)
