"""What Telltale keeps of a recipient's address."""
from __future__ import annotations

import ipaddress


def truncate_ip(address: str) -> str:
    """Keep the network, not the host: /24 for IPv4, /48 for IPv6; '' for what is not an IP."""
    # Plain dotted IPv4, nearly every hit, without building address objects (the worker does this
    # for every hit, twice); the same answer as below, which a test checks.
    octets = address.split(".")
    if len(octets) == 4 and all(o.isdigit() and o.isascii() and len(o) <= 3 and int(o) <= 255 and
                                (o == "0" or o[0] != "0") for o in octets):
        return f"{octets[0]}.{octets[1]}.{octets[2]}.0"
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
