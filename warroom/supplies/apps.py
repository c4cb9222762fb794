from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "warroom.supplies"
    label = "supplies"
    verbose_name = "medical supplies"

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.supplies import steps

        register_step("supplies.verify", steps.verify_step, label="supplies: ledger check")
        register_step(
            "supplies.alerts",
            steps.alerts_step,
            after=("supplies.verify",),
            after_if_present=("beds.pools",),
            label="supplies: days of stock and alerts",
        )
