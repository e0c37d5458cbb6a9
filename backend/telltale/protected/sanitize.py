"""The HTML a sender protects, cleaned on the way in: formatting, links and images carried inside it.

nh3 (the Python binding of ammonia, an allow-list HTML sanitizer that follows the HTML5 parsing
rules) does the cleaning: no scripts, no event handlers, no forms, no frames, no <style> blocks.
Style attributes keep only properties that cannot load anything. Images must be data: URIs (the
compose's inline images, sent as data: URIs or as parts named by cid:); a remote image is
dropped, since loading it would tell a third party when the message is read. The reading page's
Content-Security-Policy (img-src data:) holds the same line a second time.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

import nh3

# 2 MiB of HTML as stored, inline images included: ample for a letter, small for a database row.
MAX_BODY_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_DATA_IMAGE = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)\Z", re.IGNORECASE)

TAGS = (nh3.ALLOWED_TAGS | {"font", "center", "u", "s", "tfoot", "address"}) - {"area", "map"}
ATTRIBUTES = {
    # Layout attributes mail HTML is written with; none of them loads anything.
    "*": {"dir", "lang", "title", "align", "style"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "font": {"color", "face", "size"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "td": {"width", "height", "valign", "bgcolor", "colspan", "rowspan", "headers", "nowrap"},
    "th": {"width", "height", "valign", "bgcolor", "colspan", "rowspan", "headers", "scope", "nowrap"},
    "tr": {"valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "hr": {"width", "size", "noshade"},
    "time": {"datetime"},
    "data": {"value"},
    "del": {"datetime"},
    "ins": {"datetime"},
}
# Properties that lay text out and cannot fetch: no background(-image), list-style(-image),
# border-image, content, cursor or anything else that takes a url().
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
    "line-height", "letter-spacing", "word-spacing", "text-align", "text-decoration", "text-decoration-line",
    "text-decoration-color", "text-decoration-style", "text-indent", "text-transform", "white-space", "direction",
    "vertical-align", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding",
    "padding-top", "padding-right", "padding-bottom", "padding-left", "border", "border-top", "border-right",
    "border-bottom", "border-left", "border-color", "border-style", "border-width", "border-collapse",
    "border-spacing", "border-radius", "width", "height", "max-width", "min-width", "max-height", "min-height",
    "display", "list-style-type", "table-layout", "text-wrap", "word-break", "overflow-wrap",
}
LINK_SCHEMES = ("http:", "https:", "mailto:")
SAFE_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc", "min", "max", "clamp"})
_FUNCTION = re.compile(r"([a-z_-][a-z0-9_-]*)\s*\(")


class BodyRefused(ValueError):
    """The body cannot be protected as sent; the message says why (size, an image part)."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if _DATA_IMAGE.match(value.strip()) else None
    if attribute == "href":
        # Only links a person can follow elsewhere: no data:, javascript: or our own relative paths.
        return value if value.strip().lower().startswith(LINK_SCHEMES) else None
    if attribute == "style":
        return _style(value)
    return value


def _style(value: str) -> str | None:
    """Keep the declarations that call no function but colours and arithmetic: no url(), image-set()
    or expression(), and no CSS escapes that could spell one. nh3 then keeps only STYLE_PROPERTIES
    (it runs after this filter, and would let `font: 12px url(x)` through on its own)."""
    kept = []
    for declaration in value.split(";"):
        lowered = declaration.lower()
        if "\\" in lowered or "/*" in lowered:
            continue
        if any(name not in SAFE_FUNCTIONS for name in _FUNCTION.findall(lowered)):
            continue
        kept.append(declaration)
    return ";".join(kept) or None


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style", "template", "noscript", "title"},
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes={"http", "https", "mailto", "data"},
    url_relative="deny",
    filter_style_properties=STYLE_PROPERTIES,
    link_rel="noopener noreferrer nofollow",
)


def inline_parts(html: str, images: Mapping[str, tuple[str, str]]) -> str:
    """Put each image part into the HTML as a data: URI where it is named (src="cid:NAME").

    `images` maps a content id to its (content type, base64 data). A part nobody names is dropped.
    """
    for cid, (content_type, data) in images.items():
        if content_type.lower() not in IMAGE_TYPES:
            raise BodyRefused(f"image {cid!r}: {content_type!r} is not one of {', '.join(sorted(IMAGE_TYPES))}")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise BodyRefused(f"image {cid!r}: its data is not base64") from None
        uri = f"data:{content_type.lower()};base64,{data}"
        html = re.sub(rf"""(src\s*=\s*["']?)cid:{re.escape(cid)}(?=["'\s>])""", lambda m, uri=uri: m[1] + uri,
                      html, flags=re.IGNORECASE)
    return html


def clean_stored(html: str) -> str:
    """A stored body cleaned again on its way to a reader, whatever its size: it was kept already."""
    return _CLEANER.clean(html)


def clean(html: str, images: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The HTML as it will be stored and shown; raise BodyRefused if it is too large to keep."""
    cleaned = _CLEANER.clean(inline_parts(html, images or {}))
    size = len(cleaned.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise BodyRefused(f"the protected body is {size} bytes with its inline images; at most {MAX_BODY_BYTES} "
                          "can be kept (attachments stay in the mail)", too_large=True)
    return cleaned
