from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "warroom.core"
    label = "core"
    verbose_name = "warroom core"
