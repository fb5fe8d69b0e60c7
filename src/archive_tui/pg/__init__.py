"""PostgreSQL: an archive and its users' workspaces on a server many researchers share.

Everything here talks to a real PostgreSQL (15 or newer) through psycopg 3, an optional
dependency (``pip install 'archive-tui[postgres]'``). Nothing here imports Textual.

- :mod:`.connection` opens a connection from a ``postgresql://`` address and turns every
  failure into one sentence (:class:`DatabaseProblem`).
- :mod:`.migrations` applies the versioned schema (``migrations/NNNN_name.sql``) once, in
  order, each in its own transaction, under an advisory lock so two sessions that start at
  once never apply one twice.
"""

from __future__ import annotations

from .connection import DatabaseProblem, connect, is_database_address

__all__ = ["DatabaseProblem", "connect", "is_database_address"]
