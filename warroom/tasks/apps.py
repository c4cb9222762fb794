from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "warroom.tasks"
    label = "tasks"
    verbose_name = "tasks"
