import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from warroom.core.context import SYSTEM


def _quality_step(day: dt.date) -> str:
    from warroom.surveillance.services import do_check_quality

    result = do_check_quality(day, actor=SYSTEM)
    return (
        f"{result.found} findings in the last days; {result.created} new, "
        f"{result.resolved} no longer found"
    )


class SurveillanceConfig(AppConfig):
    name = "warroom.surveillance"
    label = "surveillance"
    verbose_name = _("Surveillance")

    def ready(self) -> None:
        from warroom.core.daily import register_step

        register_step(
            "surveillance.quality",
            _quality_step,
            after_if_present=("surveillance.aggregates",),
            label="数据质量 / data-quality checks",
        )
