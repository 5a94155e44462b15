"""docker-compose.yml sets every setting through the environment, and those settings pass `check --deploy`.

Docker is not needed: the compose file is read as YAML, and the `web` environment is fed to
`manage.py check --deploy` in a subprocess. The settings record every variable they read in
`factcheck.env.READ`, so a variable added to settings.py but forgotten in the compose file fails here.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# Values for the variables the compose file requires (`${VAR:?message}`) from whoever runs it.
REQUIRED_VALUES = {
    "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    "SECRET_KEY": secrets.token_urlsafe(45)[:60],
}

_INTERPOLATION = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\})")


def interpolate(value: str, supplied: dict[str, str]) -> str:
    """Resolve compose's `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$$` against `supplied`."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name is None:  # "$$" is a literal dollar
            return "$"
        given = supplied.get(name, "")
        if given:
            return given
        if match.group("op") == ":?":
            raise AssertionError(f"compose requires {name}: {match.group('arg')}")
        return match.group("arg") or ""

    return _INTERPOLATION.sub(replace, value)


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service_environment(service: str, supplied: dict[str, str] | None = None) -> dict[str, str]:
    """The environment compose would give `service`, interpolated as if `supplied` were the shell's."""
    environment = load_compose()["services"][service].get("environment") or {}
    if isinstance(environment, list):  # the "- NAME=value" form
        environment = dict(item.split("=", 1) for item in environment)
    values = REQUIRED_VALUES if supplied is None else supplied
    return {name: interpolate(str(value), values) for name, value in environment.items()}


def settings_variables() -> set[str]:
    from django.conf import settings

    from factcheck import env

    settings.SECRET_KEY  # noqa: B018 -- loading the settings fills env.READ
    return set(env.READ)


def run_python(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_compose_file_defines_the_services() -> None:
    services = load_compose()["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert "pgvector" in services["db"]["image"]
    for name in APP_SERVICES:
        assert services[name].get("build"), f"{name} must be built from the repository"


def test_compose_sets_every_variable_the_settings_read() -> None:
    read = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"} <= read, read
    for service in APP_SERVICES:
        missing = read - set(service_environment(service))
        assert not missing, f"docker-compose.yml does not set {sorted(missing)} for {service}"


def test_compose_requires_the_secrets() -> None:
    for name in REQUIRED_VALUES:
        supplied = {key: value for key, value in REQUIRED_VALUES.items() if key != name}
        with pytest.raises(AssertionError, match=name):
            service_environment("web", supplied)


def test_web_environment_passes_check_deploy(tmp_path: Path) -> None:
    environment = service_environment("web")
    assert environment["DEBUG"] == "false"
    # FACTCHECK_DATA_DIR=/data is a volume inside the container; it does not exist on the test machine,
    # and nothing may be written outside the test's own folder, so point it at tmp_path instead.
    environment["FACTCHECK_DATA_DIR"] = str(tmp_path)
    environment["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    # With DATABASE_URL and REDIS_URL set the settings start no embedded server, and `check --deploy`
    # connects to neither db nor redis (names that do not resolve here).
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output
    assert "(security.W" not in output, output


def _bad_settings_environment(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "FACTCHECK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://user:password@db.invalid:5432/factcheck",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "SECRET_KEY": "x" * 60,
    }
    for name, value in overrides.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_CONN_MAX_AGE": "abc"}, "DATABASE_CONN_MAX_AGE"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
    ],
    ids=["debug-not-boolean", "conn-max-age-not-integer", "secret-key-missing"],
)
def test_settings_fail_loudly(tmp_path: Path, overrides: dict[str, str | None], named: str) -> None:
    environment = _bad_settings_environment(tmp_path, **overrides)
    result = run_python(["-c", "import django; django.setup()"], environment)
    assert result.returncode != 0, result.stdout + result.stderr
    # The last line of the traceback is the exception and its message, which must name the variable.
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured"), result.stderr
    assert named in last_line, result.stderr


def test_with_urls_set_nothing_embedded_starts(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": "postgres://nobody@db.invalid/none",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "SECRET_KEY": "x" * 60,
        "FACTCHECK_DATA_DIR": str(tmp_path / "data"),
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.EMBEDDED)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
    assert not (tmp_path / "data").exists()
