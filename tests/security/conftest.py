"""Security tests run against the real server: the Slack world (signed requests, fake Web API)
and the Teams server (fake Bot Framework connector) of the platform suites, on SQLite and, with
TEST_DATABASE_URL, PostgreSQL (``db_url`` and ``world_on_each_db``)."""

from tests.slack.conftest import fake_slack, world, world_on_each_db
from tests.teams.conftest import connector, start_server, teams

__all__ = ["connector", "fake_slack", "start_server", "teams", "world", "world_on_each_db"]
