"""The label-only migration operations (warroom.core.migration_ops): a change of labels
re-renders nothing and writes no SQL; any other change is the Django operation's."""

from __future__ import annotations

from django.db import models
from django.db.migrations.state import ModelState, ProjectState

from warroom.core.migration_ops import RelabelField, RelabelModel


def _rendered() -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState(
            "t",
            "area",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=10, verbose_name="name")),
            ],
            options={"verbose_name": "area", "ordering": ["id"]},
        )
    )
    state.add_model(
        ModelState(
            "t",
            "home",
            [
                ("id", models.AutoField(primary_key=True)),
                ("area", models.ForeignKey("t.area", models.CASCADE, verbose_name="area")),
            ],
        )
    )
    state.apps  # noqa: B018  (rendered, as the migration executor renders it)
    return state


def _fresh(state: ProjectState) -> ProjectState:
    """The same model states, rendered anew (what a later operation renders)."""
    return ProjectState(models=dict(state.models))


def test_a_label_of_a_key_changes_the_state_and_re_renders_nothing():
    state = _rendered()
    before = {name: state.apps.get_model("t", name) for name in ("area", "home")}
    old = state.clone()
    op = RelabelField(
        "home", "area", models.ForeignKey("t.area", models.CASCADE, verbose_name="小区")
    )
    op.state_forwards("t", state)
    assert state.models["t", "home"].fields["area"].verbose_name == "小区"
    assert {name: state.apps.get_model("t", name) for name in before} == before
    home = _fresh(state).apps.get_model("t", "home")
    assert home._meta.get_field("area").verbose_name == "小区"
    op.database_forwards("t", None, old, state)  # no schema editor needed: no SQL
    op.database_backwards("t", None, state, old)


def test_any_other_change_of_a_field_is_an_alter_field():
    state = _rendered()
    area = state.apps.get_model("t", "area")
    op = RelabelField("area", "name", models.CharField(max_length=20, verbose_name="名称"))
    op.state_forwards("t", state)
    rendered = state.apps.get_model("t", "area")
    assert rendered is not area  # re-rendered, as AlterField does
    assert rendered._meta.get_field("name").max_length == 20
    calls: list[tuple] = []

    class Editor:
        connection = type("C", (), {"alias": "default"})()

        def alter_field(self, model, old, new):
            calls.append((model._meta.model_name, old.max_length, new.max_length))

    op.database_forwards("t", Editor(), _rendered(), state)
    assert calls == [("area", 10, 20)]


def test_a_models_names_re_render_nothing_other_options_do():
    state = _rendered()
    area = state.apps.get_model("t", "area")
    RelabelModel("area", {"verbose_name": "区域", "ordering": ["id"]}).state_forwards("t", state)
    assert state.models["t", "area"].options["verbose_name"] == "区域"
    assert state.apps.get_model("t", "area") is area
    assert _fresh(state).apps.get_model("t", "area")._meta.verbose_name == "区域"
    RelabelModel("area", {"verbose_name": "区域", "ordering": ["name"]}).state_forwards("t", state)
    assert state.apps.get_model("t", "area") is not area
    assert state.apps.get_model("t", "area")._meta.ordering == ["name"]
