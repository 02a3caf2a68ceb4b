"""Querysets compiled to SQL once per process and run again with each request's values.

Django builds and compiles a queryset's SQL on every evaluation. For the article page's
small queries that is two to three times the CPU PostgreSQL needs to run them, and it is
the same SQL every time with other values. A `PreparedQuery` compiles its queryset once
per shape with marker values, notes where the markers land among the SQL parameters,
and afterwards runs that SQL with the real values in their place. Rows come back as
model instances built by `Model.from_db()` (the fetched fields; the rest deferred, as
with `only()`), with any extra columns set as attributes.

`PreparedQuery` runs on PostgreSQL only: its driver returns ready Python values, so no
field converters are needed. `PreparedModelQuery` takes any queryset of instances,
select_related() included, and turns rows into instances the way QuerySet iteration does
(Django's own compiler: its converters and related-object populators), minus compiling.
On other databases, or when a marker cannot be found among the compiled parameters (a
value transformed on its way into the SQL), the queryset is simply evaluated.
"""

from datetime import UTC, datetime

import psycopg
from django.conf import settings
from django.db import connections, router
from django.db.models.query import get_related_populators

# Values no request ever passes, so each one found among the compiled parameters marks
# the place of one argument.
_MARK_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_MARK_INT = -7_340_000_000


def _checked(name, value):
    # The same on every database, though only PostgreSQL needs markers for the values.
    if not isinstance(value, datetime | int):
        raise TypeError(f"{name}: only datetimes and integers (or lists of them) are prepared")


def _small(values):
    """Whether every integer fits a 32-bit column: larger ones (a made-up article id in a
    URL, say) go through the ORM, which turns an out-of-range lookup into no rows."""
    for value in values.values():
        for element in value if isinstance(value, list | tuple) else (value,):
            if isinstance(element, int) and not -(2**31) <= element < 2**31:
                return False
    return True


class _PreparingCursor(psycopg.Cursor):
    """A server-side-binding cursor whose statements the query log can still show.

    psycopg keeps no query text once it runs a prepared statement, so Django's query log
    (DEBUG, CaptureQueriesContext) would read None; this leaves the text to be rendered
    only if the log asks for it.
    """

    def execute(self, query, params=None, **kwargs):
        super().execute(query, params, **kwargs)
        if self._query is None:
            self._query = _LoggedQuery(self.connection, query, params)
        return self


class _LoggedQuery:
    def __init__(self, connection, sql, params):
        self.connection, self.sql, self.params = connection, sql, params

    @property
    def query(self):
        return psycopg.ClientCursor(self.connection).mogrify(self.sql, self.params).encode()


def _fetch(alias, sql, params):
    connection = connections[alias]
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
        # Django's cursors bind values on the client and send plain text, which
        # PostgreSQL parses and plans every time (planning a joined page query costs more
        # than running it). A server-side-binding cursor sends the values apart, and
        # psycopg prepares a statement it has run five times on a connection: from then on
        # only the values travel. Wrapped like Django's own: still counted and logged.
        connection.ensure_connection()
        cursor = connection._prepare_cursor(_PreparingCursor(connection.connection))
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _marker(name, value, index):
    if isinstance(value, datetime):
        return _MARK_TIME.replace(microsecond=index)
    if isinstance(value, int):
        return _MARK_INT - index
    raise TypeError(f"{name}: only datetimes and integers (or lists of them) are prepared")


class PreparedQuery:
    """`build(**values)` returns a `values_list()` queryset whose first columns are
    `fields` of `model`; `extra` names the columns after them."""

    def __init__(self, build, model, fields, extra=()):
        self.build, self.model = build, model
        self.fields, self.extra = tuple(fields), tuple(extra)
        # (alias, shape) -> (sql, params, {param index: (name, item)}, compiler), or False
        self._compiled = {}
        # from_db() wants the fields in the model's own order.
        self._order = [
            self.fields.index(field.attname)
            for field in model._meta.concrete_fields
            if field.attname in self.fields
        ]
        if len(self._order) != len(self.fields):
            raise ValueError(f"not concrete fields of {model.__name__}: {fields}")
        self._names = tuple(self.fields[index] for index in self._order)

    def __call__(self, **values):
        alias, ready = self._ready(values)
        if ready is None:
            return self._instances(alias, self.build(**values))
        sql, params, _compiler = ready
        return self._instances(alias, _fetch(alias, sql, params))

    def _preparable(self, alias):
        return connections[alias].vendor == "postgresql"

    def _ready(self, values):
        """(alias, (sql, params, compiler) with these values in place), or (alias, None)
        when the queryset must be evaluated the ordinary way."""
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else _checked(name, value))
            for name, value in sorted(values.items())
        )
        alias = router.db_for_read(self.model)
        if not self._preparable(alias) or not _small(values):
            return alias, None
        compiled = self._compiled.get((alias, shape))
        if compiled is None:
            compiled = self._compiled[(alias, shape)] = self._compile(alias, values)
        if compiled is False:
            return alias, None
        sql, params, places, compiler = compiled
        params = list(params)
        for index, (name, item) in places.items():
            value = values[name]
            params[index] = value if item is None else value[item]
        return alias, (sql, params, compiler)

    def _marked(self, values):
        """The values with a marker in place of each datetime and integer."""
        marked, counter = {}, 0
        for name, value in sorted(values.items()):
            if isinstance(value, list | tuple):
                marked[name] = []
                for element in value:
                    counter += 1
                    marked[name].append(_marker(name, element, counter))
            else:
                counter += 1
                marked[name] = _marker(name, value, counter)
        return marked

    def _compile(self, alias, values):
        marked, wanted = self._marked(values), {}
        for name, mark in marked.items():
            if isinstance(mark, list):
                wanted.update({element: (name, item) for item, element in enumerate(mark)})
            else:
                wanted[mark] = (name, None)
        compiler = self.build(**marked).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        places = {}
        for index, param in enumerate(params):
            if type(param) in (datetime, int) and param in wanted:
                places[index] = wanted[param]
        if set(places.values()) != set(wanted.values()):
            return False  # a value was transformed on its way into the SQL: not preparable
        return sql, tuple(params), places, compiler

    def _instances(self, alias, rows):
        width = len(self.fields)
        found = []
        order, names = self._order, self._names
        for row in rows:
            instance = self.model.from_db(alias, names, [row[index] for index in order])
            for name, value in zip(self.extra, row[width:], strict=True):
                setattr(instance, name, value)
            found.append(instance)
        return found


class PreparedModelQuery(PreparedQuery):
    """`build(**values)` returns a queryset of `model` instances (not values_list())."""

    def __init__(self, build, model):
        self.build, self.model = build, model
        self._compiled = {}

    def __call__(self, **values):
        alias, ready = self._ready(values)
        if ready is None:
            return list(self.build(**values).using(alias))
        sql, params, compiler = ready
        return self._built(alias, compiler, _fetch(alias, sql, params))

    def _preparable(self, alias):
        return True  # Django's own converters turn any database's values into Python

    def _built(self, alias, compiler, rows):
        # What django.db.models.query.ModelIterable does with a compiler's rows.
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        found = []
        for row in compiler.results_iter([rows]):
            instance = self.model.from_db(alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, place in (compiler.annotation_col_map or {}).items():
                setattr(instance, name, row[place])
            found.append(instance)
        return found
