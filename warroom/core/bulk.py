"""Fast bulk writes: the importers, the daily cycle's per-area tables, dispatch.

Django's ``bulk_update`` builds a ``CASE WHEN`` per field per row and its ``bulk_create``
compiles one huge statement per batch; at the W1 peak day (86,000 rows) both dominate the
import. Here SQLite gets multi-row statements (never one statement a row: see
:func:`_sqlite_rows_per_statement`), and PostgreSQL
gets ``COPY`` (into the table, or into a temporary table that one ``UPDATE ... FROM``
applies), with primary keys drawn from the table's sequence beforehand when the caller
needs them. Values are prepared by the model fields themselves (``get_db_prep_save``),
exactly as the ORM would, except where the value is already what the driver takes (an int
for an integer column, a str for a text column): there the field's preparation is the
identity, and skipping it is most of the speed (a daily cycle writes millions of values).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import itertools
import json
import operator
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

BATCH = 5000  # rows per statement; also ids per IN (...) list, below SQLite's limit


def chunks(items: Sequence[T], size: int = BATCH) -> Iterable[Sequence[T]]:
    """``items`` in slices of ``size``: for IN (...) lists and batched statements."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


_gc_lock = threading.Lock()
_gc_holders = 0


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (an import of a large batch).

    An import allocates hundreds of thousands of containers it keeps until it ends (rows,
    people, steps); every 700 allocations the collector walks the young ones and, ever
    more often, all of them: 1.8-3.1 s of a W1 peak-day import, invisible to cProfile,
    for no garbage (what an import drops is freed by reference counting). Whatever was
    alive before is frozen out of the collector's sight as well. Nested and concurrent
    blocks (threads) share one switch: the collector comes back when the last ends.
    """
    global _gc_holders
    with _gc_lock:
        _gc_holders += 1
        if _gc_holders == 1:
            gc.disable()
            gc.freeze()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                gc.unfreeze()
                gc.enable()


def without_gc(fn: F) -> F:
    """Decorate an import service: it runs inside :func:`quiet_gc`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with quiet_gc():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


M = TypeVar("M", bound=models.Model)


def builder(model: type[M]) -> Callable[..., M]:
    """A fast maker of unsaved ``model`` instances, for importers building tens of thousands.

    ``Model(**kwargs)`` walks every field through descriptors and defaults (about 40 us a
    person, 200,000 times in a W1 peak day). The maker fills the same defaults from a
    template computed once (callable defaults are called per instance, as Django does)
    and takes values by field name or attname; a related object passed by name sets its
    id and is cached on the instance (``step.person`` is that very person). The instance
    is what Django's constructor makes: ``_state.adding`` true, saved by ``save()`` or
    the writers here. No ``pre_init``/``post_init`` signal is sent: use it only for
    models without receivers (the importers' rows).
    """
    template: dict[str, Any] = {}
    callables: list[tuple[str, Callable[[], Any]]] = []
    relations: dict[str, tuple[str, Callable[[Any], Any]]] = {}
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            callables.append((field.attname, field.default))
        else:
            template[field.attname] = field.get_default()
        if field.is_relation and field.name != field.attname:
            # The key the relation points at (what the descriptor would copy), read as
            # an attribute: not through the ``pk`` property.
            relations[field.name] = (
                field.attname,
                operator.attrgetter(field.target_field.attname),  # type: ignore[union-attr]
            )
    new = object.__new__
    by_name = frozenset(relations)

    def make(**values: Any) -> M:
        obj = new(model)
        data = dict(template)
        for name, default in callables:
            if name not in values:
                data[name] = default()
        state = ModelState()
        if not by_name.isdisjoint(values):  # a related object given, not its id
            cache = state.fields_cache
            for name in by_name.intersection(values):
                related = values.pop(name)
                attname, key = relations[name]
                data[attname] = None if related is None else key(related)
                cache[name] = related
        data.update(values)
        data["_state"] = state
        obj.__dict__.update(data)
        return obj

    return make


def bind_related(objs: Sequence[models.Model], name: str) -> None:
    """Set each of ``objs``' foreign key ``name`` to the key of the related object cached
    on it (built by :func:`builder` before that object was saved, so its id was unknown),
    keeping that object cached: ``obj.person = obj.person`` without the descriptors' work
    per row (37,000 transitions in a W1 line list); an object without one cached keeps its
    key. Only for a many-to-one key."""
    if not objs:
        return
    field = objs[0]._meta.get_field(name)
    if not field.many_to_one:
        raise ValueError(f"{name} is not a many-to-one relation")
    attname = field.attname  # type: ignore[union-attr]
    key = operator.attrgetter(field.target_field.attname)  # type: ignore[union-attr]
    for obj in objs:
        cache = obj._state.fields_cache
        if name in cache:  # else the key was set as an id: nothing to take over
            related = cache[name]
            obj.__dict__[attname] = None if related is None else key(related)


# What a converter gives that rows may share (a JSON column's lists may not be shared).
_SHAREABLE = frozenset({str, int, float, bool, dt.datetime, dt.date, type(None)})


def value_rows(queryset: Any) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset, the same values as iterating it gives, for
    tens of thousands of rows: each column's converter (SQLite's text times, a JSON
    column) runs once per distinct stored value when what it makes is immutable, and
    PostgreSQL's times are read by the driver's C loader (Django's own is Python, with a
    ``replace`` per value; the same aware UTC ``datetime`` comes out)."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    conn = connections[queryset.db]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql" and settings.USE_TZ and conn.timezone_name == "UTC":
            from psycopg.types.datetime import TimestamptzLoader

            # The optimised (C) loader: the session's zone is UTC, so datetime.timezone.utc.
            cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    if not rows or not converters:
        return [tuple(r) for r in rows]
    columns = [list(c) for c in zip(*rows, strict=True)]
    for i, (convs, expression) in converters.items():

        def convert(value: Any, convs: Any = convs, expression: Any = expression) -> Any:
            for conv in convs:
                value = conv(value, expression, conn)
            return value

        column = columns[i]
        try:
            distinct = {v: convert(v) for v in set(column)}
        except TypeError:  # an unhashable stored value: converted one by one
            distinct = None
        if distinct is not None and all(type(v) in _SHAREABLE for v in distinct.values()):
            columns[i] = list(map(distinct.__getitem__, column))
        else:
            columns[i] = list(map(convert, column))
    return list(zip(*columns, strict=True))


def loaded(queryset: Any, fields: Sequence[str] | None = None) -> list[Any]:
    """The instances of ``queryset`` (every concrete field), built by :func:`builder` from
    plain rows: without what ``from_db`` adds per row (an audited model's snapshot, 10,000
    of them for a file naming every area). An audited instance loaded so and saved later is
    audited as ever (its "before" is read from the database at save time).

    ``fields`` (names; the primary key is always read): a partial load, what
    ``queryset.only(*fields)`` gives: the other fields are deferred (read from the database
    if touched). The queryset's ``select_for_update`` and ordering are kept.
    """
    model = queryset.model
    names = attnames(model, fields)
    return from_rows(model, names, value_rows(queryset.values_list(*names)), queryset.db)


def attnames(model: type[models.Model], fields: Sequence[str] | None = None) -> list[str]:
    """The columns' attribute names of ``model`` to load: every concrete field's, or those
    of ``fields`` (names; the primary key always), in the model's order."""
    every = [f.attname for f in model._meta.concrete_fields]
    if fields is None:
        return every
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    wanted = {pk.attname} | {
        pk.attname if n == "pk" else model._meta.get_field(n).attname  # type: ignore[union-attr]
        for n in fields
    }
    return [a for a in every if a in wanted]


def from_rows(
    model: type[M], names: Sequence[str], rows: Iterable[Sequence[Any]], alias: str
) -> list[M]:
    """Instances of ``model`` as loaded from database ``alias``: each row gives the values
    of ``names`` (attribute names, :func:`attnames`: a field left out is deferred, read
    from the database when touched, as ``QuerySet.only`` leaves it). What
    :func:`builder` makes from every field, without its defaults, relations and keyword
    arguments per instance (34,000 people for a W1 results file)."""
    new = object.__new__
    out = []
    for row in rows:
        obj = new(model)
        data = dict(zip(names, row, strict=True))
        state = data["_state"] = ModelState()
        state.adding, state.db = False, alias
        obj.__dict__.update(data)
        out.append(obj)
    return out


# Columns whose field preparation returns a value of these exact types unchanged.
_INTEGER_KINDS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_PLAIN_TYPES: dict[str, frozenset[type]] = {
    **{kind: frozenset({int, type(None)}) for kind in _INTEGER_KINDS},
    "CharField": frozenset({str, type(None)}),
    "TextField": frozenset({str, type(None)}),
    "BooleanField": frozenset({bool, type(None)}),
    "FloatField": frozenset({float, int, type(None)}),
}


def _kind(field: Any) -> str:
    kind: str = field.get_internal_type()
    if kind in ("ForeignKey", "OneToOneField"):
        kind = field.target_field.get_internal_type()
    return kind


def _preparer(field: Any) -> Callable[[Any], Any]:
    """The field's ``get_db_prep_save`` with a short cut for values already plain.

    Dates and times: PostgreSQL's driver takes an aware ``datetime`` and a ``date`` as
    they are; SQLite stores them as text, and a batch holds few distinct moments (a line
    list's reports by the minute), so each distinct value is prepared once (memoised for
    the preparer's life: one bulk write).
    """
    slow = field.get_db_prep_save
    conn = connection
    kind = _kind(field)
    plain = _PLAIN_TYPES.get(kind)
    if plain is not None and kind in ("CharField", "TextField"):
        # A text field prepares any str (a state machine's enum member too) as itself.
        return lambda value: (
            value if type(value) in plain or isinstance(value, str) else slow(value, conn)
        )
    if plain is not None:
        return lambda value: value if type(value) in plain else slow(value, conn)
    if kind in ("DateTimeField", "DateField"):
        memo: dict[Any, Any] = {None: None}
        on_postgres = conn.vendor == "postgresql"
        date_only = kind == "DateField"

        # SQLite keeps an aware time as naive text in the connection's zone: what Django's
        # adapt_datetimefield_value does, without its checks per value.
        zone = None if on_postgres or date_only or not settings.USE_TZ else conn.timezone

        def prepare(value: Any) -> Any:
            if on_postgres and (
                type(value) is dt.date
                if date_only
                else type(value) is dt.datetime and value.tzinfo is not None
            ):
                return value
            try:
                return memo[value]
            except KeyError:
                if zone is not None and type(value) is dt.datetime and value.tzinfo is not None:
                    done = str(value.astimezone(zone).replace(tzinfo=None))
                else:
                    done = slow(value, conn)
                memo[value] = done
                return done
            except TypeError:  # unhashable: not a date, the field says what it is
                return slow(value, conn)

        return prepare
    if kind == "JSONField":
        # An empty list or object (a person's vulnerabilities, test schedule) is the
        # common value: prepared once per write.
        empties: dict[type, Any] = {}

        def prepare_json(value: Any) -> Any:
            if not value and type(value) in (list, dict):
                done = empties.get(type(value))
                if done is None:
                    done = empties[type(value)] = slow(value, conn)
                return done
            return slow(value, conn)

        return prepare_json
    return lambda value: slow(value, conn)


def _values(objs: Sequence[models.Model], attname: str) -> list[Any]:
    """The field ``attname`` of each of ``objs``: read from the instances' dictionaries
    (a foreign key's id is otherwise read through its descriptor, in Python), or through
    the attribute if one of them has it deferred."""
    try:
        return list(map(operator.itemgetter(attname), map(vars, objs)))
    except KeyError:
        return list(map(operator.attrgetter(attname), objs))


def _prepared_columns(objs: Sequence[models.Model], fields: Sequence[Any]) -> list[list[Any]]:
    """The values for the driver, column by column: a column whose values are all of the
    plain types its field takes as they are is not touched value by value."""
    columns: list[list[Any]] = []
    for field in fields:
        values = _values(objs, field.attname)
        plain = _PLAIN_TYPES.get(_kind(field))
        if plain is None or not set(map(type, values)) <= plain:
            values = list(map(_preparer(field), values))
        columns.append(values)
    return columns


def _prepared(objs: Sequence[models.Model], fields: Sequence[Any]) -> list[list[Any]]:
    """The rows of values for the driver (:func:`_prepared_columns`, row by row)."""
    columns = _prepared_columns(objs, fields)
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in objs]


def _copyable(fields: Sequence[Any]) -> bool:
    """Whether :func:`_copy_columns` knows every field's kind."""
    return all(
        _kind(f) in _PLAIN_TYPES or _kind(f) in ("DateTimeField", "DateField", "JSONField")
        for f in fields
    )


def _copy_columns(objs: Sequence[models.Model], fields: Sequence[Any]) -> list[list[str]] | None:
    """PostgreSQL: the values of ``objs`` as ``COPY`` text, column by column (see
    :func:`_copy_column`), or None if a field is of a kind this does not know (the
    caller then writes row by row through the driver's dumpers; :func:`_copyable`).

    What the driver's ``write_row`` does per value, here per column: an integer or text
    column in one C-level pass, a column of dates or aware times each distinct value
    formatted once, a JSON column as ``json.dumps`` of each value (the field's encoder;
    an empty list or object, the common value, dumped once)."""
    out: list[list[str]] = []
    for field in fields:
        values = _values(objs, field.attname)
        kind = _kind(field)
        plain = _PLAIN_TYPES.get(kind)
        if plain is not None:
            types = set(map(type, values))
            # A text column may hold str subclasses (a state machine's StrEnum members):
            # COPY text of the string itself, what the field's preparation passes on.
            text = kind in ("CharField", "TextField") and all(
                t is type(None) or issubclass(t, str) for t in types
            )
            if not types <= plain and not text:
                values = list(map(_preparer(field), values))
        elif kind in ("DateTimeField", "DateField"):
            wanted = dt.date if kind == "DateField" else dt.datetime
            if any(
                v is not None and (type(v) is not wanted or getattr(v, "tzinfo", 0) is None)
                for v in set(values)
            ):
                values = list(map(_preparer(field), values))
        elif kind == "JSONField":
            values = _json_texts(field, values)
        else:
            return None
        out.append(_copy_column(values))
    return out


def _json_texts(field: Any, values: Sequence[Any]) -> list[str | None]:
    """A JSON column's values as JSON text (None stays SQL NULL), as the field's
    ``get_db_prep_save`` would dump them."""
    dumps = functools.partial(json.dumps, cls=field.encoder) if field.encoder else json.dumps
    empty: dict[type, str] = {list: dumps([]), dict: dumps({})}
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif not v and type(v) in empty:
            out.append(empty[type(v)])
        else:
            out.append(dumps(field.get_prep_value(v)))
    return out


def _copy_text(table: str, columns: Sequence[str], texts: Sequence[Sequence[str]]) -> None:
    """``COPY`` rows given as text columns (:func:`_copy_column`): lines joined in C and
    written in blocks."""
    n = len(texts[0]) if texts else 0
    if not n:
        return
    step = 50_000
    _copy_blocks(
        table, columns, ([t[start : start + step] for t in texts] for start in range(0, n, step))
    )


def _copy_blocks(
    table: str, columns: Sequence[str], blocks: Iterable[Sequence[Sequence[str]]]
) -> None:
    """``COPY`` blocks of rows, each given as text columns, written as they come: the
    server inserts one block while the caller builds the next."""
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy,
    ):
        for block in blocks:
            if block and len(block[0]):
                copy.write("\n".join(map("\t".join, zip(*block, strict=True))) + "\n")


# Objects per block of a COPY: a block's text is built while the server inserts the one
# before (the import's Python and the database at work on two cores at once), and is
# small enough (about 1 MB for people) to leave the writer at once for the socket.
COPY_BLOCK = 2000


def _copy_objects(
    table: str,
    columns: Sequence[str],
    objs: Sequence[models.Model],
    fields: Sequence[Any],
    keys: Sequence[Any] | None = None,
) -> None:
    """``COPY`` the ``fields`` of ``objs`` (after a column of ``keys``, if given) into
    ``table``, block by block (:data:`COPY_BLOCK`), each block's text built column by
    column (:func:`_copy_columns`; the fields must be :func:`_copyable`)."""

    def blocks() -> Iterator[list[list[str]]]:
        for start in range(0, len(objs), COPY_BLOCK):
            texts = _copy_columns(objs[start : start + COPY_BLOCK], fields)
            assert texts is not None  # _copyable(fields)
            if keys is not None:
                texts.insert(0, _copy_column(keys[start : start + COPY_BLOCK]))
            yield texts

    _copy_blocks(table, columns, blocks())


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cols = ", ".join(quote(c) for c in columns)
        with raw.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_rows(
    model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]
) -> None:
    """INSERT ``objs`` (their ``names`` fields; the primary key is left to the database)."""
    if not objs:
        return
    fields = [model._meta.get_field(n) for n in names]
    columns = [f.column for f in fields]  # type: ignore[union-attr]
    if connection.vendor == "postgresql" and _copyable(fields):
        _copy_objects(model._meta.db_table, columns, objs, fields)
        return
    _insert(model._meta.db_table, columns, _prepared(objs, fields))


def _insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows of values ready for the driver: ``COPY`` on PostgreSQL, else multi-row
    ``INSERT`` statements (:func:`_sqlite_rows_per_statement`)."""
    if connection.vendor == "postgresql":
        _copy(table, columns, rows)
        return
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    row = "(" + ", ".join(["?"] * len(columns)) + ")"
    head = f"INSERT INTO {quote(table)} ({cols}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:
        for part in chunks(rows, _sqlite_rows_per_statement(len(columns))):
            _execute_qmark(cursor, head + ", ".join([row] * len(part)), _flat(part))


def _execute_qmark(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql``, written with SQLite's own ``?`` placeholders, on Django's ``cursor``.

    Through the connection's execute wrappers (statement counters, the tests' guards) and
    its error translation (``IntegrityError`` stays Django's), but without the backend's
    rewriting of every ``%s`` into ``?``: a regular-expression pass over the whole text,
    which for a statement of 5,000 rows' placeholders was a fifth of a 40,000-row insert's
    time (issue 21). When statements are logged (``DEBUG``, a test capturing them), the
    usual path, so that the log shows it."""
    if connection.queries_logged:
        cursor.execute(sql.replace("?", "%s"), params)
        return

    def run(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        with connection.wrap_database_errors:
            return sqlite3.Cursor.execute(context["cursor"].cursor, sql, params)

    cursor._execute_with_wrappers(sql, params, many=False, executor=run)


def _flat(rows: Sequence[Sequence[Any]]) -> list[Any]:
    return list(itertools.chain.from_iterable(rows))


def _sqlite_rows_per_statement(width: int) -> int:
    """Rows of ``width`` values in one SQLite statement: as many as its limit of bound
    parameters allows (32,766 by default), at most :data:`BATCH`.

    Many rows a statement, never ``executemany`` of one row each: SQLite runs every
    statement that writes more than one B-tree under a statement savepoint, and inside a
    transaction's savepoint (a nested ``atomic``: a service called by another) releasing
    it truncates the in-memory sub-journal by walking it from its start. One row a
    statement made a write of n rows cost O(n x the pages written since the savepoint):
    the dispatch of the whole city's 15 February moved 24,600 people in 12-50 s instead of
    0.2 s a 5,000 (issue 21)."""
    raw = connection.connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if raw is not None else 999
    return max(1, min(BATCH, limit // max(1, width)))


def update_rows(
    model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]
) -> None:
    """UPDATE each of ``objs`` by primary key, setting its ``names`` fields."""
    if not objs:
        return
    fields = [model._meta.get_field(n) for n in names]
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        _update_by_copy(model, objs, fields)
        return
    table = quote(model._meta.db_table)
    if sqlite3.sqlite_version_info < (3, 33):  # no UPDATE ... FROM: one row a statement
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)  # type: ignore[union-attr]
        sql = f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            for chunk in chunks(objs):
                rows = _prepared(chunk, fields)
                for row, obj in zip(rows, chunk, strict=True):
                    row.append(obj.pk)
                cursor.executemany(sql, rows)
        return
    # One statement per block of rows (see _sqlite_rows_per_statement): the values as a
    # VALUES table (its columns are column1, column2, ...: the key first) joined by key.
    sets = ", ".join(
        f"{quote(f.column)} = v.column{i}"  # type: ignore[union-attr]
        for i, f in enumerate(fields, start=2)
    )
    marks = "(" + ", ".join(["?"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for chunk in chunks(objs, _sqlite_rows_per_statement(len(fields) + 1)):
            # The rows' values flat, the key first, from the columns (no list per row).
            columns = [_values(chunk, pk.attname), *_prepared_columns(chunk, fields)]
            _execute_qmark(
                cursor,
                f"UPDATE {table} AS t SET {sets} "  # noqa: S608
                f"FROM (VALUES {', '.join([marks] * len(chunk))}) AS v "
                f"WHERE t.{quote(pk.column)} = v.column1",
                _flat(list(zip(*columns, strict=True))),
            )


def _update_by_copy(
    model: type[models.Model], objs: Sequence[models.Model], fields: list[Any]
) -> None:
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    temp = f"_bulk_{model._meta.db_table}"
    columns = [pk.column, *(f.column for f in fields)]
    types = [pk.rel_db_type(connection) if pk.is_relation else "bigint"]
    types += [f.db_type(connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(temp)}")
        cursor.execute(
            f"CREATE TEMP TABLE {quote(temp)} ("
            + ", ".join(f"{quote(c)} {t}" for c, t in zip(columns, types, strict=True))
            + ") ON COMMIT DROP"
        )
    if _copyable(fields):
        keys = list(map(operator.attrgetter(pk.attname), objs))
        _copy_objects(temp, columns, objs, fields, keys)
    else:
        rows = _prepared(objs, fields)
        for row, obj in zip(rows, objs, strict=True):
            row.insert(0, obj.pk)
        _copy(temp, columns, rows)
    sets = ", ".join(f"{quote(c)} = u.{quote(c)}" for c in columns[1:])
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {sets} FROM {quote(temp)} AS u "  # noqa: S608
            f"WHERE t.{quote(pk.column)} = u.{quote(pk.column)}"
        )
        cursor.execute(f"DROP TABLE {quote(temp)}")


def insert_rows_returning_ids(
    model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]
) -> None:
    """INSERT ``objs`` and set their primary keys, in order.

    PostgreSQL: ids drawn from the table's sequence, then ``COPY``.
    SQLite: the transaction holds the only write lock (``IMMEDIATE``) and ids are
    assigned in increasing order, so the new rows are exactly those above the old maximum.
    """
    if not objs:
        return
    fields = [model._meta.get_field(n) for n in names]
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    quote = connection.ops.quote_name
    table, pk_col = quote(model._meta.db_table), quote(pk.column)
    columns = [f.column for f in fields]  # type: ignore[union-attr]
    on_postgres = connection.vendor == "postgresql"
    as_text = on_postgres and _copyable(fields)
    rows = [] if as_text else _prepared(objs, fields)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if on_postgres:
            # Draw the ids from the table's sequence, then COPY the rows with them.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(objs)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if as_text:
                _copy_objects(model._meta.db_table, [pk.column, *columns], objs, fields, ids)
            else:
                for row, new_id in zip(rows, ids, strict=True):
                    row.insert(0, new_id)
                _copy(model._meta.db_table, [pk.column, *columns], rows)
        else:
            cursor.execute(f"SELECT COALESCE(MAX({pk_col}), 0) FROM {table}")  # noqa: S608
            before = cursor.fetchone()[0]
            _insert(model._meta.db_table, columns, rows)
            cursor.execute(
                f"SELECT {pk_col} FROM {table} WHERE {pk_col} > %s ORDER BY {pk_col}",  # noqa: S608
                [before],
            )
            ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(objs):
        raise RuntimeError(f"inserted {len(objs)} rows but found {len(ids)} new ids")
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_tuples(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT plain value tuples (``names`` order; foreign keys as ids), no model objects.

    For writers of tens of thousands of rows whose values are already plain (ints, str,
    dates, datetimes; a JSON field's value as JSON text): only dates and datetimes are
    adapted (SQLite stores them as text; the few distinct values of a batch are adapted
    once each), so nothing is built per field per row. PostgreSQL: ``COPY``, its text
    built column by column and written block by block when every value is of a kind
    :func:`_copy_column` formats as the driver would (else row by row); SQLite:
    multi-row ``INSERT`` statements.
    """
    if not rows:
        return
    fields = [model._meta.get_field(n) for n in names]
    columns = [f.column for f in fields]  # type: ignore[union-attr]
    if connection.vendor == "postgresql" and all(map(_formattable, zip(*rows, strict=True))):
        _copy_blocks(
            model._meta.db_table,
            columns,
            (
                [_copy_column(c) for c in zip(*rows[start : start + COPY_BLOCK], strict=True)]
                for start in range(0, len(rows), COPY_BLOCK)
            ),
        )
        return
    kinds: dict[str, Callable[[Any], Any]] = {
        "DateTimeField": connection.ops.adapt_datetimefield_value,
        "DateField": connection.ops.adapt_datefield_value,
    }
    adapters = [
        (i, kinds[f.get_internal_type()])
        for i, f in enumerate(fields)
        if f.get_internal_type() in kinds
    ]
    prepared: Sequence[Sequence[Any]] = rows
    if adapters and connection.vendor != "postgresql":
        # Column by column: each distinct date or time of a column adapted once.
        values = list(zip(*rows, strict=True))
        for i, adapt in adapters:
            memo = {v: adapt(v) for v in set(values[i]) if v is not None}
            memo[None] = None
            values[i] = tuple(map(memo.__getitem__, values[i]))
        prepared = list(zip(*values, strict=True))
    _insert(model._meta.db_table, columns, prepared)


def insert_values(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT rows of values already prepared for the driver (``COPY`` on PostgreSQL, else
    multi-row ``INSERT`` statements): for a million-row ledger import, where building model
    objects would cost more than the write."""
    _insert(table, columns, rows)


def insert_columns(table: str, names: Sequence[str], columns: Sequence[Sequence[Any]]) -> None:
    """INSERT rows given column by column: for a million-row import whose values already
    sit in lists (ints, strs, bools, ``None``, dates, aware datetimes), with no tuple per
    row on PostgreSQL.

    PostgreSQL: one ``COPY`` in text format whose lines are built column-wise: an integer
    column is formatted by one ``map(str, ...)``, a text column is passed as it is unless
    it holds a character ``COPY`` escapes (then each distinct text is escaped once), any
    other column formats each distinct value once; then the lines are joined in C and
    written in blocks. SQLite: multi-row ``INSERT`` statements of the zipped rows, dates
    and times adapted once per distinct value.
    """
    n = len(columns[0]) if columns else 0
    if not n:
        return
    if any(len(c) != n for c in columns):
        raise ValueError("columns of different lengths")
    if connection.vendor != "postgresql":
        adapted = [_sqlite_column(c) for c in columns]
        _insert(table, names, list(zip(*adapted, strict=True)))
        return
    _copy_text(table, names, [_copy_column(c) for c in columns])


_COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One value in ``COPY``'s text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_SPECIAL)
    return str(value)


# Values whose COPY text :func:`_copy_value` writes (and str subclasses: enum members).
_FORMATTED = frozenset({int, float, str, bool, type(None), dt.date, dt.datetime})


def _formattable(values: Sequence[Any]) -> bool:
    """Whether :func:`_copy_column` formats every one of ``values`` as the driver would:
    of the kinds above, and no booleans among numbers (``True`` and ``1`` are one key of
    its memo)."""
    kinds = set(map(type, values))
    if bool in kinds and kinds - {bool, type(None)}:
        return False
    return all(k in _FORMATTED or issubclass(k, str) for k in kinds)


def _copy_column(values: Sequence[Any]) -> list[str]:
    kinds = set(map(type, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {str}:
        strs: list[str] = list(values)
        joined = "".join(strs)
        if not any(c in joined for c in "\\\t\n\r"):
            return strs
    memo = {v: _copy_value(v) for v in set(values)}
    return list(map(memo.__getitem__, values))


def _sqlite_column(values: Sequence[Any]) -> Sequence[Any]:
    kinds = set(map(type, values))
    if dt.datetime in kinds or dt.date in kinds:
        ops = connection.ops
        memo = {
            v: ops.adapt_datetimefield_value(v)
            if type(v) is dt.datetime
            else ops.adapt_datefield_value(v)
            if type(v) is dt.date
            else v
            for v in set(values)
        }
        return list(map(memo.__getitem__, values))
    return values


_key_tables = 0
FEW = 100  # values that stay an IN list (see among's ``array``)


@contextmanager
def among(values: Iterable[Any], *, integer: bool = False, array: bool = False) -> Iterator[Any]:
    """What to put in ``filter(column__in=...)`` for many ``values``: the values themselves
    when few (up to :data:`BATCH`), else a temporary table of them: a join instead of IN
    lists of thousands of placeholders that Django prepares one by one.

    Yields a list, or the subquery ``SELECT v FROM <the table>`` (a ``RawSQL``): the
    queryset keeps its converters, ``select_for_update`` and scoping either way. The
    table lives for the block (PostgreSQL also drops it at the transaction's end).

    ``array`` (for a caller that only filters with what it gets): on PostgreSQL, more than
    :data:`FEW` values up to :data:`BATCH` go as one array, ``SELECT unnest(<array>)``,
    not as an IN list of as many placeholders, each prepared by Django and bound by the
    driver (a treatment roll's 1,000 patients: two such lists).
    """
    global _key_tables
    distinct = list(set(values))
    if len(distinct) <= BATCH:
        if array and len(distinct) > FEW and connection.vendor == "postgresql":
            kind = "bigint" if integer else "text"
            yield RawSQL(f"SELECT unnest(%s::{kind}[])", [distinct])  # noqa: S611
        else:
            yield distinct
        return
    _key_tables += 1
    name = connection.ops.quote_name(f"_keys_{_key_tables}")
    kind = "bigint" if integer else "text"
    on_postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {name} (v {kind} PRIMARY KEY)"
            + (" ON COMMIT DROP" if on_postgres and connection.in_atomic_block else "")
        )
    if on_postgres:
        _copy_text(name.strip('"'), ["v"], [_copy_column(distinct)])
    else:
        _insert(name.strip('"'), ["v"], [(v,) for v in distinct])
    if on_postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {name}")
    ok = False
    try:
        yield RawSQL(f"SELECT v FROM {name}", [])  # noqa: S608, S611
        ok = True
    finally:
        # A failed PostgreSQL transaction refuses statements; it drops the table at its end.
        if ok or not (on_postgres and connection.in_atomic_block):
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
