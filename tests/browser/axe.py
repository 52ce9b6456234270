"""Visit a page as a browser test should: no CSP violations, no script errors, and no axe-core violations."""

from __future__ import annotations

from functools import lru_cache

from playwright.sync_api import ConsoleMessage, Page

from safetyplan.config import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@lru_cache(maxsize=1)
def axe_source() -> str:
    return AXE_SCRIPT.read_text()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (the pinned npm package) on the page as it is now, for the WCAG 2.2 A and AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: no CSP relaxation needed.
        page.evaluate(axe_source() + "\n;undefined")
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG_22_AA,
    )
    return list(result)


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "axe-core found:\n" + describe(violations)


class PageWatcher:
    """Collects what the browser complains about while a test runs: CSP refusals and script errors."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.problems.append(text)


def visit(page: Page, path: str, watcher: PageWatcher | None = None) -> None:
    """Go to ``path``, then check the page: no CSP or script problems and nothing for axe to report."""
    watcher = watcher or PageWatcher(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert watcher.problems == [], watcher.problems
    assert_accessible(page)
