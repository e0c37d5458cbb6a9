"""Signed tokens: what they carry, what they refuse, and how keys rotate."""
from __future__ import annotations

import random

import pytest
from itsdangerous import BadSignature, Signer

from telltale.errors import BadTarget, BadToken
from telltale.url_tokens import LINK_SALT, PIXEL_SALT, TokenSigner

OLD, NEW, OTHER = "old-key-0123456789abcdef", "new-key-0123456789abcdef", "attacker-key-0123456789ab"


def test_a_pixel_token_carries_the_message_and_recipient():
    signer = TokenSigner([NEW])
    assert signer.verify_pixel(signer.pixel_token(42)).message_id == 42
    claim = signer.verify_pixel(signer.pixel_token(42, recipient=3))
    assert (claim.message_id, claim.recipient) == (42, 3)


def test_a_link_token_carries_the_exact_target():
    signer = TokenSigner([NEW])
    target = "https://example.com/a b?q=ü&x=1&y=%2F#frag"
    claim = signer.verify_link(signer.link_token(7, 2, target.replace(" ", "%20")))
    assert (claim.message_id, claim.link_index, claim.target) == (7, 2, target.replace(" ", "%20"))


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
    lambda t: "9" + t,  # payload altered
    lambda t: t[:-5],  # truncated
    lambda t: t.split(".")[0],  # signature removed
    lambda t: "",
    lambda t: t + "==",
])
def test_it_rejects_a_forged_or_truncated_pixel_token(mangle):
    signer = TokenSigner([NEW])
    with pytest.raises(BadToken):
        signer.verify_pixel(mangle(signer.pixel_token(1234)))


def test_it_rejects_a_link_whose_target_was_swapped():
    signer = TokenSigner([NEW])
    good = signer.link_token(1, 0, "https://example.com/")
    evil = signer.link_token(1, 0, "https://evil.example/")
    forged = evil.rsplit(".", 1)[0] + "." + good.rsplit(".", 1)[1]
    with pytest.raises(BadToken):
        signer.verify_link(forged)


def test_it_rejects_tokens_signed_with_another_key():
    with pytest.raises(BadToken):
        TokenSigner([NEW]).verify_pixel(TokenSigner([OTHER]).pixel_token(5))
    with pytest.raises(BadToken):
        TokenSigner([NEW]).verify_link(TokenSigner([OTHER]).link_token(5, 0, "https://example.com/"))


def test_it_rejects_a_token_used_for_another_purpose():
    signer = TokenSigner([NEW])
    with pytest.raises(BadToken):
        signer.verify_link(signer.pixel_token(5))
    link = signer.link_token(5, 0, "https://example.com/")
    with pytest.raises(BadToken):
        signer.verify_pixel(link)
    # A pixel token whose payload looks like a link payload is still signed with the pixel salt.
    with pytest.raises(BadToken):
        signer.verify_link(Signer(NEW, salt=PIXEL_SALT).sign("5_0_aHR0cHM6Ly9ldmlsLmV4YW1wbGUv").decode())


def test_key_rotation_keeps_old_links_working_and_signs_with_the_newest():
    old_signer, rotated = TokenSigner([OLD]), TokenSigner([OLD, NEW])
    old_link = old_signer.link_token(9, 1, "https://example.com/x")
    assert rotated.verify_link(old_link).target == "https://example.com/x"
    assert rotated.verify_pixel(old_signer.pixel_token(9)).message_id == 9
    fresh = rotated.pixel_token(9)
    assert TokenSigner([NEW]).verify_pixel(fresh).message_id == 9
    with pytest.raises(BadToken):
        old_signer.verify_pixel(fresh)


def test_the_fast_verifier_agrees_with_itsdangerous():
    signer = TokenSigner([OLD, NEW])
    reference = {salt: Signer([OLD, NEW], salt=salt) for salt in (PIXEL_SALT, LINK_SALT)}
    rng = random.Random(7)
    for _ in range(300):
        token = signer.link_token(rng.randrange(10**9), rng.randrange(50), f"https://e.test/{rng.random()}")
        if rng.random() < 0.5:
            i = rng.randrange(len(token))
            token = token[:i] + rng.choice("AZaz09-_.") + token[i + 1:]
        try:
            reference[LINK_SALT].unsign(token)
            expected = True
        except BadSignature:
            expected = False
        try:
            signer.verify_link(token)
            verified = True
        except BadToken:
            verified = False
        assert verified == expected, token


@pytest.mark.parametrize("target", [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/relative/path",
    "//evil.example/",
    "ftp://example.com/file",
    "https://",
    "https://example.com/" + "a" * 2048,
    "https://exa mple.com/",
    "https://example.com/\nLocation: https://evil.example/",
    "",
])
def test_it_refuses_to_issue_a_link_to_an_unsafe_target(target):
    with pytest.raises(BadTarget):
        TokenSigner([NEW]).link_token(1, 0, target)


def test_a_target_of_exactly_2048_characters_is_accepted():
    target = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert TokenSigner([NEW]).verify_link(TokenSigner([NEW]).link_token(1, 0, target)).target == target
