import re
from pathlib import Path

import pytest

from portal.settings import PortalSettings, SettingsError, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", sorted(PortalSettings.model_fields))
def test_every_setting_is_documented_in_the_readme(name):
    variable = "DATABASE_URL" if name == "database_url" else f"PORTAL_{name.upper()}"
    assert re.search(rf"\| `{variable}` \|", README.read_text()), variable


def test_zero_configuration_means_sqlite_in_the_instance_folder_offline_in_vietnamese(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.resolved_database_url().endswith("instance/portal.sqlite3")
    assert settings.basemap_url is None
    assert settings.default_locale == "vi"


def test_a_bad_setting_stops_start_up_naming_key_value_and_hint(monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_LOCALE", "fr")
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "PORTAL_DEFAULT_LOCALE" in message and "'fr'" in message and "hint" in message
