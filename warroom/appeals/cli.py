"""`warroom appeals ...`: escalate overdue appeals; evaluate the triage classifier."""

from __future__ import annotations

import time

import typer

app = typer.Typer(help="群众诉求 / Citizen appeals.", no_args_is_help=True)


def _setup() -> None:
    from warroom.core import cli

    cli.setup()


@app.command("escalate", help="升级超时诉求 / Escalate every appeal past its deadline.")
def escalate() -> None:
    """Idempotent and safe on several workers at once (each appeal claimed by a conditional
    UPDATE); run it every few minutes (cron, or the worker's periodic job)."""
    _setup()
    from warroom.appeals.services import escalate_overdue
    from warroom.core.context import SYSTEM

    n = escalate_overdue(actor=SYSTEM)
    typer.echo(f"{n} appeals escalated")


@app.command("evaluate", help="分类器准确率 / The classifier's accuracy on the held-out set.")
def evaluate() -> None:
    """Fit on the labelled set's train split, report accuracy and per-class recall on its
    test split (phrasings never seen in training)."""
    from warroom.analytics import appeals_text
    from warroom.appeals import triage

    test = triage.labelled("test")
    t0 = time.perf_counter()
    category_model, urgency_model = triage.models("train")
    fitted = time.perf_counter() - t0
    texts = [r["text"] for r in test]
    typer.echo(f"labelled set: {len(triage.labelled('train'))} train, {len(test)} test rows")
    typer.echo(f"fitted in {fitted:.2f} s (jieba's dictionary included)")
    for name, model, key in (
        ("category", category_model, "category"),
        ("urgency", lambda t: triage.urgency(urgency_model, t), "urgency"),
    ):
        ev = appeals_text.evaluate(model, texts, [r[key] for r in test])
        typer.echo(f"{name}: accuracy {ev.accuracy:.3f} on {ev.n}")
        for label, recall in ev.recall.items():
            typer.echo(f"  {label:<14} recall {recall:.3f}  (n={ev.support[label]})")
