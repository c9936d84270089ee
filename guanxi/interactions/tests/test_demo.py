import pytest

from guanxi.core.registry import DemoContext, registry
from guanxi.interactions.models import Appointment, ContactSummary, Interaction, Task, VisitTarget


def _run(seed: int) -> DemoContext:
    ctx = DemoContext(seed=seed, customers=60, stdout=lambda _line: None)
    for generator in registry.demo_generators:
        generator.run(ctx)
    return ctx


@pytest.mark.django_db(transaction=True)
def test_demo_is_realistic_and_deterministic() -> None:
    ctx = _run(7)
    reps = ctx.data["reps"]
    visits = Interaction.objects.filter(channel__in=["V", "M"]).count()
    per_rep_month = visits / len(reps) / 3
    assert 5 <= per_rep_month <= 13  # about nine visits per rep per month, as in the seed
    assert Interaction.objects.filter(channel="T").count() > visits
    first = sorted(Interaction.objects.values_list("customer_id", "channel", "notes"))
    assert ContactSummary.objects.count() == Interaction.objects.values("customer").distinct().count()
    statuses = set(Appointment.objects.values_list("status", flat=True))
    assert {"visited", "cancelled"} <= statuses
    assert Task.objects.filter(done_at__isnull=True, kind="visit").exists()
    assert VisitTarget.objects.count() == len(reps)
    # The home page has a digest to show right after `guanxi demo`.
    from guanxi.interactions.models import ReminderDigest

    assert ReminderDigest.objects.filter(user=reps[0]).exists()
    for model in (Interaction, ContactSummary, Appointment, Task, VisitTarget):
        model.objects.all().delete()
    from guanxi.interactions.demo import generate

    generate(ctx)
    assert sorted(Interaction.objects.values_list("customer_id", "channel", "notes")) == first
