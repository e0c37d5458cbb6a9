"""Settings from the environment: defaults, clear errors, secrets generated at first run."""
from __future__ import annotations

import pytest

from telltale.config import load_settings
from telltale.errors import ConfigError
from telltale.keyring import load_or_create_keys, rotate_keys


def test_defaults_put_everything_in_the_instance_folder(tmp_path):
    settings = load_settings({"TELLTALE_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'telltale.db'}"
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.spool_dir == tmp_path / "spool" and not settings.store_full_ip


def test_a_postgres_url_is_given_the_driver_telltale_ships():
    settings = load_settings({"DATABASE_URL": "postgres://u:p@db/telltale"})
    assert settings.database_url == "postgresql+psycopg://u:p@db/telltale"


@pytest.mark.parametrize("name, value, says", [
    ("TELLTALE_PUBLIC_URL", "mail.example.com", "TELLTALE_PUBLIC_URL"),
    ("TELLTALE_PUBLIC_URL", "https://t.example/?x=1", "without query"),
    ("DATABASE_URL", "mysql://root@db/t", "'mysql'"),
    ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL"),
    ("TELLTALE_TRUSTED_PROXIES", "two", "must be an integer, got 'two'"),
    ("TELLTALE_TRUSTED_PROXIES", "-1", "between 0 and 10"),
    ("TELLTALE_STORE_FULL_IP", "maybe", "TELLTALE_STORE_FULL_IP must be true or false"),
    ("TELLTALE_BIND", "8000", "HOST:PORT"),
    ("TELLTALE_SMTP_URL", "mailserver:25", "TELLTALE_SMTP_URL must look like"),
    ("TELLTALE_SMTP_URL", "smtp://mail.example:abc", "port that is not a number: 'abc'"),
    ("TELLTALE_RATE_LIMIT_PAIR", "ten a minute", "TELLTALE_RATE_LIMIT_PAIR must be a rate such as 10/minute"),
    ("TELLTALE_RATE_LIMIT_API", "0/minute", "TELLTALE_RATE_LIMIT_API must allow at least one request"),
    ("TELLTALE_GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com", "TELLTALE_GOOGLE_CLIENT_SECRET is missing"),
    ("TELLTALE_MICROSOFT_CLIENT_SECRET", "s3cret", "TELLTALE_MICROSOFT_CLIENT_ID is missing"),
    ("TELLTALE_SIGNUP_ALLOWED", "example.com", "addresses or @domains"),
])
def test_a_bad_setting_is_refused_with_its_name_and_value(name, value, says):
    with pytest.raises(ConfigError, match=says.replace("?", r"\?")):
        load_settings({name: value})


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "home" / "secret_keys"
    first = load_or_create_keys(path)
    assert load_or_create_keys(path) == first and len(first[0]) >= 32
    assert path.stat().st_mode & 0o777 == 0o600


def test_rotation_appends_a_key_and_keeps_the_old_ones(tmp_path):
    path = tmp_path / "secret_keys"
    [old] = load_or_create_keys(path)
    keys = rotate_keys(path)
    assert keys[0] == old and len(keys) == 2 and load_or_create_keys(path) == keys


def test_an_emptied_key_file_is_an_error_not_a_silent_new_key(tmp_path):
    path = tmp_path / "secret_keys"
    path.write_text("# all keys removed\n")
    with pytest.raises(ConfigError, match="no secret key"):
        load_or_create_keys(path)


def test_without_oauth_settings_no_provider_is_set_up_and_with_them_the_endpoints_default_to_the_real_ones():
    assert (load_settings({}).google, load_settings({}).microsoft) == (None, None)
    settings = load_settings({
        "TELLTALE_GOOGLE_CLIENT_ID": "id", "TELLTALE_GOOGLE_CLIENT_SECRET": "secret",
        "TELLTALE_MICROSOFT_CLIENT_ID": "mid", "TELLTALE_MICROSOFT_CLIENT_SECRET": "msecret",
        "TELLTALE_MICROSOFT_TENANT": "organizations", "TELLTALE_SIGNUP_ALLOWED": "Bo@Example.com, @example.org",
    })
    assert settings.google.token_uri == "https://oauth2.googleapis.com/token"
    assert settings.google.api_endpoint == "https://gmail.googleapis.com/"
    assert settings.microsoft.authority == "https://login.microsoftonline.com/organizations"
    assert settings.signup_allowed == ("bo@example.com", "@example.org")


def test_a_provider_endpoint_must_be_https():
    with pytest.raises(ConfigError, match="TELLTALE_GOOGLE_TOKEN_URI must be an https:// URL"):
        load_settings({"TELLTALE_GOOGLE_CLIENT_ID": "id", "TELLTALE_GOOGLE_CLIENT_SECRET": "secret",
                       "TELLTALE_GOOGLE_TOKEN_URI": "http://127.0.0.1:9/token"})
