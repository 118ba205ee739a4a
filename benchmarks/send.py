"""What a sending backend pays, all in one run: start, validation, render, message bytes,
a peer pipeline, and batches. Every figure is measured here, now, on this machine; the
ratios are what counts (the machines are shared and noisy).

Run: .venv/bin/python benchmarks/send.py   (or: make bench)
     .venv/bin/python benchmarks/send.py --batch 20000,100000   (the README's batch figures)

The batches are rendered by this tree and, on the same orders, by the tree issue 11 was
filed against (a git worktree of --baseline; '' for none).

The peer is what a Python user would build by hand: the same MJML template rendered by
Jinja, then mjml-python and css-inline (a Rust CSS inliner) for every email. A second
peer, when Node and its packages are there (npm ci --prefix benchmarks/react-email, which
make bench does): the email as a React Email user would write it, rendered to HTML and
plain text from the same facts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import make_order  # noqa: E402

from delightmail import Mailer, Merchant  # noqa: E402

SENDER = "Groove Harbor <orders@groove-harbor.example.com>"
#: Issue 11's targets: Mailer.render(dict) of a 1,000-line order in at most 15 ms, and
#: render(dict) at most 1.5 times render(Order) at 3 lines.
TARGET_1000 = 0.015
TARGET_RATIO_3 = 1.5
#: The send path (render and message bytes) at most twice render(Order), and the peer
#: pipeline at least three times render(dict), both at 3 lines.
TARGET_SEND = 2.0
TARGET_PEER = 3.0
#: A batch with every core at least four times the emails a second of the tree the issue
#: was filed against (one process, a sync for every file), on the same orders.
TARGET_BATCH = 4.0
#: The ratios printed: each the median of every round's own.
RATIOS = (
    ("render(dict)", "render(Order)"),
    ("render + to_bytes()", "render(Order)"),
    ("render + to_message().as_bytes()", "render(Order)"),
    ("peer: Jinja → MJML → css-inline", "render(dict)"),
)
ROUNDS = 9


def interleaved(calls: dict[str, Callable[[], Any]], budget: float) -> list[dict[str, float]]:
    """Seconds per call of each of *calls*, measured in turn in each of :data:`ROUNDS`
    rounds (one round: a batch of each), spending about *budget* seconds in all."""
    batch: dict[str, int] = {}
    for name, fn in calls.items():
        fn()  # warm caches
        started = time.perf_counter()
        fn()
        once = max(time.perf_counter() - started, 1e-7)
        batch[name] = max(1, int(budget / len(calls) / ROUNDS / once))
    rounds = []
    for _ in range(ROUNDS):
        taken = {}
        for name, fn in calls.items():
            started = time.perf_counter()
            for _ in range(batch[name]):
                fn()
            taken[name] = (time.perf_counter() - started) / batch[name]
        rounds.append(taken)
    return rounds


def in_fresh_python(code: str, cache: str, repeats: int = 5) -> float:
    """The median of *repeats* runs of *code* in a fresh interpreter (it prints seconds)."""
    # As an installed package runs: with its bytecode written (and then read).
    env = {**os.environ, "DELIGHTMAIL_CACHE_DIR": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


START = """
import time
t = time.perf_counter()
{body}
print(time.perf_counter() - t)
"""
IMPORT = START.format(body="import delightmail")
FROM_IMPORT = START.format(body="from delightmail import Mailer, Merchant")
FIRST_MAILER = """
import json, time
from delightmail import Mailer, Merchant
merchant = json.load(open({merchant!r}))
t = time.perf_counter()
Mailer(merchant)
print(time.perf_counter() - t)
"""


PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peer(merchant: Merchant) -> Callable[[Any], str]:
    """Jinja → mjml-python → css-inline for each email, with delightmail's own context."""
    import css_inline
    import jinja2
    import mjml

    from delightmail import i18n
    from delightmail.filters import FILTERS

    # As a user builds it: Jinja's own environment (delightmail's compiles with a code
    # generator of its own), with delightmail's filters and gettext, loading the
    # design's layout and partials itself.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    i18n.install(env)
    template = env.get_template("postcard/email.mjml.j2")
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False)
    context_of = Mailer(merchant).context
    assert isinstance(template, jinja2.Template)
    return lambda data: inliner.inline(mjml.mjml2html(template.render(context_of(data))))


REACT_EMAIL = Path(__file__).resolve().parent / "react-email"


def react_email(mailer: Mailer, order: Any, seconds: float) -> float | None:
    """Seconds per email of the React Email peer (HTML and plain text, Node in production
    mode) for *order*'s facts as delightmail tells them; ``None`` without Node or its
    packages."""
    node = shutil.which("node")
    if node is None or not (REACT_EMAIL / "node_modules" / "@react-email").is_dir():
        return None
    context = mailer.context(order)
    story, valid = context["story"], context["order"]
    currency = valid.currency

    def money(value: Any) -> str:
        return f"{value.amount} {currency}"

    facts = {
        "lang": context["lang"],
        "preheader": context["preheader"],
        "heading": context["subject"],
        "paragraphs": list(story.paragraphs),
        "lines": [
            {
                "name": line.name,
                "variant": line.variant,
                "quantity": str(line.quantity),
                "price": money(line.line_total),
                "image": str(line.image_url) if line.image_url else None,
            }
            for line in context["lines_shown"]
        ],
        "totals": [
            ["Subtotal", money(valid.line_subtotal)],
            ["Shipping", money(valid.shipping_total)],
            ["Total", money(valid.total)],
        ],
        "address": list(context["shipping_lines"]),
        "status_url": str(valid.status_url or "https://example.com/"),
        "status_label": "View your order",
        "footer": f"You are receiving this email because you placed order {valid.number}.",
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "facts.json"
        path.write_text(json.dumps(facts), encoding="utf-8")
        done = subprocess.run(
            [node, str(REACT_EMAIL / "bench.mjs"), str(path), str(seconds)],
            env={**os.environ, "NODE_ENV": "production"},
            cwd=REACT_EMAIL, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    if done.returncode != 0:  # the other figures still count
        lines = done.stderr.strip().splitlines() or ["no output"]
        said = next((line for line in lines if "Error" in line), lines[-1])
        print(f"  React Email: failed ({said.strip()})")
        return None
    return float(json.loads(done.stdout)["ms"]) / 1000


#: The commit issue 11 was filed against: ``--baseline`` renders the same orders with it.
ISSUE_BASE = "bbb5a58"

ORDERS = """
import json, sys
from delightmail.lint import order_matrix
count, step = int(sys.argv[2]), 10_000
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    for start in range(0, count, step):
        for order in order_matrix(min(step, count - start)):
            order["number"] = f"#{start}-{order['number']}"
            handle.write(json.dumps(order) + "\\n")
"""


def write_orders(tree: Path, path: Path, count: int) -> None:
    """*count* orders of *tree*'s own generated matrix, one a line (an older tree's
    orders give only the fields it knew, so that both trees read them)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    subprocess.run([sys.executable, "-c", ORDERS, str(path), str(count)], env=env, check=True)


def batch(tree: Path, orders: Path, count: int, jobs: int | None, out: Path) -> tuple[float, float]:
    """Render *orders* with *tree*'s ``delightmail render`` (``--jobs`` when given) into the
    new folder *out*: emails a second and the peak resident memory of its largest
    process, in MB."""
    command = [sys.executable, "-m", "delightmail", "render", str(orders),
               "--merchant", "examples/merchant.json", "-o", str(out)]  # fmt: skip
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    started = time.perf_counter()
    # Through a fresh interpreter that reports its children's peak alone (this
    # process's children include the compiles measured above).
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command],
        cwd=tree, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = int(done.stdout.strip().splitlines()[-1])
    return count / seconds, peak / 1024


def batches(sizes: list[int], baseline: str | None) -> None:
    """The batch figures: this tree with one worker and with every core, and with
    *baseline* (a git revision, as a worktree) beside it on the same orders."""
    jobs = len(os.sched_getaffinity(0))
    print(f"batch: delightmail render of generated orders (.jsonl), {jobs} cores; peak RSS")
    with tempfile.TemporaryDirectory() as tmp:
        base: Path | None = None
        if baseline is not None:
            base = Path(tmp) / "baseline"
            added = subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), baseline],
                capture_output=True, text=True,
            )  # fmt: skip
            if added.returncode != 0:
                print(f"  baseline {baseline}: not measured ({added.stderr.strip()})")
                base = None
        try:
            for count in sizes:
                orders = Path(tmp) / f"orders-{count}.jsonl"
                write_orders(base or ROOT, orders, count)
                figures = ""
                # Each run writes into a folder of its own, and all are removed at the end:
                # a file system may make the files written just after a removal pay for it
                # (ext4 mounted with discard does, several times over).
                out = Path(tmp) / f"out-{count}"
                then = None
                if base is not None:
                    try:
                        then, then_mb = batch(base, orders, count, None, out / "baseline")
                        figures = f"{baseline}: {then:7,.0f}/s ({then_mb:4.0f} MB)   "
                    except subprocess.CalledProcessError as exc:
                        # (bbb5a58 reads a whole file, and refuses one over 64 MB.)
                        lines = (exc.stderr or "").strip().splitlines() or ["no output"]
                        said = next((line for line in lines if "error:" in line), lines[-1])
                        figures = f"{baseline}: not measured ({said.strip()})   "
                one, one_mb = batch(ROOT, orders, count, 1, out / "one")
                all_, all_mb = batch(ROOT, orders, count, jobs, out / "all")
                figures += (
                    f"--jobs 1: {one:7,.0f}/s ({one_mb:4.0f} MB)   "
                    f"--jobs {jobs}: {all_:7,.0f}/s ({all_mb:4.0f} MB)   x{all_ / one:.2f}"
                )
                if then is not None:
                    met = "met" if all_ / then >= TARGET_BATCH else "NOT met"
                    figures += (
                        f"; x{all_ / then:.2f} {baseline} (at least x{TARGET_BATCH:.0f}: {met})"
                    )
                print(f"  {count:>7,} orders  {figures}")
        finally:
            if base is not None:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                    capture_output=True,
                )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per figure")
    parser.add_argument("--batch", default="2000,10000", help="batch sizes to render")
    parser.add_argument(
        "--baseline",
        default=ISSUE_BASE,
        help="a git revision to render the same batches with, beside this tree ('' for none; "
        f"default {ISSUE_BASE}, the tree issue 11 was filed against)",
    )
    args = parser.parse_args()
    merchant_path = ROOT / "examples" / "merchant.json"
    merchant = Merchant.model_validate_json(merchant_path.read_text())

    print("start (a fresh interpreter, median of 5)")
    with tempfile.TemporaryDirectory() as cache:
        imported = in_fresh_python(IMPORT, cache)
        from_imported = in_fresh_python(FROM_IMPORT, cache)
        cold = in_fresh_python(FIRST_MAILER.format(merchant=str(merchant_path)), cache, 1)
        warm = in_fresh_python(FIRST_MAILER.format(merchant=str(merchant_path)), cache)
    print(f"  import delightmail                    {imported * 1000:8.1f} ms")
    print(f"  from delightmail import Mailer        {from_imported * 1000:8.1f} ms")
    print(f"  first Mailer, cold (compiles)         {cold * 1000:8.1f} ms")
    print(f"  first Mailer, warm (disk cache)       {warm * 1000:8.1f} ms")
    Mailer(merchant)
    data = json.loads(merchant_path.read_text())
    others = []
    for i in range(3):
        started = time.perf_counter()
        Mailer({**data, "name": f"Another Shop {i}"})
        others.append(time.perf_counter() - started)
    # Each locale once (the first mailer in it), German first: one figure alone may
    # carry a full collection of the process's objects, which lands on whichever call
    # happens to be allocating then.
    locales = []
    for name in ("de", "fr", "es", "nl"):
        started = time.perf_counter()
        Mailer(merchant, locale=name)
        locales.append(time.perf_counter() - started)
    print(f"  another merchant                      {statistics.median(others) * 1000:8.1f} ms")
    print(
        f"  another locale: German                {locales[0] * 1000:8.1f} ms"
        f"   (median of German, French, Spanish, Dutch {statistics.median(locales) * 1000:.1f} ms)"
    )
    print()

    mailer = Mailer(merchant)
    inline = peer(merchant)
    print("per email (interleaved rounds: median per call; ratios are medians of each")
    print("round's own ratio, so a machine that slows down mid-run skews no ratio)")
    print("                            3 lines      1,000 lines")
    figures: dict[str, dict[int, float]] = {}
    ratios: dict[tuple[str, str], dict[int, float]] = {}
    for size in (3, 1000):
        order = make_order(size)
        raw = order.model_dump(mode="json")
        calls: dict[str, Callable[[], Any]] = {
            "render(Order)": lambda o=order: mailer.render(o),
            "render(dict)": lambda d=raw: mailer.render(d),
            "render + to_bytes()": lambda o=order: mailer.render(o).to_bytes(sender=SENDER),
            "render + to_message().as_bytes()": (
                lambda o=order: mailer.render(o).to_message(sender=SENDER).as_bytes()
            ),
            "peer: Jinja → MJML → css-inline": lambda d=raw: inline(d),
        }
        rounds = interleaved(calls, args.budget * len(calls))
        for name in calls:
            figures.setdefault(name, {})[size] = statistics.median(r[name] for r in rounds)
        for pair in RATIOS:
            ratios.setdefault(pair, {})[size] = statistics.median(
                r[pair[0]] / r[pair[1]] for r in rounds
            )
    react = {size: react_email(mailer, make_order(size), args.budget) for size in (3, 1000)}
    react_measured = react[3] is not None and react[1000] is not None
    for name, by_size in figures.items():
        print(f"  {name:<36} {by_size[3] * 1000:7.3f} ms {by_size[1000] * 1000:10.2f} ms")
    if react_measured:
        name = "peer: React Email render() (Node)"
        print(f"  {name:<36} {react[3] * 1000:7.3f} ms {react[1000] * 1000:10.2f} ms")
    print()
    for (top, bottom), by_size in ratios.items():
        label = f"{top} / {bottom}"
        print(f"  {label:<52} {by_size[3]:6.2f}x {by_size[1000]:8.2f}x")
    if react_measured:
        # Node runs on its own, after the rounds: a ratio of two figures, not of rounds.
        dict_3, dict_1000 = figures["render(dict)"][3], figures["render(dict)"][1000]
        label = "peer: React Email (apart) / render(dict)"
        print(f"  {label:<52} {react[3] / dict_3:6.2f}x {react[1000] / dict_1000:8.2f}x")
    else:
        print("  React Email: not measured (needs Node and npm ci --prefix benchmarks/react-email)")
    big_dict = figures["render(dict)"][1000]
    ratio_3 = ratios["render(dict)", "render(Order)"][3]
    print()
    print(
        f"  targets: render(dict) at 1,000 lines {big_dict * 1000:.2f} ms (at most "
        f"{TARGET_1000 * 1000:.0f}: {'met' if big_dict <= TARGET_1000 else 'NOT met'}); "
        f"render(dict) {ratio_3:.2f}x render(Order) at 3 lines (at most {TARGET_RATIO_3:.1f}x: "
        f"{'met' if ratio_3 <= TARGET_RATIO_3 else 'NOT met'})"
    )
    sending = ratios["render + to_bytes()", "render(Order)"][3]
    peer_3 = ratios["peer: Jinja → MJML → css-inline", "render(dict)"][3]
    send_met = "met" if sending <= TARGET_SEND else "NOT met"
    peer_met = "met" if peer_3 >= TARGET_PEER else "NOT met"
    print(
        f"           send path {sending:.2f}x render (at most {TARGET_SEND:.0f}x: {send_met}); "
        f"the peer takes {peer_3:.2f}x render(dict) (at least {TARGET_PEER:.0f}x: {peer_met})"
    )
    print()

    sizes = [int(s) for s in args.batch.split(",") if s]
    if sizes:
        batches(sizes, args.baseline or None)


if __name__ == "__main__":
    main()
