"""Fixtures for publishing: a real S3 API (moto's server) on 127.0.0.1, and a copy of the demo site to deploy."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from mypy_boto3_s3 import S3Client

from tests.conftest import copy_demo

from .support import EPOCH, add_deploy_block, free_port, s3_client

_bucket_numbers = itertools.count()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server as a subprocess on a free port, for the whole session; stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The server logs every request: to a file, since an unread pipe would fill up and stall it.
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"moto's server did not start: {log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("moto's server did not answer within 60 s")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, nothing read from the machine's own AWS setup, and a fixed build time."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def s3(s3_endpoint: str, aws_env: None) -> S3Client:
    return s3_client(s3_endpoint)


@pytest.fixture
def bucket(s3: S3Client) -> str:
    """A new, empty bucket for one test."""
    name = f"site-{next(_bucket_numbers)}-{time.monotonic_ns()}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def site(tmp_path: Path, s3_endpoint: str, bucket: str) -> Path:
    """A copy of the demo site whose newsgen.yaml deploys to this test's bucket."""
    site = copy_demo(tmp_path / "site")
    add_deploy_block(site, f"bucket: {bucket}\nendpoint_url: {s3_endpoint}")
    return site
