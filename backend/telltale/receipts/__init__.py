"""Receipts: a signed, timestamped record of a message's counted opens and clicks.

`document.py` says what a receipt holds and `issue.py` makes one (signature from `keys.py`,
RFC 3161 token from `timestamps.py`); `verify.py` checks one offline, as `telltale receipt
verify` does (`cli.py`). `canonical.py` and `commitments.py` define the exact bytes both sides
hash and sign, so a verifier written elsewhere can check a receipt without this code.
"""
