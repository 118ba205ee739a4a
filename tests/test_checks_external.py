"""The external checkers on every example order of every template, tone and locale.

The reference MJML validator, caniemail (doiuse-email), axe-core in headless
Chromium (light and dark) and SpamAssassin. Here (and in CI, where ``CI`` is
set) a missing tool fails the tests; elsewhere they are skipped with the
install command. One Chromium serves every test, each tool runs once per email,
and node and SpamAssassin run once for all emails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from delightmail import Mailer, Merchant, checks_external, models
from delightmail.checks import Finding, check_email
from delightmail.checks_external import (
    ExternalCheckers,
    SpamResult,
    lint_css,
    load_allowlist,
    message_for,
    render_mjml,
    spam_scores,
    tools_missing,
    unsupported_features,
    validate_mjml,
)
from delightmail.exceptions import CheckerError, DelightmailError, InputError
from delightmail.rendering import RenderedEmail, available_templates

from .conftest import EXAMPLES, ORDER_FILES, load
from .test_checks import long_order


def _locales() -> tuple[str, ...]:
    try:
        from delightmail.i18n import available_locales
    except ImportError:  # before translations existed
        return ("en",)
    return tuple(sorted(set(available_locales()) | {"en"}))


TEMPLATES = tuple(available_templates())
TONES: tuple[str | None, ...] = tuple(getattr(models, "TONES", ())) or (None,)
LOCALES = _locales()


@dataclass(frozen=True)
class Case:
    """One email to check: a template, a tone, a locale and an example order."""

    template: str
    tone: str | None
    locale: str
    order: str

    @property
    def id(self) -> str:
        return "-".join(p for p in (self.template, self.tone, self.locale, self.order) if p)


#: The example third design (examples/templates/letterpress), checked in one tone: a design
#: a developer writes over the layout passes the same checks as the built-in ones.
EXAMPLE_DESIGNS = ("letterpress",)
EXAMPLE_TEMPLATES = EXAMPLES / "templates"


def _cases() -> list[Case]:
    orders = [path.stem for path in ORDER_FILES] + ["1000-lines"]
    built_in = [
        Case(template, tone, locale, order)
        for template in TEMPLATES
        for tone in TONES
        for locale in LOCALES
        for order in orders
    ]
    examples = [
        Case(design, TONES[0], locale, order)
        for design in EXAMPLE_DESIGNS
        for locale in LOCALES
        for order in orders
    ]
    return built_in + examples


CASES = _cases()
IDS = [case.id for case in CASES]


def _order(case: Case) -> dict[str, Any]:
    if case.order == "1000-lines":
        data = long_order(1000)
    else:
        data = load(next(p for p in ORDER_FILES if p.stem == case.order))
    data["locale"] = case.locale
    return data


@pytest.fixture(scope="session")
def tools() -> None:
    """The external tools are installed; skip (fail in CI) with what to install if not."""
    missing = tools_missing()
    if missing:
        message = f"not installed: {', '.join(missing)}; run `make system-deps` and `npm ci`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def mailers(merchant: Merchant) -> dict[tuple[str, str | None], Mailer]:
    """A compiled mailer for every template and tone."""
    mailers = {}
    for template in (*TEMPLATES, *EXAMPLE_DESIGNS):
        for tone in TONES:
            options = {"tone": tone} if tone else {}
            mailers[template, tone] = Mailer(
                merchant, template, template_dirs=(EXAMPLE_TEMPLATES,), **options
            )
    return mailers


@pytest.fixture(scope="session")
def emails(mailers: dict[tuple[str, str | None], Mailer]) -> dict[str, RenderedEmail]:
    """Every case rendered, by case id."""
    return {case.id: mailers[case.template, case.tone].render(_order(case)) for case in CASES}


@pytest.fixture(scope="session")
def messages(emails: dict[str, RenderedEmail]) -> dict[str, EmailMessage]:
    """Every case as the message a shop sends, by case id."""
    return {key: message_for(email) for key, email in emails.items()}


@pytest.fixture(scope="session")
def css(tools: None, emails: dict[str, RenderedEmail]) -> dict[str, list[Finding]]:
    """caniemail's findings for every case, from one node process."""
    return dict(zip(emails, lint_css([e.html for e in emails.values()]), strict=True))


@pytest.fixture(scope="session")
def spam(tools: None, messages: dict[str, EmailMessage]) -> dict[str, SpamResult]:
    """SpamAssassin's score for every case, from one run over an mbox."""
    results = spam_scores(list(messages.values()))
    assert results is not None
    return dict(zip(messages, results, strict=True))


@pytest.fixture(scope="module")
def checkers(tools: None) -> Iterator[ExternalCheckers]:
    """One Chromium for every browser test of this module (closed after it: Playwright's sync
    API allows one running instance per thread, and other modules start their own)."""
    with ExternalCheckers() as checkers:
        yield checkers


def _errors(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.severity == "error"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_mjml_passes_the_reference_validator(
    tools: None, mailers: dict[tuple[str, str | None], Mailer], template: str
) -> None:
    """The MJML each case renders (Jinja done, before MJML) passes ``mjml --validate``.

    Validating what the examples render, rather than the template with Jinja
    tokens in it, checks real attribute values (colours, URLs) and every
    branch the examples take.
    """
    sources = {
        case.id: render_mjml(mailers[case.template, case.tone], _order(case))
        for case in CASES
        if case.template == template and case.order != "1000-lines"
    }
    assert _errors(validate_mjml(sources)) == []


def test_mjml_validator_catches_what_mrml_accepts(tools: None) -> None:
    """The validator is really running: ``class`` on mj-text is illegal (MJML wants css-class)."""
    source = '<mjml><mj-body><mj-section><mj-column><mj-text class="x">hi</mj-text>'
    source += "</mj-column></mj-section></mj-body></mjml>"
    findings = validate_mjml({"broken": source})
    assert any("class" in f.message and f.where.startswith("broken:1") for f in findings)


@pytest.mark.parametrize("key", IDS)
def test_css_works_in_gmail_outlook_and_apple_mail(css: dict[str, list[Finding]], key: str) -> None:
    """Nothing that Gmail, Outlook or Apple Mail drops, except the allowlisted, with reasons."""
    assert _errors(css[key]) == []


def test_allowlist_is_all_still_needed(tools: None, emails: dict[str, RenderedEmail]) -> None:
    """Every allowlisted feature and client is still raised by some email: no stale entries."""
    raised: dict[str, set[str]] = {}
    for key in {case.id for case in CASES if case.tone == TONES[0] and case.locale == "en"}:
        for feature, clients in unsupported_features(emails[key].html).items():
            raised.setdefault(feature, set()).update(clients)
    for feature, entry in load_allowlist().items():
        assert entry.clients <= raised.get(feature, set()), feature


def test_new_css_problem_fails(tools: None, emails: dict[str, RenderedEmail]) -> None:
    """A feature that is not allowlisted is an error: the allowlist does not swallow news."""
    html = next(iter(emails.values())).html.replace(
        "</head>", "<style>.x { position: fixed; }</style></head>"
    )
    (findings,) = lint_css([html])
    assert any("position" in f.message for f in findings if f.severity == "error")


@pytest.mark.parametrize("key", IDS)
def test_spam_score_is_low(spam: dict[str, SpamResult], key: str) -> None:
    """SpamAssassin (offline) scores every message under 2.0."""
    assert _errors(spam[key].findings()) == [], spam[key]


@pytest.mark.parametrize("key", IDS)
def test_axe_finds_nothing_serious(
    checkers: ExternalCheckers, emails: dict[str, RenderedEmail], key: str
) -> None:
    """axe-core finds no serious or critical violation, light or dark."""
    html = emails[key].html
    assert _errors(checkers.axe(html) + checkers.axe(html, dark=True)) == []


@pytest.mark.parametrize("key", IDS)
def test_dark_mode_text_is_readable(
    checkers: ExternalCheckers, emails: dict[str, RenderedEmail], key: str
) -> None:
    """With dark mode on, every piece of text has 4.5:1 contrast (3:1 if large)."""
    texts = checkers.text_contrast(emails[key].html, dark=True)
    assert texts
    assert [t for t in texts if not t.readable] == []


def test_dark_mode_really_darkens(
    checkers: ExternalCheckers, emails: dict[str, RenderedEmail]
) -> None:
    """In dark mode the body copy is light on dark, not the light design left as it is."""
    html = emails[IDS[0]].html
    light = checkers.text_contrast(html)
    dark = checkers.text_contrast(html, dark=True)
    assert light and dark
    body_light = next(t for t in light if t.tag == "p")
    body_dark = next(t for t in dark if t.tag == "p")
    assert body_light.readable and body_dark.readable
    assert body_dark.background != body_light.background
    assert body_dark.color != body_light.color


def test_check_email_runs_the_external_checks(
    checkers: ExternalCheckers, emails: dict[str, RenderedEmail]
) -> None:
    """``check_email(email, checkers=...)`` adds the external findings to the report."""
    report = check_email(emails[IDS[0]], checkers=checkers)
    assert report.ok, [str(f) for f in report.errors]
    assert {"spam"} <= {f.check for f in report.findings}


def test_missing_tools_are_info_not_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emails: dict[str, RenderedEmail]
) -> None:
    """Without node packages, SpamAssassin or Chromium, each check says so and passes."""
    monkeypatch.setenv("DELIGHTMAIL_NODE_MODULES", str(tmp_path))
    monkeypatch.setenv("DELIGHTMAIL_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    report = check_email(emails[IDS[0]], external=True)
    skipped = {f.check for f in report.findings if f.message.startswith("skipped")}
    assert {"caniemail", "axe", "axe-dark", "dark-mode", "spam"} <= skipped
    assert report.ok
    assert validate_mjml({"x": "<mjml />"})[0].severity == "info"


# -- a tool that is there and fails: a CheckerError naming it -----------------------


def _completed(code: int, stdout: bytes = b"", stderr: bytes = b"") -> Any:
    return subprocess.CompletedProcess([], code, stdout, stderr)


def _raise(error: BaseException) -> Any:
    def run(*args: Any, **kwargs: Any) -> Any:
        raise error

    return run


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (lambda *a, **k: _completed(1, stderr=b"x\nSyntaxError: boom"), "failed: SyntaxError"),
        (lambda *a, **k: _completed(0, stdout=b"<html>"), "said something unexpected"),
        (_raise(subprocess.TimeoutExpired("node", 120)), "no answer in 120 s"),
        (_raise(FileNotFoundError(2, "No such file or directory")), "could not run"),
    ],
    ids=["exits-non-zero", "not-json", "timeout", "vanished"],
)
def test_a_failing_tool_is_a_checker_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, run: Any, message: str
) -> None:
    """doiuse-email failing in any way is a CheckerError (a DelightmailError and a
    RuntimeError, exit 1) naming the tool, never a bare RuntimeError or JSON error."""
    monkeypatch.setattr(checks_external, "_npm_package", lambda package, entry: tmp_path)
    monkeypatch.setattr(checks_external.subprocess, "run", run)
    with pytest.raises(CheckerError, match=message) as info:
        lint_css(["<p>hi</p>"], allowlist={})
    assert isinstance(info.value, DelightmailError) and isinstance(info.value, RuntimeError)
    assert info.value.tool == "doiuse-email" and info.value.exit_code == 1


def test_spamassassin_scoring_too_few_is_a_checker_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """SpamAssassin answering for fewer messages than it was given is a CheckerError."""
    monkeypatch.setattr(checks_external.shutil, "which", lambda name: "/usr/bin/spamassassin")
    monkeypatch.setattr(checks_external, "_run", lambda *a, **k: _completed(0, stderr=b"rules?"))
    with pytest.raises(CheckerError, match="scored 0 of 1 messages") as info:
        spam_scores([EmailMessage()])
    assert info.value.tool == "spamassassin"


def test_a_crashed_browser_is_a_checker_error() -> None:
    """Chromium crashing under a check is a CheckerError, not Playwright's own error."""
    playwright = pytest.importorskip("playwright.sync_api")

    class Crashed:
        def set_content(self, html: str, wait_until: str) -> None:
            pass

        def evaluate(self, script: str) -> Any:
            raise playwright.Error("Target page, context or browser has been closed\nlog: ...")

    with ExternalCheckers() as checkers:
        checkers._pages[True] = Crashed()  # type: ignore[assignment]
        with pytest.raises(CheckerError, match="Chromium failed: Target page") as info:
            checkers.dark_mode("<p>hi</p>")
    assert info.value.tool == "chromium"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["margin"]\nclients = ["gmail.desktop-webmail"]\n', "has no reason"),
        ('margin = "gmail"\n', "is not a table"),
        ("[margin\n", "not valid TOML"),
        (None, "cannot read"),
    ],
    ids=["no-reason", "not-a-table", "not-toml", "missing"],
)
def test_a_broken_allowlist_is_bad_input(tmp_path: Path, text: str | None, message: str) -> None:
    """An allowlist that cannot be read or has an entry without its reason is an
    InputError (a ValueError too, exit 2), naming the file."""
    path = tmp_path / "allowlist.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_allowlist(path)
    assert isinstance(info.value, ValueError) and info.value.exit_code == 2
    assert str(path) in str(info.value)
