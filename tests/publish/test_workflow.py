"""The GitHub Pages workflow: its shape checked as parsed YAML, and its scripts run for real."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsgen.cache import CACHE_FOLDER
from newsgen.cli import main
from newsgen.scaffold import STARTER
from tests.conftest import copy_demo

from .support import REPO, serving, tree

TEMPLATE = STARTER / "github" / "workflows" / "publish.yml"
DEMO_WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"
BASE_URL_EXPRESSION = "${{ steps.pages.outputs.base_url }}"
SHA = "0123456789abcdef0123456789abcdef01234567"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def step(job: dict[str, Any], *, uses: str = "", runs: str = "", step_id: str = "") -> dict[str, Any]:
    """The one step of ``job`` that uses the action ``uses``, runs a script containing ``runs``, or has ``step_id``."""
    found = [
        item
        for item in job["steps"]
        if (uses and item.get("uses", "").split("@")[0] == uses)
        or (runs and runs in item.get("run", ""))
        or (step_id and item.get("id") == step_id)
    ]
    assert len(found) == 1, (uses, runs, step_id, found)
    return found[0]


@pytest.mark.parametrize("path", [TEMPLATE, DEMO_WORKFLOW], ids=["starter", "demo"])
def test_workflow_triggers_permissions_and_steps(path: Path) -> None:
    workflow = load(path)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true, as GitHub does not
    assert triggers["push"] == {"branches": ["main"]}
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}

    jobs = workflow["jobs"]
    assert jobs["build"]["needs"] == "due"
    assert jobs["build"]["if"] == "needs.due.outputs.build == 'true'"
    assert jobs["due"]["outputs"]["build"] == "${{ steps.due.outputs.build }}"
    assert step(jobs["due"], step_id="due")["shell"] == "python"

    build = jobs["build"]
    assert step(build, uses="actions/checkout")
    assert step(build, uses="actions/setup-python")
    assert step(build, uses="actions/configure-pages")["id"] == "pages"
    install = step(build, runs="pip install")["run"]
    cache = step(build, uses="actions/cache")
    assert cache["uses"] == "actions/cache@v4"
    assert cache["with"] == {
        "path": CACHE_FOLDER,
        "key": "newsgen-cache-${{ github.run_id }}",
        "restore-keys": "newsgen-cache-",
    }
    check_script = step(build, runs="newsgen check")["run"]
    assert f'newsgen check --base-url "{BASE_URL_EXPRESSION}"' in check_script
    build_script = step(build, runs="newsgen build")["run"]
    assert f'newsgen build --base-url "{BASE_URL_EXPRESSION}"\n' in build_script
    assert "newsgen build --next-due" in build_script and "public/newsgen-build.json" in build_script
    upload = step(build, uses="actions/upload-pages-artifact")
    assert upload["uses"] == "actions/upload-pages-artifact@v3"
    assert upload["with"] == {"path": "public"}
    order = [item.get("uses", item.get("run", "")) for item in build["steps"]]
    assert order.index(install) < order.index(build_script) < order.index(upload["uses"])
    assert order.index(cache["uses"]) < order.index(check_script) < order.index(build_script)

    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert step(deploy, uses="actions/deploy-pages")["uses"] == "actions/deploy-pages@v4"


def test_the_demo_workflow_differs_from_the_starter_only_in_how_newsgen_is_installed() -> None:
    template, demo = load(TEMPLATE), load(DEMO_WORKFLOW)
    assert step(template["jobs"]["build"], runs="pip install")["run"] == "python -m pip install newsgen"
    assert step(demo["jobs"]["build"], runs="pip install")["run"].startswith("python -m pip install .")
    for workflow in (template, demo):
        step(workflow["jobs"]["build"], runs="pip install")["run"] = "INSTALL"
    assert template == demo


def test_init_writes_the_workflow_into_the_new_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "paper")]) == 0
    written = tmp_path / "paper" / ".github" / "workflows" / "publish.yml"
    assert written.read_bytes() == TEMPLATE.read_bytes()
    assert not (tmp_path / "paper" / "github").exists()
    assert (tmp_path / "paper" / ".gitignore").is_file()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1, as GitHub Pages would serve the deployed site."""
    with serving(partial(_QuietHandler, directory=str(folder))) as url:
        yield url


def decide(tmp_path: Path, event: str, site_url: str) -> tuple[str, str]:
    """Run the workflow's "decide" step as GitHub would: its Python script with GitHub's variables."""
    script = tmp_path / "decide.py"
    script.write_text(step(load(TEMPLATE)["jobs"]["due"], step_id="due")["run"], encoding="utf-8")
    output = tmp_path / "github_output"
    output.write_text("")
    env = {
        **os.environ,
        "GITHUB_EVENT_NAME": event,
        "GITHUB_SHA": SHA,
        "GITHUB_RUN_ID": "42",
        "GITHUB_OUTPUT": str(output),
        "SITE_URL": site_url,
    }
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return output.read_text(), result.stdout


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("event", "deployed", "expected"),
    [
        ("push", None, "build=true"),
        ("workflow_dispatch", None, "build=true"),
        ("schedule", None, "build=true"),  # nothing deployed yet
        ("schedule", {"commit": SHA, "next_due": ""}, "build=false"),
        ("schedule", {"commit": SHA, "next_due": _iso(NOW + timedelta(days=1))}, "build=false"),
        ("schedule", {"commit": SHA, "next_due": _iso(NOW - timedelta(minutes=1))}, "build=true"),
        ("schedule", {"commit": "f" * 40, "next_due": ""}, "build=true"),  # main moved on since the deploy
        ("schedule", {"commit": SHA}, "build=true"),  # a file it cannot understand
    ],
)
def test_the_decide_step_builds_only_when_something_is_due(
    tmp_path: Path, event: str, deployed: dict[str, str] | None, expected: str
) -> None:
    live = tmp_path / "live"
    (live / "paper").mkdir(parents=True)
    if deployed is not None:
        (live / "paper" / "newsgen-build.json").write_text(json.dumps({**deployed, "built": 1}))
    with static_server(live) as url:
        # configure-pages gives the base URL without a trailing slash.
        output, log = decide(tmp_path, event, f"{url}/paper")
    assert output == expected + "\n", log


def run_build_job(site: Path, base_url: str) -> str:
    """Run the build job's own scripts (all but installing newsgen) in ``site`` for the Pages address
    ``base_url``, as GitHub would; what they print."""
    env = {**os.environ, "GITHUB_SHA": SHA, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("SOURCE_DATE_EPOCH", None)
    printed = []
    for item in load(TEMPLATE)["jobs"]["build"]["steps"]:
        if "run" not in item or "pip install" in item["run"]:
            continue
        script = item["run"].replace(BASE_URL_EXPRESSION, base_url)
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=site,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        printed.append(result.stdout)
    return "".join(printed)


def parsed(printed: str) -> int:
    """How many content files the build's summary in ``printed`` says it parsed."""
    found = re.search(r"; (\d+) parsed, ", printed)
    assert found, printed
    return int(found.group(1))


def test_a_fresh_checkout_given_the_cached_folder_converts_no_markdown_again(tmp_path: Path) -> None:
    """The folder the cache step carries from one run to the next, put back into a fresh checkout at the same
    place, spares the next run every Markdown conversion, and the site it builds is the same; an article
    changed in between is the only one converted."""
    carried = step(load(TEMPLATE)["jobs"]["build"], uses="actions/cache")["with"]["path"]
    base_url = "https://news.example.org/paper"
    site = copy_demo(tmp_path / "site")
    assert parsed(run_build_job(site, base_url)) > 10
    first = tree(site / "public")

    def next_run(change: Callable[[], None] = lambda: None) -> int:
        """A run on a new checkout in the same place, with the carried folder restored: the files it parsed."""
        (site / carried).rename(tmp_path / "carried")
        site.rename(tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}")
        copy_demo(site)
        (tmp_path / "carried").rename(site / carried)
        change()
        return parsed(run_build_job(site, base_url))

    assert next_run() == 0
    again = tree(site / "public")
    for files in (first, again):
        del files["newsgen-build.json"]  # the run's record, with its time
    assert again == first
    story = sorted((site / "content" / "articles").rglob("*.md"))[0].relative_to(site)
    assert next_run(lambda: (site / story).write_text((site / story).read_text() + "\nA line added.\n")) == 1
    assert any(b"A line added." in data for data in tree(site / "public").values())


def test_the_build_job_records_what_the_next_scheduled_run_needs(tmp_path: Path) -> None:
    """The build job's own scripts build the demo site with an article embargoed until tomorrow;
    the decide step, reading the newsgen-build.json they published, skips the next scheduled run."""
    site = copy_demo(tmp_path / "site")
    due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    (site / "content/articles/2026/11/ferry-returns.md").write_text(
        f"---\ntitle: The river ferry returns\ndate: {_iso(due)}\nbyline: Sana Mirza\nsection: city\n---\nIt runs.\n",
        encoding="utf-8",
    )
    live = tmp_path / "live"
    live.mkdir()
    with static_server(live) as url:
        run_build_job(site, f"{url}/paper")
        info = json.loads((site / "public" / "newsgen-build.json").read_text())
        assert info["commit"] == SHA
        assert datetime.fromisoformat(info["next_due"]) == due
        assert abs(info["built"] - time.time()) < 600
        page = (site / "public" / "index.html").read_text(encoding="utf-8")
        assert f'href="{url}/paper/' in page or 'href="/paper/' in page  # built for the Pages address
        (site / "public").rename(live / "paper")  # what deploy-pages would publish

        output, log = decide(tmp_path, "schedule", f"{url}/paper")
        assert output == "build=false\n", log
        assert f"next embargo lifts {_iso(due)}" in log
