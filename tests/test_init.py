"""``delightmail init``: the folder it writes, all or nothing, and what preview finds there;
the examples inside a real wheel, installed in a fresh venv."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from delightmail import Mailer
from delightmail import scaffold as scaffold_module
from delightmail.cli import cli
from delightmail.exceptions import InputError
from delightmail.preview import PreviewServer
from delightmail.scaffold import REPOSITORY_ORDERS, init_folder, project_defaults

from .conftest import ROOT, edit, load

EXAMPLES = ROOT / "examples"
ORDER_NAMES = sorted(path.name for path in (EXAMPLES / "orders").glob("*.json"))
SCAFFOLD = sorted(
    [
        "README.md",
        "merchant.json",
        "packs/playful.toml",
        "templates/postcard/email.mjml.j2",
        "templates/postcard/email.txt.j2",
        *(f"orders/{name}" for name in ORDER_NAMES),
    ]
)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under *folder*, by its ``/``-separated path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A folder made by ``delightmail init``."""
    result = run("init", str(tmp_path / "shop"))
    assert result.exit_code == 0, result.output
    return tmp_path / "shop"


# -- what init writes ----------------------------------------------------------------


def test_init_writes_the_scaffold(shop: Path) -> None:
    """init writes the merchant, every example order as it is, the pack, a copy of the
    postcard, and a README of next steps; and prints each path."""
    files = tree(shop)
    assert sorted(files) == SCAFFOLD
    assert files["merchant.json"] == (EXAMPLES / "merchant.json").read_bytes()
    for name in ORDER_NAMES:
        assert files[f"orders/{name}"] == (EXAMPLES / "orders" / name).read_bytes()
    pack = files["packs/playful.toml"].decode()
    assert "delightmail packs check packs --merchant merchant.json" in pack
    assert "examples/" not in pack
    readme = files["README.md"].decode()
    steps = ("delightmail preview --open", "delightmail check orders/*.json",
             "delightmail render orders/*.json", "delightmail send orders/01-one-item.json",
             "DELIGHTMAIL_MERCHANT", "DELIGHTMAIL_CHROMIUM", "`signer`", "`theme`")  # fmt: skip
    for step in steps:
        assert step in readme, step
    assert "{" not in readme.replace("{{ super() }}", "").replace('{"', "")  # all formatted


def test_init_prints_what_it_wrote_and_what_next(tmp_path: Path) -> None:
    """stdout lists the files written; stderr says what to run next, the folder quoted."""
    folder = tmp_path / "my shop"
    result = run("init", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(folder / name) for name in SCAFFOLD]
    assert (
        result.stderr
        == f"next: cd '{folder}' && delightmail preview --open (README.md says more)\n"
    )


def test_init_defaults_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without DIR, init writes into the current folder."""
    monkeypatch.chdir(tmp_path)
    result = run("init")
    assert result.exit_code == 0, result.output
    assert sorted(tree(tmp_path)) == SCAFFOLD
    assert result.stdout.splitlines() == SCAFFOLD


@pytest.mark.parametrize("design", ["postcard", "receipt"])
def test_the_copied_design_renders_as_the_built_in_one(tmp_path: Path, design: str) -> None:
    """The copy, found through templates/, replaces the built-in design and renders the
    same email: only a comment of how its names are found is added."""
    result = run("init", str(tmp_path), "--template", design)
    assert result.exit_code == 0, result.output
    merchant = load(tmp_path / "merchant.json")
    order = load(tmp_path / "orders" / "04-gift-with-message.json")
    copy = Mailer(merchant, template=design, template_dirs=(tmp_path / "templates",))
    assert copy.folder == tmp_path / "templates" / design
    built_in = Mailer(merchant, template=design)
    assert copy.render(order).html == built_in.render(order).html
    assert copy.render(order).text == built_in.render(order).text
    source = (tmp_path / "templates" / design / "email.mjml.j2").read_text()
    assert source.startswith(f'{{#- Your copy of the built-in "{design}" design')


def test_an_edit_to_the_copy_and_the_pack_shows(shop: Path) -> None:
    """A block overridden in the copy and a line of the pack change the rendered email."""
    design = shop / "templates" / "postcard" / "email.mjml.j2"
    design.write_text(
        design.read_text() + "{% block note %}<mj-section><mj-column><mj-text>Marker-7731</mj-text>"
        "</mj-column></mj-section>{% endblock %}\n"
    )
    edit(shop / "packs" / "playful.toml", "in our harbour-blue paper", "in Marker-8842 paper")
    mailer = Mailer(
        load(shop / "merchant.json"),
        template_dirs=(shop / "templates",),
        pack_dirs=(shop / "packs",),
    )
    email = mailer.render(load(shop / "orders" / "01-one-item.json"))
    assert "Marker-7731" in email.html
    assert "Marker-8842" in email.html and "Marker-8842" in email.text


def test_init_partials_copies_the_layout_and_partials(tmp_path: Path) -> None:
    """--partials also copies the layout and partials, which then replace the built-in
    ones for every design, the receipt too."""
    result = run("init", str(tmp_path), "--partials")
    assert result.exit_code == 0, result.output
    built_in = ROOT / "templates"
    for folder in ("layout", "partials"):
        for path in (built_in / folder).glob("*.j2"):
            assert (tmp_path / "templates" / folder / path.name).read_bytes() == path.read_bytes()
    assert "copies too" in (tmp_path / "README.md").read_text()
    edit(tmp_path / "templates" / "partials" / "footer.txt.j2", "{", "Marker-5519 {")
    mailer = Mailer(
        load(tmp_path / "merchant.json"), "receipt", template_dirs=(tmp_path / "templates",)
    )
    assert "Marker-5519" in mailer.render(load(tmp_path / "orders" / "01-one-item.json")).text


# -- all or nothing ---------------------------------------------------------------------


def test_init_refuses_a_file_that_exists(tmp_path: Path) -> None:
    """A file init would write that exists: one line naming it, exit 2, nothing written."""
    mine = tmp_path / "orders" / "02-many-items.json"
    mine.parent.mkdir()
    mine.write_text("my own order")
    (tmp_path / "notes.txt").write_text("mine")
    result = run("init", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: {mine}: exists; nothing written (--force overwrites)\n")
    assert tree(tmp_path) == {"orders/02-many-items.json": b"my own order", "notes.txt": b"mine"}


def test_init_again_names_the_first_and_counts_the_rest(shop: Path) -> None:
    """Run twice, init refuses and says how many files are in the way."""
    before = tree(shop)
    result = run("init", str(shop))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {shop / 'README.md'}: exists (and {len(SCAFFOLD) - 1} more); "
        "nothing written (--force overwrites)\n"
    )
    assert tree(shop) == before


def test_init_force_overwrites_its_own_files_only(shop: Path) -> None:
    """--force writes its files over edited ones and leaves the folder's others alone."""
    (shop / "merchant.json").write_text("{}")
    (shop / "orders" / "99-mine.json").write_text("mine")
    result = run("init", str(shop), "--force")
    assert result.exit_code == 0, result.output
    assert (shop / "merchant.json").read_bytes() == (EXAMPLES / "merchant.json").read_bytes()
    assert (shop / "orders" / "99-mine.json").read_text() == "mine"
    assert not [path for path in shop.iterdir() if path.name.startswith(".")]  # no staging left


@pytest.mark.parametrize(
    ("make", "blocked", "message"),
    [
        (lambda root: (root / "orders").write_text("x"), "orders", "a file is in the way"),
        (lambda root: (root / "README.md").mkdir(), "README.md", "a folder is in the way"),
    ],
    ids=["file-for-a-folder", "folder-for-a-file"],
)
def test_init_refuses_what_is_in_the_way(
    tmp_path: Path, make: Any, blocked: str, message: str
) -> None:
    """A file where init needs a folder, or a folder where it needs a file, is refused
    even with --force, and nothing is written."""
    make(tmp_path)
    before = sorted(path.name for path in tmp_path.iterdir())
    result = run("init", str(tmp_path), "--force")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / blocked}: {message}; nothing written\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_init_refuses_a_file_as_the_folder(tmp_path: Path) -> None:
    """DIR that is a file: exit 2, naming it."""
    (tmp_path / "shop").write_text("x")
    result = run("init", str(tmp_path / "shop"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'shop'}: a file is in the way (not a folder)\n"


@pytest.mark.parametrize("name", ["nope", "../../etc", "layout", "<b>x</b>"])
def test_init_refuses_a_design_that_is_not_built_in(tmp_path: Path, name: str) -> None:
    """--template takes only a built-in design's name (no path, not the layout): exit 2."""
    result = run("init", str(tmp_path / "shop"), "--template", name)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --template: no built-in design named {name!r} (known: postcard, receipt)\n"
    )
    assert not (tmp_path / "shop").exists()


@pytest.mark.parametrize("force", [False, True], ids=["new", "force"])
def test_a_failure_part_way_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    """A write that fails after some files are in place undoes them: a new folder is
    removed whole, and with --force the files that were there come back."""
    folder = tmp_path / "new" / "shop"
    if force:
        init_folder(folder)
        (folder / "merchant.json").write_text("edited")
    before = tree(tmp_path)
    real_replace = os.replace
    calls = []

    def failing_replace(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 6:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(scaffold_module.os, "replace", failing_replace)
    with pytest.raises(InputError, match=r": cannot write: No space left on device$"):
        init_folder(folder, force=force)
    monkeypatch.setattr(scaffold_module.os, "replace", real_replace)
    assert tree(tmp_path) == before
    assert (folder.exists(), (tmp_path / "new").exists()) == (force, force)


# -- what preview finds -----------------------------------------------------------------


def test_project_defaults_find_an_initialised_folder(shop: Path) -> None:
    """In a folder made by init, preview takes its orders/, templates/ and packs/."""
    found = project_defaults(folder=shop)
    assert found.orders == shop / "orders"
    assert found.template_dirs == (shop / "templates",)
    assert found.pack_dirs == (shop / "packs",)
    assert found.found == (
        f"orders from {shop / 'orders'}/",
        f"designs from {shop / 'templates'}/",
        f"story packs from {shop / 'packs'}/",
    )


def test_project_defaults_keep_what_is_given(shop: Path) -> None:
    """A PATH, --templates or --packs given wins over the folder's own."""
    given = project_defaults(Path("x.json"), (Path("t"),), (Path("p"),), folder=shop)
    assert (given.orders, given.template_dirs, given.pack_dirs, given.found) == (
        Path("x.json"), (Path("t"),), (Path("p"),), ()
    )  # fmt: skip


def test_project_defaults_in_the_repository() -> None:
    """In the repository, preview shows examples/orders as before: its templates/ are the
    built-in ones, and there is no packs/ at its top."""
    found = project_defaults(folder=ROOT)
    assert found.orders == REPOSITORY_ORDERS
    assert (found.template_dirs, found.pack_dirs, found.found) == ((), (), ())


def test_preview_with_nothing_to_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """preview in an empty folder says to run init: exit 2, one line."""
    monkeypatch.chdir(tmp_path)
    result = run("preview", "--port", "0")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no orders to preview: no orders/ here (delightmail init makes a folder with "
        "example orders), and no PATH given\n"
    )


def test_preview_serves_an_initialised_folder(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """init then preview: the gallery is the folder's orders in its own design and packs,
    and the page is served."""
    edit(shop / "packs" / "playful.toml", "in our harbour-blue paper", "in Marker-8842 paper")
    monkeypatch.chdir(shop)
    served: list[tuple[Any, int, str]] = []

    def wait(self: PreviewServer) -> None:
        with urllib.request.urlopen(self.url, timeout=10) as response:
            served.append((self.gallery, response.status, response.read().decode()))
        raise KeyboardInterrupt  # what Ctrl+C does

    monkeypatch.setattr(PreviewServer, "wait", wait)
    result = run("preview", "--port", "0")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "using orders from orders/, designs from templates/, story packs from packs/ "
        "(this folder's)\n"
    )
    gallery, status, page = served[0]
    assert status == 200
    assert (gallery.orders, gallery.merchant) == (Path("orders"), Path("merchant.json"))
    assert (gallery.template_dirs, gallery.pack_dirs) == ((Path("templates"),), (Path("packs"),))
    entries = gallery.entries()
    assert sorted({entry.order for entry in entries}) == [name[:-5] for name in ORDER_NAMES]
    assert all(name[:-5] in page for name in ORDER_NAMES)
    first = next(e for e in entries if e.order == "01-one-item" and e.template == "postcard")
    rendered = gallery.render(first)
    assert rendered.error == "" and rendered.email is not None
    assert "Marker-8842" in rendered.email.text
    assert {Path("templates"), Path("packs")} <= set(gallery.watch_paths())  # edits reload


def test_help_names_the_environment_variables() -> None:
    """--help lists DELIGHTMAIL_MERCHANT and DELIGHTMAIL_CHROMIUM, and says how to start."""
    result = run("--help")
    assert result.exit_code == 0
    assert re.search(r"DELIGHTMAIL_MERCHANT +the merchant JSON file", result.stdout)
    assert re.search(r"DELIGHTMAIL_CHROMIUM +the Chromium", result.stdout)
    assert "delightmail init && delightmail preview --open" in result.stdout
    assert "init " in result.stdout  # the command is listed


# -- a real wheel -------------------------------------------------------------------------


def test_the_wheel_ships_the_examples_and_init_works_from_it(tmp_path: Path) -> None:
    """Built into a wheel and installed in a fresh venv, outside the repository: the wheel
    holds every example order as examples/ has it, and from an empty folder init, render
    and a preview fetched once over HTTP all work."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("delightmail-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ORDER_NAMES:
            packed = archive.read(f"delightmail/_examples/orders/{name}")
            assert packed == (EXAMPLES / "orders" / name).read_bytes()
        assert (
            archive.read("delightmail/_examples/packs/playful.toml")
            == (EXAMPLES / "packs" / "playful.toml").read_bytes()
        )
    assert "delightmail/templates/partials/footer.mjml.j2" in names

    # A fresh venv; the dependencies from this one's site-packages, after its own.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    fresh = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(fresh, "main-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    folder = tmp_path / "empty"
    folder.mkdir()

    def delightmail(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "delightmail"), *args],
            cwd=folder, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    where = subprocess.run(
        [str(python), "-c", "import delightmail; print(delightmail.__file__)"],
        cwd=folder, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(fresh), where  # the wheel's copy, not the repository's

    done = delightmail("init")
    assert done.returncode == 0, done.stderr
    assert sorted(tree(folder)) == SCAFFOLD
    orders = sorted(str(path.relative_to(folder)) for path in (folder / "orders").glob("*.json"))
    rendered = delightmail("render", *orders, "--merchant", "merchant.json",
                           "--templates", "templates", "--packs", "packs", "-o", "out")  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    assert sorted(path.name for path in (folder / "out").iterdir()) == sorted(
        f"{name[:-5]}.{kind}" for name in ORDER_NAMES for kind in ("html", "txt")
    )
    assert "harbour-blue paper" in (folder / "out" / "01-one-item.txt").read_text()

    server = subprocess.Popen(
        [str(venv / "bin" / "delightmail"), "preview", "--port", "0"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = re.match(r"delightmail preview: (http://127\.0\.0\.1:\d+/)", line)
        assert url is not None, line + server.stderr.read() if server.stderr else line
        with urllib.request.urlopen(url.group(1), timeout=30) as response:
            page = response.read().decode()
        assert response.status == 200
        assert all(name[:-5] in page for name in ORDER_NAMES)
    finally:
        server.terminate()
        server.wait(timeout=10)
        for stream in (server.stdout, server.stderr):
            if stream is not None:
                stream.close()
    assert json.loads((folder / "merchant.json").read_text())["name"] == "Groove Harbor Records"


def test_a_partial_in_the_designs_own_folder_replaces_it_there_alone(shop: Path) -> None:
    """templates/postcard/partials/NAME replaces that partial in the postcard, and the
    receipt keeps the built-in one: the lookup the copy's comment describes."""
    built_in = (ROOT / "templates" / "partials" / "footer.txt.j2").read_text()
    own = shop / "templates" / "postcard" / "partials" / "footer.txt.j2"
    own.parent.mkdir()
    own.write_text("Marker-6620 " + built_in)
    merchant, order = load(shop / "merchant.json"), load(shop / "orders" / "01-one-item.json")
    found = (shop / "templates",)
    postcard = Mailer(merchant, "postcard", template_dirs=found).render(order)
    receipt = Mailer(merchant, "receipt", template_dirs=found).render(order)
    assert "Marker-6620" in postcard.text
    assert "Marker-6620" not in receipt.text
