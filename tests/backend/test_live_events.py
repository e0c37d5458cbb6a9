"""A live event's place: roughly where, never more than the row knows."""
from __future__ import annotations

from telltale import countries
from telltale.live.events import place

COUNTRY_NAMES = countries.names()


def test_the_place_reads_city_or_region_then_country():
    assert place({"city": "Madrid", "region": "Madrid", "country": "ES"}, COUNTRY_NAMES) == "Madrid, Spain"
    assert place({"region": "Bavaria", "country": "DE"}, COUNTRY_NAMES) == "Bavaria, Germany"
    assert place({"country": "ES"}, COUNTRY_NAMES) == "Spain"
    assert place({}, COUNTRY_NAMES) is None
