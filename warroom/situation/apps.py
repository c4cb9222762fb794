from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "warroom.situation"
    label = "situation"
    verbose_name = _("Situation room")

    def ready(self) -> None:
        from warroom.beds.demand import register_case_series_provider
        from warroom.core.daily import register_step
        from warroom.situation.services import (
            briefing_step,
            case_series_from_situation,
            daily_step,
        )

        register_step(
            "situation.analytics",
            daily_step,
            after_if_present=("surveillance.aggregates", "surveillance.quality"),
            label="态势研判 / situation: phases, Rt, forecast",
            scoped=True,
        )
        register_step(
            "situation.briefing",
            briefing_step,
            after=("situation.analytics",),
            # It reads every app's results of the day (the rooms' panels: clearance,
            # certification, beds, quality, supplies, waste, appeals, tasks, the
            # supervision's rates and signals): after every step, and the anchor it prints.
            last=True,
            after_if_present=("audit.anchor",),
            label="每日动态通报 / the daily briefing",
            scoped=True,
        )
        # The capacity plan's case numbers: the city's series and this app's forecast.
        register_case_series_provider(case_series_from_situation)
