"""The deploy block of newsgen.yaml: read into DeployConfig, every mistake reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.config import DeployConfig, parse_config
from newsgen.errors import BuildFailed

HEAD = "title: T\nbase_url: https://example.org/\n"


def parse(text: str) -> DeployConfig | None:
    return parse_config(Path("site"), Path("site/newsgen.yaml"), HEAD + text).deploy


def errors(text: str) -> list[str]:
    with pytest.raises(BuildFailed) as failure:
        parse(text)
    return [str(error) for error in failure.value.errors]


def test_no_deploy_block_means_no_deploy() -> None:
    assert parse("") is None


def test_a_deploy_block_is_read_with_defaults() -> None:
    assert parse("deploy:\n  bucket: news.example.org\n") == DeployConfig(bucket="news.example.org")
    assert parse(
        "deploy:\n  bucket: my-bucket\n  prefix: /news/en/\n  region: eu-central-1\n"
        "  endpoint_url: https://s3.example.net\n  max_delete_share: 0.5\n"
    ) == DeployConfig("my-bucket", "news/en", "eu-central-1", "https://s3.example.net", 0.5)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("deploy:\n  prefix: site\n", "site/newsgen.yaml:4: missing required field 'deploy.bucket'"),
        ("deploy:\n  bucket: My_Bucket\n", "site/newsgen.yaml:4: deploy.bucket 'My_Bucket' is no bucket name"),
        ("deploy:\n  bucket: b1b\n  bukket: x\n", "site/newsgen.yaml:5: unknown key 'deploy.bukket'; did you mean"),
        ("deploy:\n  bucket: b1b\n  prefix: a/../b\n", "site/newsgen.yaml:5: deploy.prefix 'a/../b' must be"),
        ("deploy:\n  bucket: b1b\n  endpoint_url: s3.local\n", "site/newsgen.yaml:5: deploy.endpoint_url 's3.local'"),
        ("deploy:\n  bucket: b1b\n  max_delete_share: 2\n", "site/newsgen.yaml:5: deploy.max_delete_share must be"),
        ("deploy:\n  bucket: b1b\n  max_delete_share: all\n", "site/newsgen.yaml:5: deploy.max_delete_share must be"),
        ("deploy:\n  bucket: b1b\n  region: 5\n", "site/newsgen.yaml:5: 'deploy.region' must be text"),
        ("deploy: my-bucket\n", "site/newsgen.yaml:3: 'deploy' must be a mapping"),
    ],
)
def test_mistakes_name_the_line(block: str, message: str) -> None:
    assert any(error.startswith(message) for error in errors(block)), errors(block)
