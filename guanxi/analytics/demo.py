"""Demo data: one analytics run over the demo orders, so the dashboards and tabs have figures."""

from __future__ import annotations

from django.db import connections

from guanxi.core.registry import DemoContext


def generate(ctx: DemoContext) -> None:
    from guanxi.analytics import services
    from guanxi.analytics.choices import RunTrigger

    if ctx.using != "default" or connections[ctx.using].vendor not in ("postgresql", "sqlite"):
        ctx.stdout("analytics: skipped (runs read the default database)")
        return
    ctx.progress("analytics", 0, 1, "one analytics run (extract, score, cluster, basket)")
    run = services.run_now(actor=None, trigger=RunTrigger.COMMAND)
    ctx.progress("analytics", 1, 1)
    if run.state != "done":
        ctx.stdout(f"analytics: run {run.pk} failed: {run.error}")
        return
    seconds = sum(run.diagnostics.get("timings", {}).values())
    ctx.stdout(f"analytics: {run.fitted.get('customers', 0):,} customers scored in {seconds:.1f} s")
