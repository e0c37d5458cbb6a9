"""What Telltale keeps of a recipient's address."""
from __future__ import annotations

import ipaddress


def truncate_ip(address: str) -> str:
    """Keep the network, not the host: /24 for IPv4, /48 for IPv6; '' for what is not an IP."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
