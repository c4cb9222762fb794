"""Work beside the caller (warroom.core.aside): a thread and a connection of its own where
the database takes two writers, the caller's thread elsewhere; errors come back."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from warroom.core.aside import beside, two_writers
from warroom.core.context import acting, current


def _backend() -> object:
    """Who serves this thread's connection: PostgreSQL's backend pid, SQLite's handle."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    connection.ensure_connection()
    return id(connection.connection)


def _seen() -> tuple[int, object, str]:
    return threading.get_ident(), _backend(), current().resolve_actor()


@pytest.mark.django_db(transaction=True)
def test_work_aside_has_its_thread_and_connection_where_two_may_write():
    here = (threading.get_ident(), _backend())
    with acting("the-feed"):
        thread, backend, actor = beside(_seen).join()
    assert actor == "the-feed"  # the caller's context went with it
    if connection.vendor == "postgresql":
        assert two_writers()
        assert thread != here[0] and backend != here[1]
        with connection.cursor() as cursor:  # and its connection was closed when it ended
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
            assert cursor.fetchone()[0] == 0
    else:  # SQLite: one writer; the work is done at once, here
        assert not two_writers()
        assert (thread, backend) == here


@pytest.mark.django_db
def test_inside_a_transaction_the_work_is_done_at_once_in_it():
    assert connection.in_atomic_block and not two_writers()
    order: list[str] = []
    handle = beside(lambda: order.append("aside") or threading.get_ident())
    order.append("caller")
    assert handle.join() == threading.get_ident()
    assert order == ["aside", "caller"]


@pytest.mark.django_db(transaction=True)
def test_an_error_aside_is_raised_by_join():
    def fails() -> None:
        raise ValueError("row 3, column kind: unknown kind")

    if two_writers():
        handle = beside(fails)
        with pytest.raises(ValueError, match="row 3"):
            handle.join()
    else:
        with pytest.raises(ValueError, match="row 3"):
            beside(fails)
