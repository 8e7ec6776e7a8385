"""The two decision forms, platform-neutral: map a workflow (weeks 2-3) and the capacity check
(week 4). Each adapter renders the same ``Form`` its own way (Slack modal, Teams Adaptive Card,
console prompts) and hands the typed values back to ``read_form``, which checks every field with
the command grammar's own rules and returns the chat command to run, or an error per field.
The command then goes through ``Coach.handle`` like typed text, so a form can never store
anything a typed command could not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.catalog import Texts
from playbook import workflows as wf
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Problem

Kind = Literal["text", "multiline", "number", "choice", "multichoice"]
WORKFLOW = "workflow"
CAPACITY = "capacity"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    id: str  # a command key (``volume``), or ``access<i>`` for the i-th system
    label: str
    kind: Kind = "text"
    required: bool = False
    options: tuple[Option, ...] = ()
    placeholder: str = ""
    max_length: int = cmd.MAX_FIELD
    min: float | None = None
    max: float | None = None
    error: str = ""  # what a client that validates by itself shows (Teams errorMessage)


@dataclass(frozen=True)
class Form:
    kind: str  # WORKFLOW or CAPACITY
    title: str
    intro: str
    submit: str
    close: str
    fields: tuple[FormField, ...]
    systems: tuple[str, ...] = ()  # CAPACITY: the systems the access fields ask about


def workflow_form(t: Texts) -> Form:
    def label(key: str) -> str:
        return t(f"workflow.label_{key}")

    data = tuple(Option(v, t(f"workflow.opt_{v}")) for v in ("yes", "partly", "no"))
    pains = tuple(Option(p.value, t(f"workflow.pain_{p.value}")) for p in wf.Pain)
    required = t("workflow.form_required")
    fields = (
        FormField("name", label("name"), required=True, max_length=cmd.MAX_NAME, error=required),
        FormField("inputs", label("inputs")),
        FormField("outputs", label("outputs")),
        FormField("steps", label("steps"), "multiline", placeholder=t("workflow.hint_steps")),
        FormField("systems", label("systems"), placeholder=t("workflow.hint_systems")),
        FormField("volume", label("volume"), "number", required=True, min=0, max=100_000,
                  error=t("workflow.bad_volume", value="")),
        FormField("minutes", label("minutes"), "number", required=True, min=0, max=10_000,
                  error=t("workflow.bad_minutes", value="")),
        FormField("rules", label("rules"), "number", required=True, min=0, max=100,
                  error=t("workflow.bad_rules", value="")),
        FormField("data", label("data"), "choice", required=True, options=data, error=required),
        FormField("pain", label("pain"), "multichoice", options=pains),
    )  # fmt: skip
    return Form(WORKFLOW, t("workflow.form_title"), t("workflow.form_intro"),
                t("workflow.form_submit"), t("workflow.form_close"), fields)  # fmt: skip


def capacity_form(t: Texts, systems: Sequence[str]) -> Form:
    required = t("capacity.form_required")
    builders = tuple(Option(b.value, t(f"capacity.opt_{b.value}")) for b in wf.Builder)
    tools = tuple(Option(x, wf.TOOL_NAMES[x]) for x in wf.TOOLS)
    access = (Option("api", t("capacity.opt_api")), Option("export", t("capacity.opt_export")),
              Option("none", t("capacity.opt_no_access")))  # fmt: skip
    yes_no = (Option("yes", t("capacity.opt_yes")), Option("no", t("capacity.opt_no")))
    fields = [
        FormField("builder", t("capacity.q_builder"), "choice", True, builders, error=required),
        FormField("tool", t("capacity.q_tool"), "choice", options=tools),
    ]
    for index, system in enumerate(systems):
        fields.append(FormField(f"access{index}", t("capacity.q_access", system=system),
                                "choice", options=access))  # fmt: skip
    fields += [
        FormField("hours", t("capacity.q_hours"), "number", True, min=0, max=168,
                  error=t("capacity.bad_hours", value="")),
        FormField("budget", t("capacity.q_budget"), "choice", True, yes_no, error=required),
    ]  # fmt: skip
    return Form(CAPACITY, t("capacity.title"), t("capacity.intro"), t("capacity.form_submit"),
                t("capacity.form_close"), tuple(fields), tuple(systems))  # fmt: skip


def form_of(kind: str, t: Texts, systems: Sequence[str] = ()) -> Form:
    return capacity_form(t, systems) if kind == CAPACITY else workflow_form(t)


@dataclass(frozen=True)
class Filled:
    """A submitted form: the chat command to run, or the errors per field id."""

    command: str
    errors: dict[str, str]


def _quoted(value: str) -> str:
    """A value as one token of the command grammar (which groups words by double quotes)."""
    return '"' + " ".join(value.replace('"', "'").split()) + '"'


def read_form(form: Form, t: Texts, values: Mapping[str, str]) -> Filled:
    """Check each field with the grammar's rules; all errors at once, so a person fixes them in
    one go. Values of choice fields are option values; multichoice ones comma-separated."""
    errors: dict[str, str] = {}
    given = {f.id: str(values.get(f.id) or "").strip() for f in form.fields}
    for f in form.fields:
        if f.required and not given[f.id]:
            if not (form.kind == CAPACITY and f.id == "hours" and given["builder"] == "none"):
                errors[f.id] = t("workflow.form_required" if form.kind == WORKFLOW
                                 else "capacity.form_required")  # fmt: skip
        elif f.options and given[f.id]:
            chosen = given[f.id].split(",") if f.kind == "multichoice" else [given[f.id]]
            if any(c not in {o.value for o in f.options} for c in chosen):
                errors[f.id] = t("workflow.form_required")
    if form.kind == WORKFLOW:
        return _workflow_command(t, given, errors)
    return _capacity_command(form, t, given, errors)


def _problem_text(t: Texts, problem: Problem) -> str:
    return t(problem.key, **problem.params)


def _workflow_command(t: Texts, given: dict[str, str], errors: dict[str, str]) -> Filled:
    parts = ["process add", _quoted(given["name"])] if given["name"] else ["process add"]
    for key in ("inputs", "outputs", "steps", "systems", "volume", "minutes", "rules", "data",
                "pain"):  # fmt: skip
        raw = given[key]
        if not raw or key in errors:
            continue
        checked = cmd.process_field(key, raw, t.language)
        if isinstance(checked, Problem):
            errors[key] = _problem_text(t, checked)
            continue
        parts.append(f"{key}={_quoted(raw)}")
    if given["name"] and "name" not in errors:
        checked = cmd.process_field("name", given["name"], t.language)
        if isinstance(checked, Problem):
            errors["name"] = _problem_text(t, checked)
    return Filled(" ".join(parts), errors)


def _capacity_command(
    form: Form, t: Texts, given: dict[str, str], errors: dict[str, str]
) -> Filled:
    parts = ["capacity"]
    for key in ("builder", "tool", "hours", "budget"):
        raw = given[key]
        if not raw or key in errors:
            continue
        checked = cmd.capacity_field(key, raw, t.language)
        if isinstance(checked, Problem):
            errors[key] = _problem_text(t, checked)
            continue
        parts.append(f"{key}={_quoted(raw)}")
    if given["builder"] == "none" and not given["hours"]:
        parts.append("hours=0")
    by_access: dict[str, list[str]] = {}
    for index, system in enumerate(form.systems):
        answer = given.get(f"access{index}", "")
        if answer:
            by_access.setdefault(answer, []).append(system.replace(",", " "))
    for access, systems in by_access.items():
        parts.append(f"{access}={_quoted(', '.join(systems))}")
    return Filled(" ".join(parts), errors)


def wants_form(text: str) -> str | None:
    """``process add`` / ``prozess neu`` without a name, ``capacity`` / ``kapazität`` without
    answers: the form to open instead (the adapters that have forms ask this first)."""
    name, _keyword, rest = cmd.split_keyword(cmd.normalise(text))
    if rest.strip():
        return None
    return {"process_add": WORKFLOW, "capacity": CAPACITY}.get(name or "")


#: Nudge buttons that open a form.
BUTTON_FORMS = {"process_form": WORKFLOW, "capacity_form": CAPACITY}
