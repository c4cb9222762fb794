from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "warroom.appeals"
    label = "appeals"
    verbose_name = _("Citizen appeals")

    def ready(self) -> None:
        from warroom.core.daily import register_step

        from . import cycle

        register_step(
            "appeals_escalate", cycle.escalate_step, label="appeals: escalate overdue appeals"
        )
