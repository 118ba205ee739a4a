"""A folder to design emails in: ``delightmail init [DIR]``, and what ``preview`` finds there.

>>> init_folder(Path("my-shop"))  # doctest: +SKIP
[PosixPath('my-shop/README.md'), PosixPath('my-shop/merchant.json'), ...]

The folder gets a merchant (``merchant.json``), the example orders
(``orders/*.json``: one item, many items, euros in German, a gift, a pick-up),
a copy of a built-in design to edit (``templates/<name>/``, which then
replaces the built-in one of that name), a story pack to edit
(``packs/playful.toml``) and a ``README.md`` of next steps. The examples come
from inside the installed package (``delightmail/_examples``, put there when
the wheel is built) or, in a source checkout, from the repository's
``examples/``.

Nothing is half-written: every file is written into a temporary folder first and
then moved into place; a file that exists is refused (unless ``force``) before
anything is written, and a failure part-way puts back what was there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from ._files import read_text, writable_folder
from .exceptions import InputError
from .rendering import TEMPLATE_FILES, available_templates, template_dirs

__all__ = [
    "DESIGN_PREAMBLE",
    "Project",
    "examples_dir",
    "init_folder",
    "project_defaults",
    "scaffold_files",
]

#: The files of ``examples/`` every scaffold takes (the orders are every ``*.json`` there).
MERCHANT = "merchant.json"
ORDERS = "orders"
PACK = "packs/playful.toml"
#: Where the repository's own preview looks when the current folder has no ``orders/``.
REPOSITORY_ORDERS = Path("examples/orders")

#: Put above the copied design's own first line: how its names are found.
DESIGN_PREAMBLE = """\
{#- Your copy of the built-in "%(name)s" design, made by `delightmail init`.
    `--templates templates` (which `delightmail preview` passes by itself here)
    makes it replace the built-in "%(name)s": edit it, and the preview reloads.
    Names in extends and include are looked up in this folder first (a file
    templates/%(name)s/partials/header.mjml.j2 replaces the built-in header),
    then in templates/ (templates/partials/..., templates/layout/...), then in
    the built-in templates. `delightmail init --partials` copies the layout and
    partials into templates/; `delightmail templates --context` lists every name
    and filter a template can use. -#}
"""


def examples_dir() -> Path:
    """The folder of the example merchant, orders and pack: inside an installed wheel
    (``delightmail/_examples``), or the repository's ``examples/``.

    :raises InputError: neither holds them (a broken installation).
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "_examples", here.parent.parent / "examples"):
        if (folder / MERCHANT).is_file() and (folder / PACK).is_file():
            return folder
    raise InputError(f"the example orders are missing: no {PACK} beside delightmail")


def _design_root(name: str) -> Path:
    """The built-in folder holding the design *name* (and the layout and partials)."""
    known = available_templates()
    if name not in known:
        names = ", ".join(known)
        raise InputError(f"--template: no built-in design named {name!r} (known: {names})")
    for root in template_dirs():
        if all((root / name / file).is_file() for file in TEMPLATE_FILES):
            return root
    raise InputError(f"--template: the design {name!r} is not complete")  # pragma: no cover


def _next_steps(design: str, partials: bool) -> str:
    where = (
        "`templates/layout/` and `templates/partials/` are copies too: they replace the "
        "built-in ones for every design."
        if partials
        else "Its layout and partials are the built-in ones (`delightmail init --partials --force` "
        "copies them here too)."
    )
    return NEXT_STEPS.format(design=design, where=where)


NEXT_STEPS = """\
# Your delightmail folder

Made by `delightmail init`. What is here:

- `merchant.json`: your shop (see below for what each field means).
- `orders/`: example orders, one a file: one item, many items, euros in German with a discount
  code, a gift with a message, and a guest collecting at the shop. Add your own (`delightmail
  schema` prints the JSON Schema of an order).
- `templates/{design}/`: a copy of the built-in "{design}" design (`email.mjml.j2`, the HTML part,
  in MJML; `email.txt.j2`, the text part). It replaces the built-in "{design}". {where}
- `packs/playful.toml`: story lines of your own, told where their conditions hold, over the
  built-in playful pack.

## Next steps

1. **Preview**: `delightmail preview --open` (from this folder) shows every order in every
   design, and reloads within a second or two of a change to an order, the merchant, a template
   or a pack. It finds `orders/`, `merchant.json`, `templates/` and `packs/` by itself.
2. **Edit**: change `templates/{design}/email.mjml.j2` (override a block of the layout:
   `header`, `story`, `gift_message`, `order`, `button`, `details`, `note`, `signoff`,
   `footer`, `styles`, `dark_styles`; `{{{{ super() }}}}` keeps the layout's part), a line of
   `packs/playful.toml`, or an order. `delightmail templates --context` lists what a template
   can use.
3. **Check**: `delightmail check orders/*.json --merchant merchant.json --templates templates
   --packs packs` (size, links, alt text, headings, the text part; `--external` adds MJML's
   validator, caniemail, axe-core and SpamAssassin when installed), and `delightmail packs check
   packs --merchant merchant.json` reads every email your pack can tell.
4. **Render**: `delightmail render orders/*.json --merchant merchant.json --templates templates
   --packs packs -o out` writes `out/NAME.html` and `out/NAME.txt` (`--format eml` for a whole
   message).
5. **Send** a test: `delightmail send orders/01-one-item.json --merchant merchant.json
   --templates templates --packs packs --to you@example.com --smtp 127.0.0.1:1025` (`python -m
   aiosmtpd -n -l 127.0.0.1:1025` is a local SMTP server that prints what it gets; the password
   of a real server goes in `DELIGHTMAIL_SMTP_PASSWORD`, with `--user`).

`export DELIGHTMAIL_MERCHANT=merchant.json` stands in for `--merchant merchant.json`;
`DELIGHTMAIL_CHROMIUM` names the Chromium that `screenshot` and `check --external` drive
(default: Debian's `/usr/bin/chromium`).

## merchant.json

JSON has no comments, so here is what each field is:

- `name`: the shop's name, in the subject, the header and the sign-off.
- `city`, `country_code`, `timezone` (IANA, such as `America/Los_Angeles`): the story tells the
  shop's own town on the shop's own clock ("It is late in Portland...").
- `website`, `logo_url`, `support_email`, `support_phone`: links and the header's logo; the
  support email is the default From address of `send`.
- `signer`: who signs the email (`name`, `role`, `email`, `photo_url`); `role` may be one
  string or a table by language, as `{{"en": "founder", "de": "Gründerin"}}`.
- `voice`: `tone` (`playful`, `warm` or `plain`), `packer` (who packs the parcels, a person or
  a mascot), and optionally `team`, `formality` (German *du* or *Sie*: `informal` or `formal`)
  and `extras` (what is in every parcel, such as `["a sticker in the box"]`).
- `theme`: `brand_color`, `accent_color`, and optionally `text_color`, `muted_color`,
  `background_color`, `card_color`, `button_text_color`, `font_family`.
- `address` (optional): where a pick-up is collected; `utm` (optional): campaign tags for links
  to the shop, as `{{"source": "delightmail", "medium": "email"}}`.
"""


def scaffold_files(template: str = "postcard", *, partials: bool = False) -> dict[str, bytes]:
    """Every file ``init`` writes, by its path inside the folder (``/``-separated).

    :param template: the built-in design to copy into ``templates/<template>/``.
    :param partials: also copy the built-in layout and partials into ``templates/``.
    :raises InputError: *template* is not a built-in design.
    """
    root = _design_root(template)
    examples = examples_dir()
    files: dict[str, bytes] = {"README.md": _next_steps(template, partials).encode("utf-8")}
    files[MERCHANT] = (examples / MERCHANT).read_bytes()
    for order in sorted((examples / ORDERS).glob("*.json")):
        files[f"{ORDERS}/{order.name}"] = order.read_bytes()
    # The pack's comment names the repository's paths; here they are the folder's.
    pack = read_text(examples / PACK).replace("examples/packs", "packs")
    files[PACK] = pack.replace("examples/merchant.json", MERCHANT).encode("utf-8")
    preamble = DESIGN_PREAMBLE % {"name": template}
    for name in TEMPLATE_FILES:
        source = read_text(root / template / name)
        files[f"templates/{template}/{name}"] = (preamble + source).encode("utf-8")
    if partials:
        for folder in ("layout", "partials"):
            for path in sorted((root / folder).glob("*.j2")):
                files[f"templates/{folder}/{path.name}"] = path.read_bytes()
    return files


def _in_the_way(folder: Path, relative: str) -> Path | None:
    """A file where *relative* needs a folder, or a folder where it needs a file."""
    parts = relative.split("/")
    for depth in range(1, len(parts)):
        parent = folder.joinpath(*parts[:depth])
        if parent.exists() and not parent.is_dir():
            return parent
    target = folder.joinpath(*parts)
    return target if target.is_dir() and not target.is_symlink() else None


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def init_folder(
    folder: Path, *, template: str = "postcard", force: bool = False, partials: bool = False
) -> list[Path]:
    """Write the scaffold into *folder* (made if missing): everything, or nothing.

    :param template: the built-in design to copy into ``templates/<template>/``.
    :param force: overwrite files that exist (others in the folder are left alone).
    :param partials: also copy the built-in layout and partials into ``templates/``.
    :returns: the paths written, sorted.
    :raises InputError: a file exists (without *force*), something is in the way,
        the folder cannot be written, or *template* is not a built-in design.
    """
    files = scaffold_files(template, partials=partials)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: a file is in the way (not a folder)")
    writable_folder(folder)
    for relative in files:
        blocked = _in_the_way(folder, relative)
        if blocked is not None:
            kind = "a folder" if blocked.is_dir() else "a file"
            raise InputError(f"{blocked}: {kind} is in the way; nothing written")
    targets = {relative: folder.joinpath(*relative.split("/")) for relative in files}
    existing = [t for t in targets.values() if t.exists() or t.is_symlink()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InputError(f"{existing[0]}: exists{more}; nothing written (--force overwrites)")
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".delightmail-init-", dir=folder))
    except OSError as exc:
        raise InputError(f"{folder}: cannot write: {exc.strerror or exc}") from None
    try:
        _move_into_place(files, targets, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for made_folder in made:  # innermost first; what is not empty stays
            with suppress(OSError):
                made_folder.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return sorted(targets.values())


def _move_into_place(files: dict[str, bytes], targets: dict[str, Path], staging: Path) -> None:
    """Stage every file under *staging*, then move each over its target; on any
    failure put back what was there and remove the folders it made."""
    done: list[tuple[Path, Path | None]] = []  # each target, and where its old file went
    new_dirs: list[Path] = []
    current = staging
    try:
        for relative, data in files.items():
            current = targets[relative]
            _write_new(staging / "new" / relative, data)
        for relative, target in targets.items():
            current = target
            for parent in reversed(target.parents):
                if not parent.exists():
                    parent.mkdir()
                    new_dirs.append(parent)
            backup = None
            if target.exists() or target.is_symlink():
                backup = staging / "old" / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
            done.append((target, backup))
            os.replace(staging / "new" / relative, target)
    except BaseException as exc:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        for folder in reversed(new_dirs):
            with suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise InputError(f"{current}: cannot write: {exc.strerror or exc}") from None
        raise


# -- what preview finds in a folder ------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """What ``delightmail preview`` shows: the orders, designs and packs it was given,
    or found in the current folder (``found``: what it took from there, to say so)."""

    orders: Path
    template_dirs: tuple[Path, ...] = ()
    pack_dirs: tuple[Path, ...] = ()
    found: tuple[str, ...] = ()


def _has_designs(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    if any(path.resolve() == folder.resolve() for path in template_dirs()):
        return False  # the repository's own built-in templates: searched anyway
    return any(folder.glob(f"*/{TEMPLATE_FILES[0]}")) or any(
        (folder / name).is_dir() for name in ("layout", "partials")
    )


def project_defaults(
    orders: Path | None = None,
    template_dirs: tuple[Path, ...] = (),
    pack_dirs: tuple[Path, ...] = (),
    *,
    folder: Path = Path(),
) -> Project:
    """What to preview: what was given, and for what was not, what *folder* (default:
    the current one) holds as ``delightmail init`` lays it out.

    - the orders: ``orders/`` when it is a folder, else the repository's
      ``examples/orders`` (whose ``merchant.json`` is beside it);
    - the designs: ``templates/`` when it holds a design, a layout or partials (and
      is not the repository's built-in templates);
    - the packs: ``packs/`` when it holds a ``.toml`` pack.

    :raises InputError: no orders were given and there are none to find.
    """
    found: list[str] = []
    if orders is None:
        orders = folder / ORDERS if (folder / ORDERS).is_dir() else REPOSITORY_ORDERS
        if orders == REPOSITORY_ORDERS and not orders.is_dir():
            raise InputError(
                f"no orders to preview: no {ORDERS}/ here (delightmail init makes a folder "
                "with example orders), and no PATH given"
            )
        if orders != REPOSITORY_ORDERS:
            found.append(f"orders from {orders}/")
    designs = folder / "templates"
    if not template_dirs and _has_designs(designs):
        template_dirs = (designs,)
        found.append(f"designs from {designs}/")
    packs = folder / "packs"
    if not pack_dirs and packs.is_dir() and any(packs.glob("*.toml")):
        pack_dirs = (packs,)
        found.append(f"story packs from {packs}/")
    return Project(orders, template_dirs, pack_dirs, tuple(found))
