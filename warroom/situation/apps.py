from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "warroom.situation"
    label = "situation"
    verbose_name = _("Situation room")

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.situation.services import daily_step

        register_step(
            "situation.analytics",
            daily_step,
            after_if_present=("surveillance.aggregates", "surveillance.quality"),
            label="态势研判 / situation: phases, Rt, forecast",
        )
