"""Repositories per aggregate and the unit of work that holds them: the only place that talks
SQL. See ``unit_of_work`` for the transaction, the other modules for one aggregate each."""

from storage.records import Claimed, PilotRows
from storage.repositories.rows import load_pilot_rows
from storage.repositories.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["Claimed", "PilotRows", "UnitOfWork", "UnitOfWorkFactory", "load_pilot_rows"]
