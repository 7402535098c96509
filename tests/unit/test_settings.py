from __future__ import annotations

import pytest

from config.celeryconfig import celery_config
from config.settings import SettingsError, load_settings
from tasks.stages import STAGE_NAMES


def test_nested_variables_reach_their_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_FETCH__TIMEOUT_S", "3.5")
    monkeypatch.setenv("NEWSFLOW_TRANSLATE__ROUTED_LANGUAGES", '["fr", "de"]')
    settings = load_settings()
    assert settings.fetch.timeout_s == 3.5
    assert settings.translate.routed_languages == ["fr", "de"]


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_FETCH__TIMEOUT_S", "-1")
    with pytest.raises(SettingsError, match="NEWSFLOW_FETCH__TIMEOUT_S"):
        load_settings()


def test_unknown_database_scheme_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", "mysql://x@y/z")
    with pytest.raises(SettingsError, match="NEWSFLOW_DATABASE_URL"):
        load_settings()


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEWSFLOW_LOG_LEVEL=DEBUG\n")
    assert load_settings().log_level == "DEBUG"


def test_celery_is_json_only_late_ack_and_routed_per_stage() -> None:
    config = celery_config(load_settings())
    assert config["accept_content"] == ["json"]
    assert config["task_serializer"] == "json"
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 2
    queues = {route["queue"] for route in config["task_routes"].values()}
    assert queues == {f"newsflow.{stage}" for stage in STAGE_NAMES}
    assert (config["task_soft_time_limit"] < config["task_time_limit"]
            < config["broker_transport_options"]["visibility_timeout"])


def test_time_limits_out_of_order_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_CELERY__HARD_TIME_LIMIT_S", "5000")
    with pytest.raises(SettingsError, match="VISIBILITY_TIMEOUT"):
        load_settings()


def test_time_limits_may_be_fractions_of_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_CELERY__SOFT_TIME_LIMIT_S", "0.5")
    monkeypatch.setenv("NEWSFLOW_CELERY__HARD_TIME_LIMIT_S", "1.5")
    config = celery_config(load_settings())
    assert (config["task_soft_time_limit"], config["task_time_limit"]) == (0.5, 1.5)


def test_filesystem_broker_gets_a_private_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = celery_config(load_settings(broker_url=f"filesystem://{tmp_path}/b"))
    assert config["broker_url"] == "filesystem://localhost//"
    options = config["broker_transport_options"]
    assert options["data_folder_in"] == options["data_folder_out"] == f"{tmp_path}/b/queue"
    assert (tmp_path / "b" / "queue").is_dir()


def test_watch_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_WATCHES__ALLOW_PRIVATE_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("NEWSFLOW_WATCHES__MAX_ATTEMPTS", "3")
    settings = load_settings()
    assert settings.watches.allow_private_hosts == ["127.0.0.1"]
    assert settings.watches.max_attempts == 3


@pytest.mark.parametrize("env, named", [
    ({"NEWSFLOW_WATCHES__LEASE_S": "5", "NEWSFLOW_WATCHES__TIMEOUT_S": "10"},
     "NEWSFLOW_WATCHES__LEASE_S"),
])
def test_a_lease_shorter_than_a_post_is_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()
