"""The catalog reader: a broken or unsafe .po file is a CatalogError naming the file,
the line and the msgid, and a valid one reads as Babel would write it."""

from __future__ import annotations

import gettext
import io
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.pofile import write_po
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import CatalogError, Mailer, Merchant, _po
from delightmail.i18n import LOCALE_DIR

from .conftest import FIXTURES

BROKEN = FIXTURES / "catalogs"

#: Each deliberately broken catalog: the line it is blamed on, and words the message says.
CASES = [
    ("unterminated-string.po", 3, "quoted string"),
    ("renamed-placeholder.po", 3, "'Hi %(name)s!'"),
    ("missing-placeholder.po", 3, "'Order %(number)s'"),
    ("lone-percent.po", 2, "%% for a percent sign"),
    ("positional-placeholder.po", 3, "'%s' is not a placeholder"),
    ("number-for-text.po", 3, "%(number)d where the msgid has %(number)s"),
    ("markup.po", 2, "may not add tags"),
    ("duplicate.po", 5, "twice (first on line 2)"),
    ("no-msgstr.po", 2, "'Total' has no msgstr"),
    ("unknown-escape.po", 3, "unknown escape \\q"),
    ("unknown-keyword.po", 3, "expected msgctxt, msgid"),
    ("bad-plural-forms.po", 2, "not an expression gettext can use"),
    ("plural-beyond-nplurals.po", 2, "beyond nplurals=2"),
    ("wrong-plural-count.po", 7, "3 plural forms; the header's Plural-Forms says nplurals=2"),
    ("half-translated-plural.po", 7, "msgstr[1]"),
    ("default-plural-count.po", 3, "the language's rule has nplurals=3"),
    ("latin-1-header.po", 2, "only UTF-8"),
    ("not-utf-8.po", 3, "not UTF-8"),
    ("control-character.po", 3, "control character"),
]


def install(folder: Path, source: Path | str, locale: str = "fr") -> Path:
    """Put *source* (a file, or the text of one) in *folder* as *locale*'s catalog."""
    target = folder / locale / "LC_MESSAGES" / "delightmail.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    else:
        target.write_text(source, encoding="utf-8")
    return target


@pytest.mark.parametrize(("name", "lineno", "says"), CASES, ids=[c[0][:-3] for c in CASES])
def test_a_broken_catalog_is_refused_at_load_naming_file_and_line(
    tmp_path: Path, merchant: Merchant, name: str, lineno: int, says: str
) -> None:
    """Making a Mailer with a broken catalog fails there, with the file, line and problem."""
    path = install(tmp_path, BROKEN / name)
    with pytest.raises(CatalogError) as caught:
        Mailer(merchant, locale_dirs=(tmp_path,))
    error = caught.value
    assert error.filename == str(path) and error.lineno == lineno
    assert says in error.message
    assert str(error).startswith(f"{path}, line {lineno}: ")


def test_a_huge_catalog_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """A file over the limit is refused by its size, naming it."""
    entry = 'msgid "Total"\nmsgstr "Total"\n\n'
    path = install(tmp_path, "# big\n" * (_po.MAX_CATALOG_BYTES // 6) + entry)
    with pytest.raises(CatalogError, match="more than 1,000,000 bytes") as caught:
        _po.read(path)
    assert caught.value.filename == str(path)


def test_a_folder_that_names_no_locale_is_refused(tmp_path: Path, merchant: Merchant) -> None:
    """A catalog must sit in a folder named for a locale Babel knows."""
    path = install(tmp_path, 'msgid "Total"\nmsgstr "Summe"\n', locale="klingon")
    with pytest.raises(CatalogError, match="'klingon' is not a locale") as caught:
        Mailer(merchant, locale_dirs=(tmp_path,))
    assert caught.value.filename == str(path)


def test_a_missing_folder_is_refused(tmp_path: Path, merchant: Merchant) -> None:
    """locale_dirs names folders that exist."""
    with pytest.raises(CatalogError, match="no such folder"):
        Mailer(merchant, locale_dirs=(tmp_path / "nowhere",))


@pytest.mark.parametrize("name", ["de", "de@formal"])
def test_the_built_in_catalogs_pass_the_same_checks(name: str) -> None:
    """delightmail's own catalogs are read by the same strict reader."""
    catalog = _po.read(LOCALE_DIR / name / "LC_MESSAGES" / "delightmail.po")
    assert catalog.nplurals == 2 and catalog.entries


def test_fuzzy_and_untranslated_messages_are_left_to_the_fallback() -> None:
    """A fuzzy or empty translation is not used: gettext looks in the next catalog."""
    text = '#, fuzzy\nmsgid "Total"\nmsgstr "Somme"\n\nmsgid "Subtotal"\nmsgstr ""\n'
    assert _po.parse(text, "x.po").entries == ()


def test_a_plural_form_may_leave_out_the_count() -> None:
    """A plural form ("one more thing") may leave out %(num)d, but no other placeholder."""
    text = (
        'msgid "…and %(num)d more thing"\nmsgid_plural "…and %(num)d more things"\n'
        'msgstr[0] "…et une autre chose"\nmsgstr[1] "…et %(num)d autres choses"\n'
    )
    (entry,) = _po.parse(text, "x.po").entries
    assert entry.strings == ("…et une autre chose", "…et %(num)d autres choses")


# -- properties ------------------------------------------------------------------------------

# Message text as translators write it: any printable text, quotes, backslashes and
# line breaks among it, and %% for a percent sign.
_PIECE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="%<") | (
    st.sampled_from(['"', "\\", "\n", "\t", "%%", "é", "…", " "])
)
_TEXT = st.lists(_PIECE, min_size=1, max_size=30).map("".join)
_NAMES = st.lists(st.sampled_from(["name", "number", "shop", "last4"]), unique=True, max_size=3)


def _po_text(messages: list[tuple[str | None, str, str]]) -> str:
    catalog = BabelCatalog(locale="fr", domain="delightmail", fuzzy=False)
    for context, msgid, msgstr in messages:
        catalog.add(msgid, msgstr, context=context)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=30)  # narrow: many strings continue on more lines
    return buffer.getvalue().decode("utf-8")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.none() | st.sampled_from(["button", "heading"]), _TEXT),
        _TEXT,
        min_size=1,
        max_size=8,
    )
)
def test_what_babel_writes_reads_back_the_same(
    messages: dict[tuple[str | None, str], str],
) -> None:
    """Any catalog Babel writes (escapes, wrapped lines, contexts) reads back message for
    message, and gettext then returns each translation."""
    text = _po_text([(ctx, msgid, msgstr) for (ctx, msgid), msgstr in messages.items()])
    catalog = _po.parse(text, "x.po")
    assert {(e.context, e.msgid): e.strings[0] for e in catalog.entries} == messages
    translations = _from_mo(_po.mo_bytes(catalog))
    for (context, msgid), msgstr in messages.items():
        found = translations.pgettext(context, msgid) if context else translations.gettext(msgid)
        assert found == msgstr


def _babel_mo(catalog: _po.Catalog) -> bytes:
    """*catalog* as Babel writes a .mo (what delightmail wrote with, before its own)."""
    from babel.messages.mofile import write_mo

    out = BabelCatalog(domain="delightmail", charset="utf-8", fuzzy=False)
    out.mime_headers = [("Plural-Forms", f"nplurals={catalog.nplurals}; plural={catalog.plural};")]
    for entry in catalog.entries:
        if entry.plural is not None:
            out.add((entry.msgid, entry.plural), entry.strings, context=entry.context)
        else:
            out.add(entry.msgid, entry.strings[0], context=entry.context)
    buffer = io.BytesIO()
    write_mo(buffer, out)
    return buffer.getvalue()


def _read_as_gettext_does(data: bytes) -> tuple[dict[object, str], list[int], str | None]:
    """What gettext reads of a .mo: every message (the header apart), the plural form
    of each count up to 200, and the charset."""
    translations = gettext.GNUTranslations(io.BytesIO(data))
    messages = {key: text for key, text in translations._catalog.items() if key != ""}  # type: ignore[attr-defined]
    return messages, [translations.plural(n) for n in range(200)], translations.charset()


_PLURAL_ENTRY = st.tuples(
    st.none() | st.sampled_from(["button", "heading"]),
    _TEXT,
    _TEXT,
    st.lists(_TEXT, min_size=1, max_size=3),
)


@pytest.mark.parametrize(
    "name", sorted(path.name for path in LOCALE_DIR.iterdir() if path.is_dir())
)
def test_the_mo_written_is_what_babel_writes_for_the_built_in_catalogs(name: str) -> None:
    catalog = _po.read(LOCALE_DIR / name / "LC_MESSAGES" / "delightmail.po")
    assert _read_as_gettext_does(_po.mo_bytes(catalog)) == _read_as_gettext_does(_babel_mo(catalog))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.none() | st.sampled_from(["button", "heading"]), _TEXT, _TEXT), max_size=8
    ),
    st.lists(_PLURAL_ENTRY, max_size=4),
    st.sampled_from(
        [(1, "0"), (2, "(n != 1)"), (2, "(n > 1)"), (3, "(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2)")]
    ),
)
def test_the_mo_written_reads_in_gettext_as_babels_does(
    singles: list[tuple[str | None, str, str]],
    plurals: list[tuple[str | None, str, str, list[str]]],
    rule: tuple[int, str],
) -> None:
    """Any messages, with contexts and plural forms, under any plural rule: gettext reads
    the same messages, forms and charset from the .mo delightmail writes as from Babel's."""
    nplurals, expression = rule
    entries = {
        (context, msgid): _po.Entry(msgid=msgid, context=context, strings=(msgstr,), lineno=1)
        for context, msgid, msgstr in singles
    }
    for context, msgid, plural, forms in plurals:
        strings = tuple((forms * nplurals)[:nplurals])
        entries[(context, msgid)] = _po.Entry(
            msgid=msgid, context=context, plural=plural, strings=strings, lineno=1
        )
    catalog = _po.Catalog(nplurals, expression, tuple(entries.values()))
    assert _read_as_gettext_does(_po.mo_bytes(catalog)) == _read_as_gettext_does(_babel_mo(catalog))


def _from_mo(data: bytes) -> object:
    from babel.support import Translations

    return Translations(io.BytesIO(data))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_reads_or_is_one_catalog_error_with_its_line(text: str) -> None:
    """Whatever a file holds, reading it either works or raises a CatalogError that names
    the file and a line of it: never another exception."""
    try:
        _po.parse(text, "x.po")
    except CatalogError as error:
        assert error.filename == "x.po"
        assert error.lineno is not None and 1 <= error.lineno <= text.count("\n") + 1


_LINES = st.sampled_from(
    ['msgid "Total"', 'msgstr "Somme"', 'msgid_plural "Totals"', 'msgstr[0] "a"',
     'msgstr[1] "b"', 'msgctxt "button"', '"continued"', "#, fuzzy", "# a comment",
     '#~ msgid "old"', "", 'msgid ""', 'msgstr ""', 'msgstr "%(x)s"', "msgid",
     '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"', 'msgstr "50 %"', 'msgid "%(name)s"',
     'msgstr "<b>"', 'msgstr[2] "c"'],
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=14))
def test_any_arrangement_of_po_lines_reads_or_is_one_catalog_error(lines: list[str]) -> None:
    """Real .po lines in any order (the mistakes a hand edit makes) read, or give a
    CatalogError on a line of the file; what reads has every translation usable."""
    text = "\n".join(lines)
    try:
        catalog = _po.parse(text, "x.po")
    except CatalogError as error:
        assert error.lineno is not None and 1 <= error.lineno <= len(lines) + 1
        return
    translations = _from_mo(_po.mo_bytes(catalog))
    for entry in catalog.entries:
        values = dict.fromkeys(_po.placeholders(entry.msgid), "x")
        for string in entry.strings:
            assert isinstance(string % values, str)
        assert translations is not None


@settings(max_examples=200, deadline=None)
@given(_NAMES, _NAMES)
def test_a_translation_is_refused_unless_it_has_the_msgids_placeholders(
    wanted: list[str], given_names: list[str]
) -> None:
    """Reading succeeds exactly when the translation's placeholders are the msgid's, and
    the error then names the msgid."""
    msgid = "Text " + " ".join(f"%({name})s" for name in wanted)
    msgstr = "Texte " + " ".join(f"%({name})s" for name in reversed(given_names))
    text = f'msgid "{msgid}"\nmsgstr "{msgstr}"\n'
    if set(wanted) == set(given_names):
        (entry,) = _po.parse(text, "x.po").entries
        assert entry.strings == (msgstr,)
    else:
        with pytest.raises(CatalogError) as caught:
            _po.parse(text, "x.po")
        assert repr(msgid) in caught.value.message and caught.value.lineno == 1
