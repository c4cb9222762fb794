from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "warroom.core"
    label = "core"
    verbose_name = "warroom core"

    def ready(self) -> None:
        from warroom.core import lookups  # noqa: F401  (registers field__under)
