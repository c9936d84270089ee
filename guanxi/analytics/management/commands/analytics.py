"""``guanxi analytics SUBCOMMAND``: customer analytics entry points.

Each subcommand is one entry in ``SUBCOMMANDS``: a help text, a function adding its arguments
to its sub-parser and the name of the ``Command`` method that runs it. Adding a subcommand
(for example ``run``) means adding one entry and one method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.analytics.compute.pipeline import ScoringOptions
from guanxi.analytics.fitfile import FitFileError, fit_file, fit_json, write_scores


@dataclass(frozen=True)
class Subcommand:
    """How one subcommand is declared and dispatched."""

    help: str
    add_arguments: Callable[[CommandParser], None]
    handler: str


def add_fit_file_arguments(parser: CommandParser) -> None:
    """Arguments of ``fit-file``."""
    parser.add_argument("path", type=Path, help="CSV/TSV or whitespace-separated transaction file")
    parser.add_argument("--customer-col", required=True, help="customer column: header name or 1-based position")
    parser.add_argument("--date-col", required=True, help="date column (2024-03-05, 2024/3/5 or 19970101)")
    parser.add_argument("--amount-col", required=True, help="amount column")
    parser.add_argument("--until", default=None, help="end of the observation period (default: last date)")
    parser.add_argument("--unit", choices=["day", "week"], default="day", help="time unit (a week is 7 days)")
    parser.add_argument("--out", type=Path, default=None, help="write per-customer scores to this CSV")
    parser.add_argument("--json", action="store_true", help="print the fitted parameters as JSON")
    parser.add_argument("--model", choices=["bgnbd", "paretonbd"], default="bgnbd",
                        help="purchase model for the scores (--json always reports BG/NBD and Gamma-Gamma)")
    parser.add_argument("--clv-months", type=int, default=12, help="CLV horizon in months (default 12)")
    parser.add_argument("--discount-rate", type=float, default=0.01, help="monthly discount rate (default 0.01)")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def add_run_arguments(parser: CommandParser) -> None:
    """Arguments of ``run``."""
    parser.add_argument("--until", type=_date, default=None,
                        help="calibration end (YYYY-MM-DD); reads orders instead of the purchase summary")
    parser.add_argument("--holdout-days", type=int, default=0,
                        help="days after the calibration end to compare predictions with (default 0)")
    parser.add_argument("--unit", choices=["day", "week"], default="day", help="time unit (a week is 7 days)")
    parser.add_argument("--model", choices=["bgnbd", "paretonbd"], default="",
                        help="purchase model (default: the GUANXI_ANALYTICS_MODEL setting, BG/NBD)")
    parser.add_argument("--json", action="store_true", help="print the run record as JSON")


SUBCOMMANDS: dict[str, Subcommand] = {
    "fit-file": Subcommand(
        help="fit BG/NBD and Gamma-Gamma on a transaction file and score its customers",
        add_arguments=add_fit_file_arguments,
        handler="handle_fit_file",
    ),
    "run": Subcommand(
        help="run the analytics over the database now (what the nightly job does) and print its summary",
        add_arguments=add_run_arguments,
        handler="handle_run",
    ),
}


class Command(BaseCommand):
    help = "Customer analytics (CLV, P(alive), RFM, lifecycle stages)."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, spec in SUBCOMMANDS.items():
            spec.add_arguments(subparsers.add_parser(name, help=spec.help, description=spec.help))

    def handle(self, *args: Any, **options: Any) -> None:
        spec = SUBCOMMANDS.get(str(options.get("subcommand")))
        if spec is None:
            raise CommandError(f"choose a subcommand: {', '.join(SUBCOMMANDS)}")
        getattr(self, spec.handler)(options)

    def handle_fit_file(self, options: dict[str, Any]) -> None:
        """Fit, optionally write scores, and print either JSON or a short human summary."""
        if options["clv_months"] < 1:
            raise CommandError("--clv-months must be at least 1")
        scoring = ScoringOptions(model=options["model"], clv_months=options["clv_months"],
                                 monthly_discount_rate=options["discount_rate"])
        try:
            scores = fit_file(
                options["path"],
                options["customer_col"],
                options["date_col"],
                options["amount_col"],
                until=options["until"],
                unit=options["unit"],
                options=scoring,
            )
            if options["out"] is not None:
                write_scores(scores, options["out"])
        except FitFileError as exc:
            raise CommandError(str(exc)) from exc
        doc = fit_json(scores)
        if options["json"]:
            self.stdout.write(json.dumps(doc, ensure_ascii=False))
            return
        self.stdout.write(self._describe(doc, scores.summary.unit, options["out"]))

    def handle_run(self, options: dict[str, Any]) -> None:
        """Run synchronously in this process; exit non-zero when the run is refused or fails."""
        from django.core.exceptions import ValidationError

        from guanxi.analytics import services
        from guanxi.analytics.choices import RunState, RunTrigger

        request = services.RunRequest(until=options["until"], holdout_days=options["holdout_days"],
                                      unit=options["unit"], model=options["model"] or "")
        try:
            run = services.run_now(actor=None, trigger=RunTrigger.COMMAND, request=request)
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{k.replace('_', '-')}: {' '.join(v)}"
                                         for k, v in exc.message_dict.items())) from exc
        if options["json"]:
            self.stdout.write(json.dumps({
                "run": run.pk, "state": run.state, "parameters": run.parameters, "fitted": run.fitted,
                "diagnostics": run.diagnostics, "error": run.error,
            }, ensure_ascii=False, default=str))
        else:
            self.stdout.write(self._describe_run(run))
        if run.state != RunState.DONE:
            raise CommandError(f"analytics run {run.pk} failed: {run.error}")

    @staticmethod
    def _describe_run(run: Any) -> str:
        fitted = run.fitted or {}
        lines = [f"run {run.pk}: {run.state} (until {run.parameters.get('until')}, unit {run.unit}, "
                 f"source {run.parameters.get('source')})",
                 f"customers: {fitted.get('customers', 0)}"]
        bg = fitted.get("bgnbd")
        if bg:
            lines.append("BG/NBD: r={r:.4g} alpha={alpha:.4g} a={a:.4g} b={b:.4g} log-likelihood={ll:.2f}".format(
                **{k: (v if v is not None else float("nan")) for k, v in bg.items()}))
        pareto = fitted.get("paretonbd")
        if pareto:
            lines.append(_pareto_line(pareto))
        gg = fitted.get("gamma_gamma")
        if gg:
            lines.append("Gamma-Gamma: p={p:.4g} q={q:.4g} v={v:.4g} log-likelihood={ll:.2f}".format(
                **{k: (v if v is not None else float("nan")) for k, v in gg.items()})
                + f" ({fitted.get('gg_excluded', 0)} customers left out)")
        elif fitted.get("customers"):
            lines.append("Gamma-Gamma: not fitted (no customer with repeat purchases and positive spend)")
        diag = run.diagnostics or {}
        if "stage_changes" in diag:
            lines.append(f"stage changes: {diag['stage_changes']}")
        if "clusters" in diag:
            lines.append(f"clusters: k={diag['clusters']['k']}")
        if "pairs" in diag:
            lines.append(f"bought-together pairs kept: {diag['pairs']['kept']} of {diag['pairs']['orders']} orders")
        if "holdout" in diag:
            h = diag["holdout"]
            lines.append(f"hold-out {h['days']} days: predicted {h['predicted_total']} purchases, "
                         f"actual {h['actual_total']}")
        if "timings" in diag:
            lines.append("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in diag["timings"].items()))
        return "\n".join(lines)

    @staticmethod
    def _describe(doc: dict[str, Any], unit: str, out: Path | None) -> str:
        lines = [f"customers: {doc['customers']} (time unit: {unit})"]
        if "bgnbd" in doc:
            lines.append("BG/NBD: r={r:.4g} alpha={alpha:.4g} a={a:.4g} b={b:.4g} log-likelihood={ll:.2f}".format(
                **doc["bgnbd"]))
        else:
            lines.append(_pareto_line(doc["paretonbd"]))
        gg = doc["gamma_gamma"]
        if gg is None:
            lines.append("Gamma-Gamma: not fitted (no customer with repeat purchases and positive spend)")
        else:
            lines.append("Gamma-Gamma: p={p:.4g} q={q:.4g} v={v:.4g} log-likelihood={ll:.2f}".format(**gg))
        if out is not None:
            lines.append(f"scores written to {out}")
        return "\n".join(lines)


def _pareto_line(params: dict[str, Any]) -> str:
    values = {k: (v if v is not None else float("nan")) for k, v in params.items()}
    return "Pareto/NBD: r={r:.4g} alpha={alpha:.4g} s={s:.4g} beta={beta:.4g} log-likelihood={ll:.2f}".format(**values)
