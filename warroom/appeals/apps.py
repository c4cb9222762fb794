from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "warroom.appeals"
    label = "appeals"
    verbose_name = "citizen appeals"

    def ready(self) -> None:
        from warroom.core.daily import register_step

        from . import cycle

        register_step(
            "appeals_escalate", cycle.escalate_step, label="appeals: escalate overdue appeals"
        )
