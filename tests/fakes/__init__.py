"""Fakes at the boundary: the in-memory unit of work (``FakeUnitOfWorkFactory``) that service
tests use instead of a database."""
