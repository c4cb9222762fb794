from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "warroom.services"
    label = "services"
    verbose_name = "services to residents"
