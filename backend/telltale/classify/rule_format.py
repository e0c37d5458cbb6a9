"""What every rule in the classifier's data files must say, checked the same way for each file."""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigError

CONFIDENCES = ("certain", "probable")


def check_entry(entry: dict, where: str, fields: Sequence[str], sources: Sequence[str]) -> None:
    """Raise ConfigError, naming `where`, if `entry` lacks a field or has a source or confidence it may not."""
    missing = [field for field in fields if field not in entry]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    if entry["source"] not in sources:
        raise ConfigError(f"{where}: source {entry['source']!r} is not one of {', '.join(sources)}")
    if entry["confidence"] not in CONFIDENCES:
        raise ConfigError(f"{where}: confidence {entry['confidence']!r} is not certain or probable")
