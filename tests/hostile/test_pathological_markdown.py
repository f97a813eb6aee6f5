"""Pathological Markdown renders in bounded time or fails naming the file; the other files are still read.

Times are not asserted: the messages show which bound stopped the work (the
structural limits before rendering, the time limit during it).
"""

from __future__ import annotations

import gc
import pickle
import signal
import time
from pathlib import Path

import pytest

from newsgen.content import MAX_SOURCE_BYTES
from newsgen.markup import MAX_BRACKETS_PER_BLOCK, MAX_NESTING, MarkdownRenderer, MarkupProblem

from .sitekit import build, site

HEAD = "---\ntitle: T\ndate: 2026-01-05\nbyline: A\nsection: news\n---\n"
BODY_LINE = 7

CASES = {
    "brackets-8000": ("[" * 8000, BODY_LINE, "holds more than 500 '['"),
    "image-brackets": ("Intro.\n\n" + "![" * 3000, BODY_LINE + 2, "holds more than 500 '['"),
    "nested-lists": ("".join("  " * i + "- item\n" for i in range(1_000)), BODY_LINE + 102, "nested more than"),
    "nested-quotes": ("".join("> " * i + "x\n" for i in range(1_000)), BODY_LINE + 51, "nested more than"),
    "quotes-one-line": ("> " * 10_000 + "deep", BODY_LINE, "nested more than"),
    "size-20mb": ("word " * 4_000_000, None, "file is larger than 2 MB"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pathological_body_fails_fast_naming_the_file(tmp_path: Path, case: str) -> None:
    body, line, message = CASES[case]
    root = site(tmp_path, {"good.md": HEAD + "Fine.\n", "bad.md": HEAD + body})
    result = build(root)
    assert result.code == 1
    assert "Traceback" not in result.stderr
    where = f"bad.md:{line}: " if line else "bad.md: "
    assert any(where in entry and message in entry for entry in result.stderr.splitlines()), result.stderr
    assert "good.md" not in result.stderr


RENDERED = {
    "long-line-1mb": "word " * 200_000,
    "many-stars": "*" * 1_000_000,
    "many-underscores": "_a" * 200_000,
    "many-backticks": "`" * 100_000,
    "many-angles": "<" * 200_000,
    "unclosed-html": "<div>" * 5_000,
    "brackets-at-the-limit": "[" * MAX_BRACKETS_PER_BLOCK,
    "lists-at-the-limit": "".join("    " * i + "- item\n" for i in range(MAX_NESTING)),
    "brackets-in-code": "```\n" + "[" * 20_000 + "\n```\n",
}


@pytest.mark.parametrize("case", sorted(RENDERED))
def test_large_but_harmless_bodies_render(tmp_path: Path, case: str) -> None:
    root = site(tmp_path, {"big.md": HEAD + RENDERED[case]})
    result = build(root)
    assert result.code == 0, result.stderr
    assert (root / "public/news/2026/01/05/big/index.html").stat().st_size > 0


def test_size_bound_counts_the_whole_file(tmp_path: Path) -> None:
    body = "x" * (MAX_SOURCE_BYTES - len(HEAD) - 10) + "\n"
    root = site(tmp_path, {"just-under.md": HEAD + body})
    assert build(root).code == 0


# The alarm may land in a garbage-collector callback (hypothesis installs one), where Python drops the
# exception and pytest reports it; the limit still holds (see the test below).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_time_limit_stops_a_slow_body_and_the_renderer_keeps_working() -> None:
    # Tens of thousands of paragraphs: Python-Markdown's inline pass is quadratic in them.
    renderer = MarkdownRenderer(embed_hosts=(), trusted_html=False, time_limit=0.3)
    # The message is the proof that the limit, not the end of the work, stopped it.
    with pytest.raises(MarkupProblem, match=r"took longer than 0.3 s"):
        renderer.render("A short paragraph.\n\n" * 40_000)
    assert renderer.render("After the *timeout*.").html == "<p>After the <em>timeout</em>.</p>"


def test_time_limit_restores_an_outer_alarm() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        MarkdownRenderer(embed_hosts=(), trusted_html=False, time_limit=5).render("Quick.")
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        time.sleep(0.7)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_converter_crash_is_an_error_naming_the_file(tmp_path: Path) -> None:
    # Lists nested within the limit but deeply enough, with two-space indents, to
    # have exhausted Python's recursion before the limit existed: still no traceback.
    body = "".join("  " * i + "- item\n" for i in range(2 * MAX_NESTING))
    root = site(tmp_path, {"deep.md": HEAD + body})
    result = build(root)
    assert "Traceback" not in result.stderr
    assert result.code == 0 or "deep.md:" in result.stderr


def test_a_markup_problem_survives_a_worker_process() -> None:
    problem = pickle.loads(pickle.dumps(MarkupProblem(3, "too deep")))
    assert (problem.line, problem.message) == (3, "too deep")


# The dropped exception is what the test provokes; pytest reports it as a warning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_time_limit_holds_when_its_alarm_lands_in_a_garbage_collector_callback() -> None:
    # Python drops an exception raised inside a gc callback (profilers and test tools install them).
    # The first collection during rendering runs a callback that lasts past the limit, so the first
    # alarm lands in it; the alarm repeats, so the limit still stops the body.
    started: list[float] = []

    def slow_callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and len(started) == 1:
            started.append(time.perf_counter())
            while time.perf_counter() < started[0] + 0.45:
                pass

    gc.callbacks.append(slow_callback)
    try:
        renderer = MarkdownRenderer(embed_hosts=(), trusted_html=False, time_limit=0.3)
        started.append(time.perf_counter())
        with pytest.raises(MarkupProblem, match=r"took longer than 0.3 s"):
            renderer.render("A short paragraph.\n\n" * 40_000)
    finally:
        gc.callbacks.remove(slow_callback)
    assert len(started) == 2, "no garbage collection ran during rendering"
