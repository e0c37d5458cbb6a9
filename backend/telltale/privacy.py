"""What Telltale keeps of a recipient's address."""
from __future__ import annotations

import ipaddress
import re

# Plain dotted IPv4 without leading zeros (which ipaddress refuses): nearly every hit, and the
# worker truncates each twice, so it is told apart with one match rather than address objects.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_V4 = re.compile(rf"({_OCTET}\.{_OCTET}\.{_OCTET})\.{_OCTET}")


def truncate_ip(address: str) -> str:
    """Keep the network, not the host: /24 for IPv4, /48 for IPv6; '' for what is not an IP."""
    # The same answer as below, which a test checks.
    dotted = _DOTTED_V4.fullmatch(address)
    if dotted:
        return dotted[1] + ".0"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def stored_ip(address: str, store_full_ip: bool) -> str:
    """The address as it is stored: truncated, unless the owner chose to keep addresses whole."""
    return address[:64] if store_full_ip else truncate_ip(address)
