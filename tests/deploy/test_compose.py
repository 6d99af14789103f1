"""The production compose file: it parses, uses the official images, runs Kafka in KRaft single-node mode
with replication factors of 1, checks health with real client calls, and only runs Seasight commands that
exist. (No Docker engine runs here, so the structure is what can be tested.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from seasight.app.cli import build_parser
from tests.conftest import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _expand(value: str) -> str:
    """Replace ${VAR:-default} / ${VAR:?msg} with a representative value, as compose would."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", lambda m: f"example-{m.group(1).lower()}", value)


def test_services_and_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {"kafka", "db", "migrate", "ingest-ais", "tracker", "dashboard"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["db"]["image"].startswith("postgis/postgis:15-")
    for name in ("migrate", "ingest-ais", "tracker", "dashboard"):
        assert services[name]["build"] == ".", name
        assert (REPO_ROOT / "Dockerfile").is_file()
    assert "8501:8501" in services["dashboard"]["ports"]


def test_detection_streams_in_the_tracker_and_nothing_runs_the_batch_detector(compose: dict[str, Any]) -> None:
    """Two detectors over the same positions would each reconcile the flags their own way: the tracker
    detects (``track --detect``) and no service runs the periodic ``seasight detect``."""
    services = compose["services"]
    assert services["tracker"]["command"] == ["seasight", "track", "--detect"]
    for name, service in services.items():
        assert "detect" not in service.get("command", [])[1:2], name


def test_kafka_is_kraft_single_node_with_replication_one(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_DEFAULT_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert int(env[key]) == 1, key
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"


def test_every_long_running_service_has_a_real_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name == "migrate":
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] == "CMD", f"{name} needs a CMD healthcheck"
        command = " ".join(test[1:])
        assert any(
            word in command
            for word in ("kafka-broker-api-versions", "psql", "seasight health", "_stcore/health", "openapi.json")
        ), f"{name}: {command}"


def test_config_only_through_environment(compose: dict[str, Any]) -> None:
    env = compose["x-seasight-env"]
    assert env["SEASIGHT_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["SEASIGHT_DATABASE_URL"].startswith("postgresql://seasight:")
    assert "@db:5432/seasight" in env["SEASIGHT_DATABASE_URL"]
    for name in ("migrate", "ingest-ais", "tracker", "sightings-api", "dashboard", "retention", "publish"):
        service_env = compose["services"][name]["environment"]
        extra = {"SEASIGHT_OWNER_DATABASE_URL", "SEASIGHT_ACCOUNT_TOKEN", "SEASIGHT_INGEST_BUFFER_PATH"}
        assert {k: v for k, v in service_env.items() if k not in extra} == env
        # data only (the ingest buffer), never a config file
        for volume in compose["services"][name].get("volumes", []):
            assert volume == "ingest-buffer:/var/lib/seasight/ingest-buffer", f"{name} must not read config files"


def test_publishers_keep_their_ingest_buffer_on_a_named_volume(compose: dict[str, Any]) -> None:
    """What ingest and the API published stays on disk until the tracker stored it (ingest/buffer.py), and
    survives the container."""
    assert "ingest-buffer" in compose["volumes"]
    for name in ("ingest-ais", "sightings-api"):
        service = compose["services"][name]
        assert service["environment"]["SEASIGHT_INGEST_BUFFER_PATH"] == "/var/lib/seasight/ingest-buffer"
        assert "ingest-buffer:/var/lib/seasight/ingest-buffer" in service["volumes"]


def test_services_connect_as_the_role_that_owns_nothing(compose: dict[str, Any]) -> None:
    """Only the one-shot migrate service holds the owner role's URL; the database's superuser is
    postgres (its password only in the db service), and the init script creates the three roles."""
    services = compose["services"]
    assert services["migrate"]["environment"]["SEASIGHT_OWNER_DATABASE_URL"].startswith("postgresql://seasight_owner:")
    for name, service in services.items():
        env = service.get("environment", {})
        if name != "migrate":
            assert "SEASIGHT_OWNER_DATABASE_URL" not in env, name
        if name != "db":
            assert "POSTGRES_PASSWORD" not in env, name
    # only the pipeline acts for a service account; people-facing services never get its token
    for name, service in services.items():
        has_token = "SEASIGHT_ACCOUNT_TOKEN" in service.get("environment", {})
        assert has_token == (name in ("tracker", "retention", "publish")), name
    db = services["db"]
    assert db["environment"]["POSTGRES_USER"] == "postgres"
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    script = (REPO_ROOT / "deploy" / "postgres-init" / "10-seasight-roles.sh").read_text()
    for statement in (
        "CREATE ROLE seasight_owner LOGIN NOSUPERUSER",
        "CREATE ROLE seasight_app NOLOGIN",
        "CREATE ROLE seasight LOGIN NOSUPERUSER",
        "GRANT seasight_app TO seasight",
        "ALTER DATABASE seasight OWNER TO seasight_owner",
    ):
        assert statement in script
    assert script.count("NOBYPASSRLS") == 3


def test_seasight_commands_exist(compose: dict[str, Any]) -> None:
    parser = build_parser()
    commands: list[list[str]] = []
    for service in compose["services"].values():
        command = service.get("command")
        if command:
            if command[:2] == ["sh", "-c"]:
                commands.extend(shlex.split(part) for part in command[2].split("&&"))
            else:
                commands.append([_expand(part) for part in command])
        test = service.get("healthcheck", {}).get("test", [])
        if len(test) > 1 and test[1] == "seasight":
            commands.append(test[1:])
    seasight_commands = [c for c in commands if c and c[0] == "seasight"]
    assert len(seasight_commands) >= 6
    for command in seasight_commands:
        try:
            parser.parse_args(command[1:])
        except SystemExit as exc:  # argparse exits on an unknown command or option
            pytest.fail(f"compose runs a command Seasight does not have: {command} ({exc})")


def test_dockerfile_installs_the_package_and_runs_unprivileged() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text()
    assert text.startswith("# ") and "FROM python:3.11" in text
    assert "pip install --require-hashes -r requirements/production.lock" in text
    assert "pip install --no-deps '.[dashboard,api]'" in text
    assert (REPO_ROOT / "requirements" / "production.lock").is_file()
    assert "calfkit" not in (REPO_ROOT / "requirements" / "production.lock").read_text()  # no local broker
    assert "USER seasight" in text
    for folder in ("seasight", "ingest", "tracking", "coordination", "dashboard", "geodata"):
        assert f"COPY {folder} ./{folder}" in text
        assert Path(REPO_ROOT / folder).is_dir()
