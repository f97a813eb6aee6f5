"""``newsgen deploy`` against a real S3 API (moto's server on 127.0.0.1): what it uploads, deletes and refuses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from mypy_boto3_s3 import S3Client

from newsgen import deploy, output
from newsgen.cli import main
from tests.conftest import copy_demo

from .support import add_deploy_block, bucket_contents, bucket_objects, failing_proxy, free_port, tree

ARTICLE = "content/articles/2026/11/route-7-bus-line-opens.md"
ARTICLE_PAGE = "city/2026/11/24/route-7-bus-line-opens/index.html"
GONE = "content/articles/2026/11/book-fair-closes-with-record-crowds.md"
GONE_PAGE = "city/2026/11/18/book-fair-closes-with-record-crowds/index.html"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def built(capsys: pytest.CaptureFixture[str], site: Path) -> dict[str, bytes]:
    """Build ``site`` into site/public; return the files a deploy should publish (all but the marker)."""
    code, _, err = run(capsys, "build", site)
    assert code == 0, err
    files = tree(site / "public")
    assert files.pop(output.MARKER)
    return files


def uploaded(out: str) -> set[str]:
    return set(re.findall(r"^uploaded \((?:new|changed)\) (\S+)$", out, re.MULTILINE))


def test_deploy_marker_name_is_the_one_output_writes() -> None:
    assert deploy.OUTPUT_MARKER == output.MARKER


def test_first_deploy_uploads_every_file_then_a_second_uploads_nothing(
    capsys: pytest.CaptureFixture[str], site: Path, s3: S3Client, bucket: str
) -> None:
    files = built(capsys, site)
    code, out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert uploaded(out) == set(files)
    assert f"deployed to s3://{bucket}/: {len(files)} uploaded, 0 deleted, 0 unchanged" in out
    assert bucket_objects(s3, bucket) == files  # every byte, and no .newsgen-output

    code, out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert uploaded(out) == set()
    assert f"0 uploaded, 0 deleted, {len(files)} unchanged" in out


def test_out_names_the_built_folder_to_deploy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Path, s3: S3Client, bucket: str
) -> None:
    out = tmp_path / "elsewhere"
    assert run(capsys, "build", site, "--out", out)[0] == 0
    files = tree(out)
    files.pop(output.MARKER)
    code, out_text, err = run(capsys, "deploy", site, "--out", out)
    assert code == 0, err
    assert uploaded(out_text) == set(files)
    assert bucket_objects(s3, bucket) == files


def test_objects_carry_content_type_and_cache_control_by_kind(
    capsys: pytest.CaptureFixture[str], site: Path, s3: S3Client, bucket: str
) -> None:
    files = built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    css = next(key for key in files if re.fullmatch(r"assets/newsgen\.[0-9a-f]{10}\.css", key))
    js = next(key for key in files if re.fullmatch(r"assets/newsgen\.[0-9a-f]{10}\.js", key))
    expected = {
        "index.html": ("text/html; charset=utf-8", "public, max-age=60"),
        ARTICLE_PAGE: ("text/html; charset=utf-8", "public, max-age=60"),
        css: ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        js: ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        "logo.svg": ("image/svg+xml", "public, max-age=60"),  # the site's own static file: not fingerprinted
        "404.html": ("text/html; charset=utf-8", "public, max-age=60"),
        "feed.xml": ("application/atom+xml; charset=utf-8", "public, max-age=60"),
        "city/feed.xml": ("application/atom+xml; charset=utf-8", "public, max-age=60"),
        "sitemap.xml": ("application/xml; charset=utf-8", "public, max-age=60"),
        "robots.txt": ("text/plain; charset=utf-8", "public, max-age=60"),
    }
    for key, (content_type, cache_control) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key


def test_changing_one_article_uploads_only_the_files_that_changed(
    capsys: pytest.CaptureFixture[str], site: Path, s3: S3Client, bucket: str
) -> None:
    before = built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    article = site / ARTICLE
    article.write_text(article.read_text(encoding="utf-8").replace("38 passengers", "41 passengers"), encoding="utf-8")
    after = built(capsys, site)
    changed = {key for key, data in after.items() if before.get(key) != data}
    assert ARTICLE_PAGE in changed
    assert len(changed) < len(after) / 3, changed

    code, out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert uploaded(out) == changed
    assert f"{len(changed)} uploaded, 0 deleted, {len(after) - len(changed)} unchanged" in out
    assert b"41 passengers" in s3.get_object(Bucket=bucket, Key=ARTICLE_PAGE)["Body"].read()
    assert bucket_objects(s3, bucket) == after


def test_a_removed_article_is_listed_by_dry_run_then_deleted(
    capsys: pytest.CaptureFixture[str], site: Path, s3: S3Client, bucket: str
) -> None:
    built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    (site / GONE).unlink()
    after = built(capsys, site)
    assert GONE_PAGE not in after

    code, out, err = run(capsys, "deploy", site, "--dry-run")
    assert code == 0, err
    assert f"would delete {GONE_PAGE}" in out.splitlines()
    assert "dry run for" in out
    assert GONE_PAGE in bucket_objects(s3, bucket)  # nothing happened

    code, out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert f"deleted {GONE_PAGE}" in out.splitlines()
    assert bucket_objects(s3, bucket) == after


def test_deleting_a_large_share_needs_force(
    capsys: pytest.CaptureFixture[str], site: Path, s3: S3Client, bucket: str
) -> None:
    built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    before = bucket_objects(s3, bucket)
    articles = sorted((site / "content" / "articles").rglob("*.md"))
    for article in articles[1:]:
        article.unlink()
    after = built(capsys, site)

    code, out, err = run(capsys, "deploy", site, "--dry-run")
    assert code == 0, err
    assert "would need --force" in out
    code, out, err = run(capsys, "deploy", site)
    assert code == 2
    assert "refusing to delete" in err and "max_delete_share 25%" in err
    assert bucket_objects(s3, bucket) == before  # refused before any upload

    code, out, err = run(capsys, "deploy", site, "--force")
    assert code == 0, err
    assert bucket_objects(s3, bucket) == after


def test_max_delete_share_is_configurable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, s3_endpoint: str, s3: S3Client, bucket: str
) -> None:
    site = copy_demo(tmp_path / "site")
    add_deploy_block(site, f"bucket: {bucket}\nendpoint_url: {s3_endpoint}\nmax_delete_share: 0")
    built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    (site / GONE).unlink()
    built(capsys, site)
    code, _, err = run(capsys, "deploy", site)
    assert code == 2
    assert "max_delete_share 0%" in err

    (site / "newsgen.yaml").write_text(
        (site / "newsgen.yaml").read_text().replace("max_delete_share: 0", "max_delete_share: 1")
    )
    assert run(capsys, "deploy", site)[0] == 0
    assert GONE_PAGE not in bucket_objects(s3, bucket)


def test_a_prefix_confines_uploads_and_deletions_to_its_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, s3_endpoint: str, s3: S3Client, bucket: str
) -> None:
    site = copy_demo(tmp_path / "site")
    add_deploy_block(site, f"bucket: {bucket}\nprefix: /news/en/\nendpoint_url: {s3_endpoint}")
    neighbours = {"other/keep.txt": b"another site", "news/english.txt": b"not under news/en/"}
    for key, data in neighbours.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    built(capsys, site)
    assert run(capsys, "deploy", site)[0] == 0
    (site / GONE).unlink()
    after = built(capsys, site)
    code, out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert f"deleted news/en/{GONE_PAGE}" in out.splitlines()
    assert bucket_objects(s3, bucket) == {**neighbours, **{f"news/en/{key}": data for key, data in after.items()}}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("href", "src") and value]


def _key_of(url: str, base_url: str) -> str | None:
    """The object a same-site URL is served from, or None for another site's URL."""
    if url.startswith(base_url):
        url = "/" + url[len(base_url) :]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = parts.path.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def broken_references(objects: dict[str, bytes], base_url: str, seeds: set[str]) -> list[str]:
    """Every link or asset that a reader can reach from the ``seeds`` pages but the bucket lacks."""
    broken, queue, seen = [], sorted(seeds), set(seeds)
    while queue:
        page = queue.pop()
        parser = _References()
        parser.feed(objects[page].decode("utf-8"))
        for url in parser.urls:
            key = _key_of(url, base_url)
            if key is None:
                continue
            if key not in objects:
                broken.append(f"{page} → {url}")
            elif key.endswith(".html") and key not in seen:
                seen.add(key)
                queue.append(key)
    for key, data in objects.items():
        if key.endswith(".xml"):
            for url in re.findall(r"<loc>([^<]+)</loc>|<link[^>]*href=\"([^\"]+)\"", data.decode("utf-8")):
                target = _key_of(url[0] or url[1], base_url)
                if target is not None and target not in objects:
                    broken.append(f"{key} → {url[0] or url[1]}")
    return broken


def test_a_deploy_failing_midway_leaves_a_whole_site_at_every_point(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, s3_endpoint: str, s3: S3Client, bucket: str
) -> None:
    """Version 2 adds an article with a new image and removes another; its upload is cut after
    0, 2, 4, ... files and before the last. Each time, the pages a reader can reach from the old ones
    link only to objects that exist, and nothing is deleted."""
    base_url = "https://ledger.example.org/"
    site = copy_demo(tmp_path / "site")
    add_deploy_block(site, f"bucket: {bucket}\nendpoint_url: {s3_endpoint}")
    version_1 = built(capsys, site)
    (site / "static/media/2026/ferry.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (site / "content/articles/2026/11/ferry-returns.md").write_text(
        "---\ntitle: The river ferry returns\ndate: 2026-11-26T10:00:00+05:00\nbyline: Sana Mirza\n"
        "section: city\ntags: [transport, river]\nimage: /media/2026/ferry.svg\nimage_alt: A ferry\n---\n"
        "The ferry runs again after two years.\n",
        encoding="utf-8",
    )
    (site / GONE).unlink()
    version_2 = built(capsys, site)
    changes = {key for key, data in version_2.items() if version_1.get(key) != data}
    assert {"media/2026/ferry.svg", "city/2026/11/26/ferry-returns/index.html", "index.html"} <= changes

    # The checker itself must see a broken link, or passing it proves nothing.
    assert broken_references(version_2, base_url, {"index.html"}) == []
    missing_article = {key: data for key, data in version_2.items() if key != ARTICLE_PAGE}
    assert broken_references(missing_article, base_url, {"index.html"})

    for key, data in version_1.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    old_pages = {key for key in version_1 if key.endswith(".html")}
    # Every other cut point, and the last: each costs a deploy, and the batches are longer than two files.
    for cut in sorted({*range(0, len(changes), 2), len(changes) - 1}):
        with failing_proxy(s3_endpoint, puts_allowed=cut) as proxy:
            config = (site / "newsgen.yaml").read_text()
            (site / "newsgen.yaml").write_text(re.sub(r"endpoint_url: .*", f"endpoint_url: {proxy}", config))
            code, _, err = run(capsys, "deploy", site)
        assert code == 1
        assert "upload stopped after" in err and "AccessDenied" in err and "Traceback" not in err
        objects = bucket_contents(s3, bucket, version_1, version_2)
        assert GONE_PAGE in objects, "nothing may be deleted before every upload is done"
        assert broken_references(objects, base_url, old_pages) == [], f"cut after {cut} uploads"
        # Back to version 1 for the next cut.
        for key, data in objects.items():
            if key not in version_1:
                s3.delete_object(Bucket=bucket, Key=key)
            elif data != version_1[key]:
                s3.put_object(Bucket=bucket, Key=key, Body=version_1[key])
    assert bucket_objects(s3, bucket) == version_1

    (site / "newsgen.yaml").write_text(
        re.sub(r"endpoint_url: .*", f"endpoint_url: {s3_endpoint}", (site / "newsgen.yaml").read_text())
    )
    code, _out, err = run(capsys, "deploy", site)
    assert code == 0, err
    assert bucket_objects(s3, bucket) == version_2


def _newsgen(args: list[str], env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"import sys\n{prelude}\nfrom newsgen.cli import main\nsys.exit(main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no credentials", "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ("missing bucket", "bucket 'no-such-bucket' does not exist at http://127.0.0.1:"),
        ("unreachable endpoint", "cannot reach http://127.0.0.1:"),
        ("no deploy block", "newsgen.yaml: no 'deploy' block"),
        ("not built", "no site built by newsgen here; run newsgen build first"),
    ],
)
def test_errors_are_one_clear_line_and_exit_1(
    tmp_path: Path, s3_endpoint: str, aws_env: None, bucket: str, case: str, expected: str
) -> None:
    site = copy_demo(tmp_path / "site")
    env = dict(os.environ)
    endpoint = f"http://127.0.0.1:{free_port()}" if case == "unreachable endpoint" else s3_endpoint
    if case != "no deploy block":
        name = "no-such-bucket" if case == "missing bucket" else bucket
        add_deploy_block(site, f"bucket: {name}\nendpoint_url: {endpoint}")
    if case != "not built":
        assert _newsgen(["build", str(site)], env).returncode == 0
    if case == "no credentials":
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    result = _newsgen(["deploy", str(site)], env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stderr.splitlines()[-1] == "deploy failed: 1 error"


def test_without_boto3_deploy_says_what_to_install_and_build_still_works(tmp_path: Path, aws_env: None) -> None:
    site = copy_demo(tmp_path / "site")
    add_deploy_block(site, "bucket: news-site")
    no_boto3 = "sys.modules['boto3'] = None  # import boto3 now raises ImportError, as when it is not installed"
    env = dict(os.environ)
    built_site = _newsgen(["build", str(site)], env, no_boto3)
    assert built_site.returncode == 0, built_site.stderr
    result = _newsgen(["deploy", str(site)], env, no_boto3)
    assert result.returncode == 1
    assert "newsgen deploy needs boto3: pip install 'newsgen[deploy]'" in result.stderr
    assert "Traceback" not in result.stderr
