from django.apps import AppConfig


class WasteConfig(AppConfig):
    name = "warroom.waste"
    label = "waste"
    verbose_name = "medical waste"

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.waste import services

        register_step(
            "waste.balance",
            services.balance_step,
            label="医疗废物日产日清 / waste: same-day disposal",
        )
