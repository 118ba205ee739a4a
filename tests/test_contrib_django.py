"""delightmail.contrib.django, with real Django configured in this process.

Django's settings are configured once, here, for the whole session: no other test
module uses Django. Each test changes ``DELIGHTMAIL`` with ``override_settings``,
the way a project's own tests would.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

from .conftest import EXAMPLES, ORDER_FILES, load  # noqa: E402

MERCHANT = EXAMPLES / "merchant.json"
SRC = Path(__file__).resolve().parents[1] / "src"
SENDER = ("Groove Harbor Records", "hello@groove-harbor.example.com")

# The project's urls.py: the preview mounted where a project would mount it.
urls = types.ModuleType("delightmail_test_urls")
sys.modules[urls.__name__] = urls

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="delightmail-tests",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "delightmail.contrib.django",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        ROOT_URLCONF=urls.__name__,
        DELIGHTMAIL={"MERCHANT": str(MERCHANT), "PREVIEW_ORDERS": str(EXAMPLES / "orders")},
        USE_TZ=True,
    )
    django.setup()

from django.urls import include, path  # noqa: E402

urls.urlpatterns = [path("delightmail/", include("delightmail.contrib.django.urls"))]

from django.core import mail  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.utils.html import escape  # noqa: E402

from delightmail import Mailer, MessageError  # noqa: E402
from delightmail.contrib.django import (  # noqa: E402
    get_config,
    get_mailer,
    send_confirmation,
    to_django,
)


@pytest.fixture(autouse=True)
def outbox() -> Iterator[list[Any]]:
    """Django's test environment for each test: the locmem backend and an empty ``mail.outbox``."""
    setup_test_environment()
    try:
        yield mail.outbox
    finally:
        teardown_test_environment()


def parsed(message: Any) -> EmailMessage:
    """What the backend would put on the wire, parsed back as the receiver reads it."""
    result = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


def part(message: EmailMessage, subtype: str) -> str:
    """The text of one part, line ends made LF (each writer picks its own)."""
    body = message.get_body((subtype,))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


#: The Date the tests that can pin one give: then it must come out exactly.
WHEN = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)


def same_message(sent: EmailMessage, ours: EmailMessage) -> None:
    """The headers a receiver reads and both parts say the same in *sent* as in *ours*; a
    Date that was not pinned is the time of each call, seconds apart at most."""
    for name in ("Subject", "From", "To", "Reply-To", "Message-ID"):
        assert str(sent[name]) == str(ours[name]), name
    if ours["Date"].datetime == WHEN:
        assert str(sent["Date"]) == str(ours["Date"])
    else:
        assert abs(sent["Date"].datetime - ours["Date"].datetime) <= timedelta(seconds=10)
    assert part(sent, "plain") == part(ours, "plain")
    assert part(sent, "html") == part(ours, "html")


@pytest.mark.parametrize("path", ORDER_FILES, ids=[p.stem for p in ORDER_FILES])
def test_send_confirmation_keeps_the_message(path: Path, outbox: list[Any]) -> None:
    """Sent through locmem, each example order's message keeps delightmail's Message-ID, Date,
    Reply-To, Subject, boundary and both parts."""
    order = load(path)
    sent = send_confirmation(order, date=WHEN)
    assert len(outbox) == 1 and outbox[0].subject == sent.subject
    ours = get_mailer().render(order).to_message(SENDER, date=WHEN)
    wire = parsed(outbox[0])
    same_message(wire, ours)
    assert wire.get_boundary() == ours.get_boundary()


@pytest.mark.parametrize(
    "name",
    ["Zoë Müller-Lüdenscheidt", "Łukasz =?utf-8?q?=0D=0ABcc:x@evil.example?="],
    ids=["umlauts", "encoded-word-typed-in"],
)
def test_non_ascii_subject_and_names_come_out_the_same_text(name: str) -> None:
    """A German email (a Subject with an ß) to a customer with a non-ASCII name: the Subject and
    To on the wire decode to delightmail's very text, and a typed-in encoded word stays text."""
    order = {**load(ORDER_FILES[0]), "locale": "de"}
    order["customer"] = {**order["customer"], "first_name": name}
    ours = get_mailer().render(order).to_message(SENDER, date=WHEN)
    wire = parsed(send_confirmation(order, date=WHEN))
    same_message(wire, ours)
    assert wire["To"].addresses[0].display_name.startswith(name[:6])
    assert wire["Bcc"] is None


def test_to_django_passes_extra_headers_and_addresses() -> None:
    """to_django takes the sender, recipient, reply-to and extra headers delightmail takes, and
    Django sends each unchanged."""
    email = get_mailer().render(load(ORDER_FILES[1]))
    headers = {"List-Unsubscribe": "<mailto:unsubscribe@groove-harbor.example.com>"}
    message = to_django(
        email,
        from_email="Shop <shop@example.com>",
        to=("Sam", "sam@example.org"),
        reply_to="help@example.com",
        headers=headers,
        date=WHEN,
    )
    message.send()
    wire = parsed(mail.outbox[0])
    ours = email.to_message(
        "Shop <shop@example.com>", ("Sam", "sam@example.org"), "help@example.com", headers=headers,
        date=WHEN,
    )  # fmt: skip
    same_message(wire, ours)
    assert wire["List-Unsubscribe"] == headers["List-Unsubscribe"]
    assert message.to == ["Sam <sam@example.org>"] and message.reply_to == ["help@example.com"]


def test_django_writes_delightmails_header_words_until_one_is_changed() -> None:
    """The Subject and To on the wire are delightmail's own words, byte for byte; a field
    changed on the Django message after to_django is written by Django instead."""
    email = get_mailer().render({**load(ORDER_FILES[0]), "locale": "de"})
    ours = BytesHeaderParser(policy=compat32).parsebytes(email.to_bytes(SENDER))
    message = to_django(email)
    wire = BytesHeaderParser(policy=compat32).parsebytes(message.message().as_bytes())
    for name in ("Subject", "To", "Reply-To"):
        assert " ".join(str(wire[name]).split()) == " ".join(str(ours[name]).split()), name
    message.subject = "Changed"
    message.to.append("other@example.com")
    wire = parsed(message)
    assert wire["Subject"] == "Changed" and len(wire["To"].addresses) == 2


def test_the_from_address_comes_from_the_settings() -> None:
    """FROM_EMAIL wins, then the project's DEFAULT_FROM_EMAIL, then the merchant's support email."""
    email = get_mailer().render(load(ORDER_FILES[0]))
    assert to_django(email).from_email == "Groove Harbor Records <hello@groove-harbor.example.com>"
    with override_settings(DEFAULT_FROM_EMAIL="orders@example.com"):
        assert to_django(email).from_email == "orders@example.com"
    with override_settings(DELIGHTMAIL={"MERCHANT": str(MERCHANT), "FROM_EMAIL": "a@example.com"}):
        assert to_django(email).from_email == "a@example.com"


def test_an_order_without_customer_email_sends_nothing(outbox: list[Any]) -> None:
    """No customer email is a MessageError naming customer.email, before anything is sent."""
    order = load(ORDER_FILES[0])
    order["customer"] = {k: v for k, v in order["customer"].items() if k != "email"}
    with pytest.raises(MessageError, match=r"customer\.email"):
        send_confirmation(order)
    assert outbox == []


def test_the_mailer_is_made_once_per_locale() -> None:
    """get_mailer compiles once per process and locale; a changed setting makes a new one."""
    assert get_mailer() is get_mailer("en")
    german = get_mailer("de")
    assert german is get_mailer("de") and german is not get_mailer()
    assert isinstance(german, Mailer) and german.locale == "de"
    before = get_mailer()
    with override_settings(DELIGHTMAIL={"MERCHANT": load(MERCHANT), "TONE": "plain"}):
        assert get_mailer().tone == "plain" and get_mailer() is not before
    assert get_mailer().tone == "playful"


def other_shop(name: str = "Lantern Lane Books") -> dict[str, Any]:
    shop: dict[str, Any] = load(MERCHANT)
    shop.update(name=name, support_email=f"hello@{name.split()[0].lower()}.example.com")
    return shop


def test_a_project_that_sends_for_many_shops_gets_a_mailer_per_shop(outbox: list[Any]) -> None:
    """merchant= sends for another shop: its own mailer (made once), its name in the email and
    its support email as the From; the setting's shop is unchanged."""
    books = other_shop()
    mailer = get_mailer(merchant=books)
    assert mailer.merchant.name == "Lantern Lane Books"
    assert get_mailer(merchant=books) is mailer  # made once
    assert get_mailer(merchant=load(MERCHANT)) is get_mailer()  # the setting's own shop
    assert get_mailer().merchant.name == "Groove Harbor Records"
    assert get_mailer("de", merchant=books) is not mailer
    message = send_confirmation(load(ORDER_FILES[0]), merchant=books)
    assert message.from_email == "Lantern Lane Books <hello@lantern.example.com>"
    [sent] = outbox
    assert "Lantern Lane Books" in sent.body and "Groove Harbor" not in sent.body


def test_the_mailers_of_many_shops_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from delightmail.contrib.django import mail as django_mail

    monkeypatch.setattr(django_mail, "MAX_MERCHANTS", 2)
    first = get_mailer(merchant=other_shop("Shop One"))
    get_mailer(merchant=other_shop("Shop Two"))
    assert get_mailer(merchant=other_shop("Shop One")) is first  # used again: kept
    get_mailer(merchant=other_shop("Shop Three"))  # Shop Two goes
    assert get_mailer(merchant=other_shop("Shop One")) is first
    assert len(django_mail._others) == 2


def test_another_shop_that_is_not_valid_names_the_field() -> None:
    from delightmail import OrderValidationError

    shop = other_shop()
    shop["support_email"] = "not an email"
    with pytest.raises(OrderValidationError, match="support_email"):
        get_mailer(merchant=shop)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (None, r"DELIGHTMAIL: set it to a dict"),
        ({}, r"DELIGHTMAIL\['MERCHANT'\]: missing"),
        ({"MERCHANT": "nowhere.json"}, r"DELIGHTMAIL\['MERCHANT'\]: nowhere.json: no such file"),
        ({"MERCHANT": {"name": ""}}, r"DELIGHTMAIL\['MERCHANT'\]: "),
        ({"MERCHANT": 3}, r"DELIGHTMAIL\['MERCHANT'\]: expected a file path or a dict"),
        ({"MERCHANT": str(MERCHANT), "TONE": 3}, r"DELIGHTMAIL\['TONE'\]: expected a string"),
        ({"MERCHANT": str(MERCHANT), "TONE": "grumpy"}, r"DELIGHTMAIL\['TONE'\]: unknown tone"),
        ({"MERCHANT": str(MERCHANT), "PACK_DIRS": "x"}, r"DELIGHTMAIL\['PACK_DIRS'\]: expected"),
        ({"MERCHANT": str(MERCHANT), "PACK_DIRS": ["nowhere"]}, r"\['PACK_DIRS'\]: nowhere: no"),
        ({"MERCHANT": str(MERCHANT), "SANDBOX": "yes"}, r"DELIGHTMAIL\['SANDBOX'\]: expected"),
        ({"MERCHANT": str(MERCHANT), "TEMPLTE": "x"}, r"DELIGHTMAIL\['TEMPLTE'\]: unknown key"),
    ],
    ids=["missing", "no-merchant", "no-file", "bad-merchant", "not-a-merchant", "tone",
         "unknown-tone", "dirs-string", "no-dir", "sandbox", "typo"],
)  # fmt: skip
def test_a_bad_setting_names_its_key(setting: Any, message: str) -> None:
    """Each mistake in DELIGHTMAIL is ImproperlyConfigured naming the key."""
    with override_settings(DELIGHTMAIL=setting), pytest.raises(ImproperlyConfigured, match=message):
        get_config()


def test_an_unknown_template_names_its_key() -> None:
    """A TEMPLATE that does not exist is ImproperlyConfigured naming the key, when first used."""
    setting = {"MERCHANT": str(MERCHANT), "TEMPLATE": "nowhere"}
    with (
        override_settings(DELIGHTMAIL=setting),
        pytest.raises(ImproperlyConfigured, match=r"DELIGHTMAIL\['TEMPLATE'\]: .*nowhere"),
    ):
        get_mailer()


@override_settings(
    EMAIL_BACKEND="anymail.backends.test.EmailBackend",
    ANYMAIL={},
)
def test_django_anymail_gets_the_message(outbox: list[Any]) -> None:
    """Through django-anymail (its test backend stands for SES, Postmark, Mailgun, SendGrid),
    the email service is given delightmail's Message-ID, Date, Reply-To and both parts."""
    order = load(ORDER_FILES[3])
    send_confirmation(order, date=WHEN)
    email = get_mailer().render(order)
    ours = email.to_message(SENDER, date=WHEN)
    params = outbox[0].anymail_test_params
    assert params["subject"] == ours["Subject"]
    assert [str(a) for a in params["to"]] == [str(ours["To"])]
    assert [str(a) for a in params["reply_to"]] == [str(ours["Reply-To"])]
    assert params["extra_headers"]["Message-ID"] == ours["Message-ID"]
    assert params["extra_headers"]["Date"] == ours["Date"]
    assert params["text_body"] == part(ours, "plain")
    assert params["html_body"] == part(ours, "html")
    same_message(parsed(outbox[0]), ours)


def test_the_command_renders_an_order() -> None:
    """``manage.py delightmail render ORDER.json`` prints the subject and the text part."""
    out = io.StringIO()
    call_command("delightmail", "render", str(ORDER_FILES[0]), stdout=out)
    email = get_mailer().render(load(ORDER_FILES[0]))
    assert out.getvalue().rstrip("\n") == f"Subject: {email.subject}\n\n{email.text}".rstrip("\n")


def test_the_command_renders_the_whole_message() -> None:
    """``--format eml`` prints the message Django would send, with delightmail's Message-ID."""
    out = io.StringIO()
    call_command("delightmail", "render", str(ORDER_FILES[0]), "--format", "eml", stdout=out)
    ours = get_mailer().render(load(ORDER_FILES[0])).to_message(SENDER)
    printed = message_from_bytes(out.getvalue().encode("utf-8"), policy=policy.default)
    assert isinstance(printed, EmailMessage)
    same_message(printed, ours)


def test_the_command_sends_through_the_backend(outbox: list[Any]) -> None:
    """``manage.py delightmail send ORDER.json`` sends through EMAIL_BACKEND (--to overrides)."""
    out = io.StringIO()
    call_command("delightmail", "send", str(ORDER_FILES[1]), "--locale", "de", stdout=out)
    call_command("delightmail", "send", str(ORDER_FILES[1]), "--to", "me@example.com", stdout=out)
    customer = load(ORDER_FILES[1])["customer"]["email"]
    assert outbox[0].to[0].endswith(f"<{customer}>") and outbox[1].to == ["me@example.com"]
    assert out.getvalue().startswith("sent <order-")


def test_the_command_fails_in_one_line(tmp_path: Path, outbox: list[Any]) -> None:
    """A bad order is a CommandError naming the file and the problem; nothing is sent."""
    with pytest.raises(CommandError, match=r"nowhere\.json: .*no such file"):
        call_command("delightmail", "render", "nowhere.json", stdout=io.StringIO())
    order = load(ORDER_FILES[0])
    del order["customer"]["email"]
    path = tmp_path / "no-email.json"
    path.write_text(json.dumps(order, default=str), encoding="utf-8")
    with pytest.raises(CommandError, match=r"no-email\.json: customer\.email"):
        call_command("delightmail", "send", str(path), stdout=io.StringIO())
    assert outbox == []


@pytest.fixture(scope="module")
def staff() -> Any:
    """A staff user, in an in-memory database made for this module."""
    from django.contrib.auth.models import User

    call_command("migrate", run_syncdb=True, verbosity=0)
    return User.objects.create_user("maya", is_staff=True)


def test_the_preview_is_for_staff_only(staff: Any) -> None:
    """Anonymous and non-staff users are sent to log in; they see no email."""
    from django.contrib.auth.models import User

    client = Client()
    for url in ("/delightmail/", "/delightmail/01-one-item/postcard/html/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(User.objects.get_or_create(username="sam")[0])
    assert client.get("/delightmail/").status_code == 302


def test_the_preview_lists_every_order_in_every_design(staff: Any) -> None:
    """The index links each example order in each design; each link shows that email."""
    client = Client()
    client.force_login(staff)
    index = client.get("/delightmail/").content.decode()
    for order in ORDER_FILES:
        for design in ("postcard", "receipt"):
            assert f'href="/delightmail/{order.stem}/{design}/"' in index
    page = client.get("/delightmail/04-gift-with-message/receipt/")
    email = get_mailer(template="receipt").render(load(ORDER_FILES[3]))
    assert page.status_code == 200
    assert escape(email.subject) in page.content.decode()
    html = client.get("/delightmail/04-gift-with-message/receipt/html/")
    assert html.content.decode() == email.html
    assert html["Content-Security-Policy"].startswith("sandbox")
    text = client.get("/delightmail/04-gift-with-message/receipt/text/")
    assert text.content.decode() == email.text


@pytest.mark.parametrize(
    "url",
    ["/delightmail/nothing/postcard/", "/delightmail/01-one-item/nothing/",
     "/delightmail/01-one-item/postcard/eml/"],
    ids=["order", "design", "part"],
)  # fmt: skip
def test_the_preview_has_nothing_else(url: str, staff: Any) -> None:
    """An order, design or part the preview does not list is a 404."""
    client = Client()
    client.force_login(staff)
    assert client.get(url).status_code == 404


def run_example(*args: str, backend: str | None = None, database: Path | None = None) -> bytes:
    """``python manage.py ARGS`` in examples/django_shop, in a fresh interpreter; its stdout."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if backend is not None:
        env["EMAIL_BACKEND"] = backend
    if database is not None:
        env["SHOP_DATABASE"] = str(database)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLES / "django_shop",
        env=env,
        capture_output=True,
        check=True,
    )
    return result.stdout


def test_the_example_project_sends_through_its_backend() -> None:
    """examples/django_shop, as the README sets it up, sends an order through Django's console
    backend with delightmail's Message-ID, Reply-To and both parts."""
    stdout = run_example("delightmail", "send", str(ORDER_FILES[0]))
    # The console backend prints the message, then a line of dashes; the command, what it sent.
    data, _, said = stdout.rpartition(b"-" * 79)
    wire = message_from_bytes(data.lstrip(), policy=policy.default)
    assert isinstance(wire, EmailMessage)
    same_message(wire, get_mailer().render(load(ORDER_FILES[0])).to_message(SENDER))
    assert said.decode().strip().startswith(f"sent {wire['Message-ID']} to ")


def test_the_example_project_sends_through_django_anymail() -> None:
    """The same project with django-anymail's backend (its test one) sends with the same
    Message-ID: the email service is a setting away."""
    stdout = run_example(
        "delightmail", "send", str(ORDER_FILES[0]), backend="anymail.backends.test.EmailBackend"
    )
    email = get_mailer().render(load(ORDER_FILES[0]))
    assert stdout.decode().strip() == (
        f"sent {email.to_message(SENDER)['Message-ID']} to Sam Rivera <sam.rivera@example.org>"
    )


def test_the_example_project_confirms_an_order_when_its_transaction_commits(
    tmp_path: Path,
) -> None:
    """examples/django_shop's orders app: saving an order sends its confirmation on commit
    (transaction.on_commit in a post_save receiver); a checkout that rolls back sends nothing."""
    database = tmp_path / "shop.db"
    run_example("migrate", "--verbosity", "0", database=database)
    stdout = run_example("place_order", str(ORDER_FILES[0]), database=database)
    data, _, said = stdout.rpartition(b"-" * 79)
    wire = message_from_bytes(data.lstrip(), policy=policy.default)
    assert isinstance(wire, EmailMessage)
    same_message(wire, get_mailer().render(load(ORDER_FILES[0])).to_message(SENDER))
    assert said.decode().strip() == "order #1001 placed"
    stdout = run_example("place_order", str(ORDER_FILES[1]), "--roll-back", database=database)
    assert stdout.decode().strip() == "order #1002 rolled back: no confirmation sent"


def test_celery_workers_of_a_django_project_send_through_email_backend(
    outbox: list[Any],
) -> None:
    """contrib.celery with ``mailer=get_mailer`` and ``transport=django_transport``: the
    task sends through EMAIL_BACKEND, once, with delightmail's message."""
    pytest.importorskip("celery")
    from celery import Celery

    from delightmail.contrib.celery import confirmation_task, django_transport

    app = Celery("django-shop", broker="memory://")
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    task = confirmation_task(app, mailer=get_mailer, transport=django_transport)
    order = load(ORDER_FILES[2])
    assert task.delay(order, date=WHEN.isoformat()).get() == {
        "order": order["number"],
        "outcome": "sent",
    }
    assert task.delay(order).get()["outcome"] == "duplicate"
    assert len(outbox) == 1
    same_message(parsed(outbox[0]), get_mailer().render(order).to_message(SENDER, date=WHEN))
