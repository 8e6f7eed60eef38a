"""Case- and accent-insensitive text matching on both databases: `Folded("name")` is the text in lower
case without accents. PostgreSQL computes it with translate() (one call, no extension needed); SQLite has
no such function, so the same Python folding is registered on each new connection (CoreConfig.ready)."""

from __future__ import annotations

import unicodedata

from django.db.models import CharField, Func

# Accented Latin letters as found in names with foreign spellings, and their plain letters.
ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüçñýÿÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑÝ"
PLAIN = "aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny"
SQLITE_FUNCTION = "cakupan_fold"


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


class Folded(Func):
    output_field = CharField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # Accents first (uppercase accented letters map to lowercase plain ones), so lower() needs only ASCII.
        return f"lower(translate({sql}, %s, %s))", [*params, ACCENTED, PLAIN]


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
