"""accounts.vault: linked accounts' refresh tokens are encrypted with keys made at first run."""
from __future__ import annotations

import stat

import pytest

from telltale.accounts.vault import VaultError, load_vault, rotate_vault


def test_a_secret_is_sealed_and_opened_with_a_key_made_at_first_run(tmp_path):
    path = tmp_path / "vault_keys"
    sealed = load_vault(path).seal("1//refresh-token")
    assert "refresh-token" not in sealed
    assert load_vault(path).open(sealed) == "1//refresh-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_after_rotation_old_secrets_still_open_and_new_ones_use_the_new_key(tmp_path):
    path = tmp_path / "vault_keys"
    old = load_vault(path).seal("old")
    rotated = rotate_vault(path)
    new = rotated.seal("new")
    assert rotated.open(old) == "old" and rotated.open(new) == "new"
    first_key_only = tmp_path / "first"
    first_key_only.write_text(path.read_text().splitlines()[0] + "\n")
    with pytest.raises(VaultError):
        load_vault(first_key_only).open(new)


def test_a_replaced_key_file_says_what_happened(tmp_path):
    sealed = load_vault(tmp_path / "a").seal("secret")
    with pytest.raises(VaultError, match="vault_keys"):
        load_vault(tmp_path / "b").open(sealed)
