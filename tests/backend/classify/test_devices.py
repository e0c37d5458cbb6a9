from __future__ import annotations

import pytest
from ua_parser import Domain, load_builtins, load_lazy_builtins
from ua_parser.basic import Resolver as Reference
from ua_parser.re2 import Resolver as UaParserRe2

from telltale.classify.devices import Devices


@pytest.fixture(scope="module")
def devices() -> Devices:
    return Devices(load_lazy_builtins()[2])


def test_it_names_the_devices_ua_parsers_reference_names(devices, corpus_user_agents):
    reference = Reference(([], [], load_builtins()[2]))
    differ = [(ua, devices(ua), reference(ua, Domain.DEVICE).device) for ua in corpus_user_agents
              if devices(ua) != reference(ua, Domain.DEVICE).device]
    assert len(corpus_user_agents) > 2000
    assert differ == []


def test_a_rule_the_filter_widened_is_confirmed_on_its_exact_pattern(devices):
    # Applebot's word starts past the 100th character, where the Spider rule's `^.{0,100}` stops;
    # ua-parser's RE2 resolver names no device, the rules name the Mac.
    ua = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)")
    assert UaParserRe2(([], [], load_lazy_builtins()[2]))(ua, Domain.DEVICE).device is None
    assert devices(ua).family == "Mac"
    assert devices("Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)").family == "Spider"


def test_it_names_no_device_where_no_rule_matches(devices):
    assert devices("") is None
    assert devices("Outlook-Express/7.0") is None
