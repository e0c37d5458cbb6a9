"""Domain exceptions, in one flat module."""


class TelltaleError(Exception):
    """Base class for errors Telltale raises on purpose."""


class ConfigError(TelltaleError):
    """A setting is missing or has a value Telltale cannot use."""


class BadToken(TelltaleError):
    """A tracking token is forged, truncated, or signed for another purpose."""


class BadTarget(TelltaleError):
    """A link target is not an absolute http(s) URL Telltale is willing to redirect to."""


class HitsNotStored(TelltaleError):
    """Hits could not be written to the store; the message names each hit and why."""
