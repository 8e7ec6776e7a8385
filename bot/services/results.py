"""The results of a pilot, from its snapshot and retrospective: the playbook's results model
plus the people behind it, ready for the summary in any format."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ports import AbstractUnitOfWork
from bot.services.snapshot import Snapshot
from playbook.results import Candidate, PilotResults, recommend_next


@dataclass(frozen=True)
class Quote:
    question: int
    name: str
    text: str


#: Roadmap tasks whose notes say what was built and how.
BUILD_TASKS = ("assess-capacity", "build-solution", "go-live")


@dataclass(frozen=True)
class Summary:
    snap: Snapshot
    results: PilotResults
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    built: tuple[str, ...] = field(default_factory=tuple)  # notes on what was built
    # display names of everyone who reported a value, by person id (the report names people)
    names: dict[int, str] = field(default_factory=dict)

    def name_of(self, person_id: int) -> str:
        return self.names.get(person_id, "–")


def pilot_results(snap: Snapshot) -> PilotResults:
    metrics = [view.result for view in snap.metrics]
    candidates = [
        Candidate(p.position, p.name, p.hours_per_week, p.id == snap.pilot.chosen_process_id)
        for p in snap.processes
    ]
    return PilotResults(
        metrics=tuple(metrics),
        hourly_rate=snap.pilot.hourly_rate,
        next_workflow=recommend_next(candidates),
    )


async def load_summary(uow: AbstractUnitOfWork, snap: Snapshot) -> Summary:
    answers = await uow.retro.retro_answers(snap.pilot_id)
    quotes = tuple(Quote(a.question, p.display_name or p.external_id, a.text) for a, p in answers)
    done = await uow.tasks.done_tasks(snap.pilot_id)
    built = tuple(done[t].note for t in BUILD_TASKS if t in done and done[t].note)
    reporters = sorted({c.person_id for c in snap.all_checkins if c.person_id is not None})
    people = await uow.people.people(reporters) if reporters else {}
    names = {pid: p.display_name or p.external_id for pid, p in people.items()}
    return Summary(snap=snap, results=pilot_results(snap), quotes=quotes, built=built,
                   names=names)  # fmt: skip
