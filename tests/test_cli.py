"""The command line, driven through click's CliRunner: every command, good and bad input."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import zlib
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delightmail import CheckerError, DelightmailError, Mailer
from delightmail.batch import CHUNK
from delightmail.checks_external import ExternalCheckers
from delightmail.cli import cli
from delightmail.i18n import available_locales
from delightmail.screenshot import chromium_path

from .conftest import copy_templates, edit
from .test_exceptions import ERRORS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ORDERS = sorted((EXAMPLES / "orders").glob("*.json"))
ONE = EXAMPLES / "orders" / "01-one-item.json"
MERCHANT = EXAMPLES / "merchant.json"
ADAPTER_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "adapters"

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium is not installed (make system-deps installs it)"
)


def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    """Run ``delightmail ARGS`` in-process; stdout and stderr stay apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def template_copy(tmp_path: Path, change: tuple[str, str, str] | None = None) -> Path:
    """The postcard design in a copy of the built-in templates (tmp_path/templates),
    with one (file, old, new) change to a file of the copy."""
    root = copy_templates(tmp_path)
    if change:
        name, old, new = change
        edit(root / name, old, new)
    return root / "postcard"


# -- render ------------------------------------------------------------------------


def test_render_writes_html_and_text_for_each_order(tmp_path: Path) -> None:
    """render writes NAME.html and NAME.txt per order, as the Mailer renders them; prints each."""
    result = run("render", *ORDERS, "--merchant", MERCHANT, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    expected = [tmp_path / f"{p.stem}.{s}" for p in ORDERS for s in ("html", "txt")]
    assert result.stdout.split() == [str(p) for p in expected]
    assert f"rendered 5 of 5 orders into {tmp_path}/" in result.stderr
    email = Mailer(merchant=load(MERCHANT)).render(json.loads(ONE.read_text(), parse_float=Decimal))
    assert (tmp_path / "01-one-item.txt").read_text(encoding="utf-8") == email.text
    assert (tmp_path / "01-one-item.html").read_text(encoding="utf-8") == email.html


def test_render_eml_is_a_multipart_message_from_the_merchant(tmp_path: Path) -> None:
    """--format eml writes a parseable message, From the merchant's support address by default."""
    result = run("render", ONE, "--merchant", MERCHANT, "-o", tmp_path, "--format", "eml")
    assert result.exit_code == 0, result.output
    msg = message_from_bytes((tmp_path / "01-one-item.eml").read_bytes(), policy=policy.default)
    assert msg["From"] == "Groove Harbor Records <hello@groove-harbor.example.com>"
    assert msg["To"] == "Sam Rivera <sam.rivera@example.org>"
    assert [p.get_content_type() for p in msg.walk()][1:] == ["text/plain", "text/html"]


def test_render_jsonl_reports_the_bad_line_and_renders_the_rest(tmp_path: Path) -> None:
    """A JSON Lines batch: each good order is rendered, a bad line is named by line and column."""
    lines = [json.dumps(load(p)) for p in ORDERS[:3]]
    lines.insert(1, '{"number": "#9", oops}')
    lines.insert(3, "")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("render", batch, "--merchant", MERCHANT, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stdout == ""  # a batch shows a progress bar and a summary, not every file
    assert f"error: {batch}, line 2: invalid JSON at column 18" in result.stderr
    assert "rendered 3 of 4 orders" in result.stderr and "1 failed" in result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"batch-{n}.{s}" for n in (1, 3, 5) for s in ("html", "txt")]


def test_a_batch_in_two_processes_writes_what_one_writes(tmp_path: Path) -> None:
    """A batch of more orders than a worker takes at a time, rendered by two processes,
    writes the very files one process writes, and leaves nothing else in the folder (each
    process made its files in a folder of its own, removed at the end)."""
    orders = [load(path) for path in ORDERS]
    lines = [
        json.dumps({**orders[i % len(orders)], "number": f"#{i}"}) for i in range(3 * CHUNK + 5)
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = run("render", batch, "--merchant", MERCHANT, "-o", out, "--jobs", jobs)
        assert result.exit_code == 0, result.output
        written[jobs] = {p.name: p.read_bytes() for p in out.iterdir()}
    assert written["1"] == written["2"]
    assert sorted(written["2"]) == sorted(
        f"batch-{n}.{s}" for n in range(1, len(lines) + 1) for s in ("html", "txt")
    )


def test_render_never_leaves_a_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted while writing, render leaves the old file as it was and no temporary file."""
    target = tmp_path / "01-one-item.html"
    target.write_text("old", encoding="utf-8")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    result = run("render", ONE, "--merchant", MERCHANT, "-o", tmp_path)
    assert result.exit_code == 1  # click's "Aborted!"
    assert [p.name for p in tmp_path.iterdir()] == ["01-one-item.html"]
    assert target.read_text(encoding="utf-8") == "old"


def test_render_from_a_platform_payload(tmp_path: Path) -> None:
    """--from shopify maps a Shopify order payload before rendering it."""
    payload = ADAPTER_FIXTURES / "shopify-presentment-eur-gift-card.json"
    result = run("render", payload, "--from", "shopify", "--merchant", MERCHANT, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{payload.stem}.txt").read_text(encoding="utf-8").strip()


def test_render_from_the_wrong_platform_names_it(tmp_path: Path) -> None:
    """A payload that is not the --from platform's order is bad input, named as such."""
    result = run("render", ONE, "--from", "saleor", "--merchant", MERCHANT, "-o", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {ONE}: invalid Saleor order: ")
    assert "this is not a Saleor order" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--tone", "playful"], 0, ""),
        (["--tone", "grumpy"], 2, "Invalid value for '--tone'"),
        (["--format", "pdf"], 2, "Invalid value for '--format'"),
        (["--from", "magento"], 2, "Invalid value for '--from'"),
    ],
    ids=["known-tone", "unknown-tone", "unknown-format", "unknown-platform"],
)
def test_render_options_are_checked(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    """--tone, --format and --from accept only what exists."""
    result = run("render", ONE, "--merchant", MERCHANT, "-o", tmp_path, *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr


# -- bad input, the same for every command -------------------------------------------


def _invalid_quantity(tmp_path: Path) -> Path:
    data = load(ONE)
    data["lines"].append({**data["lines"][0], "quantity": 0})
    return write(tmp_path / "bad.json", data)


def _deep_json(tmp: Path) -> Path:
    path = tmp / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return path


def _huge_integer(tmp: Path) -> Path:
    path = tmp / "huge.json"
    path.write_text('{"number": ' + "9" * 5000 + "}", encoding="utf-8")
    return path


def _broken_catalog(tmp: Path) -> Path:
    path = tmp / "locale" / "fr" / "LC_MESSAGES" / "delightmail.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('msgid "Hi %(name)s!"\nmsgstr "Salut %(nom)s !"\n', encoding="utf-8")
    return tmp / "locale"


def _invalid_json(tmp_path: Path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "number": "#1",\n  "lines": [,]\n}\n', encoding="utf-8")
    return path


WITH_MERCHANT = ["--merchant", MERCHANT]
BAD_INPUTS = {
    "missing-file": (lambda tmp: tmp / "nope.json", WITH_MERCHANT, "nope.json: no such file"),
    "invalid-json": (_invalid_json, WITH_MERCHANT, "bad.json: invalid JSON at line 3, column 13"),
    "invalid-order": (
        _invalid_quantity,
        WITH_MERCHANT,
        "bad.json: invalid Order: lines[1].quantity: Input should be greater than 0",
    ),
    "deep-json": (_deep_json, WITH_MERCHANT, "deep.json: JSON nested too deeply"),
    "huge-integer": (_huge_integer, WITH_MERCHANT, "huge.json: invalid JSON"),
    "deep-merchant": (lambda tmp: ONE, ["--merchant", "DEEP"], "deep.json: JSON nested too deeply"),
    "no-merchant": (lambda tmp: ONE, [], "no merchant: pass --merchant FILE"),
    "bad-merchant": (lambda tmp: ONE, ["--merchant", ONE], "invalid Merchant"),
    "unknown-template": (
        lambda tmp: ONE,
        [*WITH_MERCHANT, "--template", "nope"],
        "no template named 'nope'",
    ),
    "broken-catalog": (
        lambda tmp: ONE,
        [*WITH_MERCHANT, "--locale-dir", "CATALOG"],
        "fr/LC_MESSAGES/delightmail.po, line 1: the translation of 'Hi %(name)s!'",
    ),
}


COMMANDS = {
    "render": lambda tmp: ["render", "-o", tmp / "out"],
    "check": lambda tmp: ["check"],
    "screenshot": lambda tmp: ["screenshot", "-o", tmp / "shot.png"],
    "send": lambda tmp: ["send", "--to", "a@example.com", "--smtp", "127.0.0.1:9"],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_one_clear_message_and_exit_2(tmp_path: Path, command: str, case: str) -> None:
    """Every command reports a bad file, JSON, order or merchant in one message, no traceback."""
    make_path, extra, message = BAD_INPUTS[case]
    made = {"DEEP": _deep_json, "CATALOG": _broken_catalog}
    extra = [made[part](tmp_path) if part in made else part for part in extra]
    args = [*COMMANDS[command](tmp_path), make_path(tmp_path), *extra]
    expected_code = 1 if case == "unknown-template" else 2  # a template problem, not the input's
    result = run(*args, env={"DELIGHTMAIL_MERCHANT": None})
    assert result.exit_code == expected_code, result.output
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "shot.png").exists()


@pytest.mark.parametrize("command", ["render", "check"])
@pytest.mark.parametrize("error", [e for e, _, _ in ERRORS.values()], ids=list(ERRORS))
def test_the_exit_code_is_the_errors_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str, error: DelightmailError
) -> None:
    """Whatever a command fails with, it says so in one line and exits with that error's
    ``exit_code``: 2 for bad input, 1 for work that failed."""

    def fail(self: Mailer, order: Any, **options: Any) -> Any:
        raise error

    monkeypatch.setattr(Mailer, "render", fail)
    extra = ["-o", tmp_path / "out", "-j", "1"] if command == "render" else []
    result = run(command, ONE, "--merchant", MERCHANT, *extra)
    assert result.exit_code == error.exit_code, result.output
    assert result.stderr.startswith("error: ") and str(error) in result.stderr
    assert "Traceback" not in result.output


def test_check_reports_a_failing_checker_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --external` with a checker that fails (here SpamAssassin): one line, exit 1."""

    def fail(self: ExternalCheckers, email: Any) -> Any:
        raise CheckerError("no answer in 120 s", "spamassassin")

    monkeypatch.setattr(ExternalCheckers, "check", fail)
    result = run("check", "--external", ONE, "--merchant", MERCHANT)
    assert result.exit_code == 1, result.output
    assert result.stderr == "error: spamassassin: no answer in 120 s\n"


def test_template_error_names_file_and_line(tmp_path: Path) -> None:
    """A broken template is one message with the file and line, a partial's too, exit 1."""
    folder = template_copy(tmp_path, ("partials/payment.txt.j2", "\n", "\n{% if %}\n"))
    result = run("check", ONE, "--merchant", MERCHANT, "--template", folder)
    assert result.exit_code == 1
    partial = folder.parent / "partials" / "payment.txt.j2"
    assert result.stderr.startswith(f"error: {partial}, line 2: ")
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """With --debug the error is raised, so its traceback shows."""
    result = CliRunner().invoke(
        cli, ["--debug", "render", str(tmp_path / "nope.json"), "--merchant", str(MERCHANT)]
    )
    assert isinstance(result.exception, DelightmailError)
    assert "no such file" in str(result.exception)


def test_python_dash_m_runs_the_same_cli() -> None:
    """``python -m delightmail`` is the same command line."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "delightmail", "templates"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "templates: postcard, receipt" in done.stdout


# -- check -----------------------------------------------------------------------------


def test_check_passes_every_example() -> None:
    """The example orders pass every check."""
    result = run("check", *ORDERS, "--merchant", MERCHANT)
    assert result.exit_code == 0, result.output
    verdicts = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    assert [line.split(",")[0] for line in verdicts] == [f"{p}: ok" for p in ORDERS]


def test_check_fails_on_an_error_and_lists_it(tmp_path: Path) -> None:
    """An email with an error finding fails the check (exit 1) and the finding is printed."""
    folder = template_copy(tmp_path, ("partials/payment.txt.j2", "\n", "\nTom &amp; Jerry\n"))
    result = run("check", ONE, "--merchant", MERCHANT, "--template", folder)
    assert result.exit_code == 1, result.output
    assert f"{ONE}: FAILED, 1 errors" in result.stdout
    assert "  error: text: HTML entity '&amp;' (text:" in result.stdout


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    """A warning passes, unless --strict."""
    long_line = "word " * 20
    folder = template_copy(tmp_path, ("partials/payment.txt.j2", "\n", f"\n{long_line}\n"))
    args: list[str | Path] = ["check", ONE, "--merchant", MERCHANT, "--template", folder]
    lenient, strict = run(*args), run(*args, "--strict")
    assert lenient.exit_code == 0 and lenient.stdout.startswith(f"{ONE}: ok, ")
    assert "  warning: text: line is 100 columns" in lenient.stdout
    assert strict.exit_code == 1 and strict.stdout.startswith(f"{ONE}: FAILED, ")


@needs_chromium
def test_check_external_runs_the_browser_and_spam_checks() -> None:
    """--external adds axe-core, caniemail and SpamAssassin findings; infos are not warnings."""
    result = run("check", ONE, "--merchant", MERCHANT, "--external")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{ONE}: ok")
    assert "warnings" not in result.stdout.splitlines()[0]
    findings = result.stdout.splitlines()[1:]
    assert any(line.startswith("  info: spam: SpamAssassin scores") for line in findings)
    assert any(line.startswith("  info: axe") for line in findings)


def test_check_external_without_a_checker_fails_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked for checks it cannot run (here: no Chromium), --external exits 1 naming the
    missing tool and how to install it; --allow-missing runs the rest with a warning."""
    monkeypatch.setenv("DELIGHTMAIL_CHROMIUM", str(tmp_path / "no-chromium"))
    result = run("check", ONE, "--merchant", MERCHANT, "--external")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "chromium not installed" in result.stderr and "make system-deps" in result.stderr
    assert "--allow-missing" in result.stderr
    allowed = run("check", ONE, "--merchant", MERCHANT, "--external", "--allow-missing")
    assert allowed.exit_code == 0, allowed.output
    assert allowed.stderr.startswith("warning: skipping what needs chromium")
    assert allowed.stdout.startswith(f"{ONE}: ok")
    assert "skipped: " in allowed.stdout  # each skipped check says so, beside what ran


# -- schema and templates ---------------------------------------------------------------


def test_schema_is_the_order_json_schema() -> None:
    """schema prints the Order JSON Schema."""
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Order" and "lines" in schema["properties"]


def test_render_in_a_language_of_your_own(tmp_path: Path) -> None:
    """--locale-dir adds the languages of its catalogs: a French order's email, in French."""
    order = write(tmp_path / "french.json", {**load(ONE), "locale": "fr_FR"})
    args = ["render", order, "--merchant", MERCHANT, "-o", tmp_path / "out"]
    result = run(*args, "--locale-dir", EXAMPLES / "locale")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "french.txt").read_text(encoding="utf-8")
    assert "Bonjour Sam !" in text and "Sous-total" in text and "22 novembre 2026" in text


def test_templates_lists_your_languages(tmp_path: Path) -> None:
    """templates --locale-dir lists the languages of your catalogs; a broken one is one
    line and exit 2."""
    result = run("templates", "--locale-dir", EXAMPLES / "locale")
    assert result.exit_code == 0, result.output
    listed = ", ".join(available_locales())  # the built-in languages, the example's French too
    assert listed == "de, en, es, fr, he, ja, nl" and f"locales: {listed} (" in result.stdout
    result = run("templates", "--locale-dir", _broken_catalog(tmp_path))
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_templates_lists_templates_and_tones(tmp_path: Path) -> None:
    """templates lists the built-in templates, those of --templates folders, and the tones."""
    folder = template_copy(tmp_path)
    folder.rename(folder.with_name("calm"))
    result = run("templates", "--templates", tmp_path / "templates")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "templates: calm, postcard, receipt"
    assert lines[1].startswith("tones: playful")


# -- send, against a real SMTP server on loopback --------------------------------------


class _Inbox:
    """What an aiosmtpd handler received."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, _Inbox, list[tuple[str, str]]]]:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that accepts AUTH without TLS; yields
    ``(HOST:PORT, inbox, logins)``."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login.decode(), auth.password.decode()))
        return AuthResult(success=auth.password == b"s3cret", handled=False)

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        # Only PLAIN: smtplib retries a refused login with every mechanism offered.
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        yield f"127.0.0.1:{port}", inbox, logins
    finally:
        controller.stop()


def test_send_delivers_both_parts_with_the_right_headers(smtp_server: Any) -> None:
    """send delivers one multipart/alternative message to --to only, with exactly our headers."""
    server, inbox, logins = smtp_server
    result = run("send", ONE, "--merchant", MERCHANT, "--to", "Tester <qa@example.net>",
                 "--smtp", server)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sent <order-1001.")
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "hello@groove-harbor.example.com"
    assert envelope.rcpt_tos == ["qa@example.net"]
    assert logins == []
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert sorted(msg.keys()) == sorted(
        ["Subject", "From", "To", "Reply-To", "Date", "Message-ID", "MIME-Version", "Content-Type"]
    )
    assert msg["To"] == "Tester <qa@example.net>"
    assert msg["From"] == "Groove Harbor Records <hello@groove-harbor.example.com>"
    assert msg["Reply-To"] == "Maya Okafor <maya@groove-harbor.example.com>"
    email = Mailer(merchant=load(MERCHANT)).render(json.loads(ONE.read_text(), parse_float=Decimal))
    assert msg["Subject"] == email.subject
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    # On the wire every line ends in CRLF.
    assert parts[0].get_content().replace("\r\n", "\n") == email.text
    assert parts[1].get_content().replace("\r\n", "\n") == email.html


def test_send_logs_in_with_the_password_from_the_environment(smtp_server: Any) -> None:
    """--user logs in with DELIGHTMAIL_SMTP_PASSWORD; a wrong one is refused, clearly."""
    server, inbox, logins = smtp_server
    args = ["send", ONE, "--merchant", MERCHANT, "--to", "qa@example.net", "--smtp", server,
            "--user", "shop", "--sender", "Shop <shop@example.com>"]  # fmt: skip
    ok = run(*args, env={"DELIGHTMAIL_SMTP_PASSWORD": "s3cret"})
    assert ok.exit_code == 0, ok.output
    refused = run(*args, env={"DELIGHTMAIL_SMTP_PASSWORD": "wrong"})
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: {server} refused the login for 'shop': 535")
    assert logins == [("shop", "s3cret"), ("shop", "wrong")]
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].mail_from == "shop@example.com"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--user", "shop"], 2, "--user shop needs its password in DELIGHTMAIL_SMTP_PASSWORD"),
        (["--starttls"], 1, "does not support that: STARTTLS"),
        (["--smtp", "localhost"], 2, "--smtp 'localhost': expected HOST:PORT"),
        (["--to", "nobody"], 2, "recipient 'nobody' is not a valid email address"),
        (["--password", "x"], 2, "No such option '--password'"),
    ],
    ids=["user-without-password", "starttls-unsupported", "no-port", "bad-to", "no-password-flag"],
)
def test_send_refusals_are_one_message(
    smtp_server: Any, args: list[str], code: int, message: str
) -> None:
    """Send problems are one line on stderr, and nothing is sent."""
    server, inbox, _ = smtp_server
    base = ["send", ONE, "--merchant", MERCHANT, "--to", "qa@example.net", "--smtp", server]
    result = run(*base, *args, env={"DELIGHTMAIL_SMTP_PASSWORD": None})
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert inbox.envelopes == []


def test_send_to_a_closed_port_says_so() -> None:
    """No server listening: a clear 'could not talk to' message, exit 1."""
    port = _free_port()
    result = run("send", ONE, "--merchant", MERCHANT, "--to", "qa@example.net",
                 "--smtp", f"127.0.0.1:{port}")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: could not talk to 127.0.0.1:{port}: ")


# -- screenshot, in Debian's Chromium ---------------------------------------------------


def _png(path: Path) -> tuple[int, int, tuple[int, ...]]:
    """Width, height and the top-left pixel of a PNG (any filter gives the first pixel as is)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += length + 12
    raw = zlib.decompress(idat)
    return width, height, tuple(raw[1:4])


DARK_CSS = (
    "<mj-style>@media (prefers-color-scheme: dark) "
    "{ body, body * { background: #000000 !important; } }</mj-style>\n  </mj-head>"
)


@needs_chromium
def test_screenshot_at_phone_width_light_and_dark(tmp_path: Path) -> None:
    """screenshot writes a PNG as wide as asked; --dark makes the email's dark-mode CSS apply."""
    folder = template_copy(tmp_path, ("layout/base.mjml.j2", "</mj-head>", DARK_CSS))
    base: list[str | Path] = ["screenshot", ONE, "--merchant", MERCHANT, "--template", folder]
    base += ["--width", "375"]
    light = run(*base, "-o", tmp_path / "light.png")
    dark = run(*base, "-o", tmp_path / "dark.png", "--dark")
    assert light.exit_code == 0, light.output
    assert dark.exit_code == 0, dark.output
    assert light.stdout.strip() == str(tmp_path / "light.png")
    light_width, light_height, light_pixel = _png(tmp_path / "light.png")
    dark_width, _, dark_pixel = _png(tmp_path / "dark.png")
    assert light_width == dark_width == 375
    assert light_height > 800  # the full page, not just the viewport
    assert dark_pixel == (0, 0, 0) != light_pixel


def test_screenshot_without_chromium_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Chromium: one message saying how to install it, exit 1."""
    monkeypatch.setenv("DELIGHTMAIL_CHROMIUM", str(tmp_path / "no-chromium"))
    result = run("screenshot", ONE, "--merchant", MERCHANT, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no Chromium found: install Debian's chromium")
    assert not (tmp_path / "x.png").exists()


def test_screenshot_to_one_png_takes_one_order(tmp_path: Path) -> None:
    """A JSON Lines file with several orders is refused by screenshot -o FILE.png."""
    batch = tmp_path / "two.jsonl"
    batch.write_text(ONE.read_text().replace("\n", "") + "\n" + "{}\n", encoding="utf-8")
    result = run("screenshot", batch, "--merchant", MERCHANT, "-o", tmp_path / "x.png")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {batch}: holds 2 orders; -o FILE.png takes one (-o FOLDER takes many)\n"
    )


@pytest.mark.parametrize(
    ("output", "message"),
    [("afile/out", "a file is in the way"), ("/proc/1/out", "cannot")],
    ids=["under-a-file", "not-allowed"],
)
def test_an_output_folder_that_cannot_be_written_is_bad_input(
    tmp_path: Path, output: str, message: str
) -> None:
    """-o under a file, or where writing is not allowed: one line, exit 2, nothing written."""
    (tmp_path / "afile").write_text("x")
    target = tmp_path / output if not output.startswith("/") else Path(output)
    result = run("render", ONE, "--merchant", MERCHANT, "-o", target)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_two_orders_of_one_name_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    """a/order.json and b/order.json would overwrite each other: refused, nothing written."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(ONE, tmp_path / folder / "order.json")
    out = tmp_path / "out"
    result = run("render", tmp_path / "a/order.json", tmp_path / "b/order.json",
                 "--merchant", MERCHANT, "-o", out)  # fmt: skip
    assert result.exit_code == 2 and "would both be written as order" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("render", ONE, "--merchant", MERCHANT, "--locale", "xx_YY"),
        ("packs", "check", "--orders", "3", "--locale", "de", "--locale", "zz$$"),
    ],
    ids=["render", "packs-check"],
)
def test_an_unknown_locale_is_a_usage_error(args: tuple[Any, ...]) -> None:
    """--locale xx_YY is refused as a bad parameter (exit 2), in every command that has it."""
    result = run(*args)
    assert result.exit_code == 2 and "not a known locale" in result.output


def test_output_files_get_the_umask_mode(tmp_path: Path) -> None:
    """Written files get the mode the umask gives a new file, not 0600."""
    old = os.umask(0o027)
    try:
        result = run("render", ONE, "--merchant", MERCHANT, "-o", tmp_path / "out")
        assert result.exit_code == 0, result.output
        modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "out").iterdir()}
        assert modes == {"0o640"}
    finally:
        os.umask(old)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.floats(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=6), inner, max_size=3)
            ),
            max_leaves=12,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    suffix=st.sampled_from([".json", ".jsonl"]),
    command=st.sampled_from(["render", "check"]),
)
def test_no_input_file_makes_a_traceback(
    tmp_path: Path, content: bytes, suffix: str, command: str
) -> None:
    """Whatever bytes an order file holds, the command line answers with one message and
    exit code 0, 1 or 2, never a traceback."""
    path = tmp_path / f"order{suffix}"
    path.write_bytes(content)
    args = [command, path, "--merchant", MERCHANT]
    if command == "render":
        args += ["-o", tmp_path / "out"]
    result = run(*args)
    assert result.exit_code in (0, 1, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
