"""The CLI as a new user runs it: the demo in both languages, a scripted console, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).parent / "pilot-coach")


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOT_", "DATABASE"))}
    full_env.update(env or {})
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, env=full_env, cwd=cwd,
        timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "At most 3 workflows",
                '"eight" is not a number',
                "@olaf has ignored the last 2 nudges",
                "fragile solutions",
                "→ @clara [2027-03-22 09:00 CET]",
                "(replaced 7.6 with 7.8 days: one value per week; the old one stays in the export)",
                "Measured baseline: 8 days (mean of 3 weeks; your estimate: 8 days).",
                'Marked "during the build": shown in the chart, the improvement counts from',
                "(12 − 4.5) min × 60 cases per week = 7.5 h per week",
                "7.5 h saved per week ≈ 345 h a year",
                "345 h × 55 €/h ≈ 18,975 € a year",
                "→ @clara [2027-03-30 09:00 CEST]: Repair triage · Berger Appliances",
                "→ #ki-pilot [2027-03-30 09:30 CEST]: Repair triage · Berger Appliances",
                "repair time: 8 → 5.6 days (−30 %)",
            ],
        ),
        (
            "de",
            [
                "Höchstens 3 Abläufe",
                "„acht“ ist keine Zahl",
                "@olaf hat die letzten 2 Erinnerungen ignoriert",
                "fragile Lösungen",
                "→ @clara [2027-03-22 09:00 CET]",
                "(7,6 durch 7,8 Tage ersetzt: ein Wert pro Woche; der alte bleibt im Export)",
                "Gemessener Ausgangswert: 8 Tage (Mittel aus 3 Wochen; deine Schätzung: 8 Tage).",
                "(12 − 4,5) min × 60 Fälle pro Woche = 7,5 Std. pro Woche",
                "7,5 Std. pro Woche gespart ≈ 345 Std. im Jahr",
                "345 Std. × 55 €/Std. ≈ 18.975 € im Jahr",
                "→ @clara [2027-03-30 09:00 CEST]: Reparatur-Triage · Berger Hausgeräte",
                "→ #ki-pilot [2027-03-30 09:30 CEST]: Reparatur-Triage · Berger Hausgeräte",
                "Reparaturzeit: 8 → 5,6 Tage (−30 %)",
            ],
        ),
    ],
)
def test_demo_plays_the_whole_pilot(tmp_path: Path, lang: str, expected: list[str]) -> None:
    result = run("demo", "--lang", lang, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for line in expected:
        assert line in result.stdout
    out = tmp_path / "out"
    assert (out / "summary.png").read_bytes().startswith(b"\x89PNG")
    md = (out / "summary.md").read_text("utf-8")
    assert expected[-1] in md  # the headline
    assert "&#39;" not in md and "&amp;" not in md  # Markdown is not HTML-escaped
    html = (out / "summary.html").read_text("utf-8")
    assert 'src="data:image/png;base64,' in html
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    repair, triage = summary["metrics"]
    assert repair["change_pct"] == pytest.approx(-30.0)
    assert (repair["baseline_measured"], repair["baseline_weeks"]) == (8.0, [2, 3, 4])
    assert repair["current_weeks"] == [11, 12] and repair["target_reached"] is True
    assert (triage["kind"], triage["per"], triage["volume"]) == ("effort", "case", 60.0)
    assert summary["hours_saved_per_week"] == pytest.approx(7.5)
    assert summary["money_per_year"] == pytest.approx(7.5 * 46 * 55)
    assert summary["announcement"]["state"] == "announced"
    assert summary["announcement"]["at"].startswith("2027-03-30T07:30")
    assert summary["pilot"]["name"] in ("Repair triage", "Reparatur-Triage")
    assert summary["roles"] == {"champion": "clara", "modeler": "olaf", "integrator": "ines"}
    assert len(summary["retrospective"]) == 4
    assert summary["next_workflow"] in ("Spare parts ordering", "Ersatzteile bestellen")
    rows = list(csv.DictReader((out / "checkins.csv").open(encoding="utf-8")))
    repair = [r for r in rows if r["metric"] in ("repair time", "Reparaturzeit")]
    measured = [r for r in repair if r["phase"] == "measure" and r["counts"] == "yes"]
    assert [r["week"] for r in measured] == ["9", "10", "11", "12"]
    assert [float(r["value"]) for r in measured] == [7.4, 6.5, 5.7, 5.5]
    assert measured[0]["week_start"] == "2027-03-01"  # ISO dates
    replaced = [r for r in repair if r["replaced_by"]]
    assert [(r["week"], r["value"], r["counts"]) for r in replaced] == [("3", "7.6", "no")]
    assert {r["reporter"] for r in repair} == {"olaf"}
    assert [r["phase"] for r in repair if r["week"] == "8"] == ["build"]


def test_scripted_console_keeps_its_clock(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    script = "\n".join(
        [
            "start 2027-01-04",
            "assign champion @clara",
            "assign modeler @olaf",
            ":advance to 2027-01-11T10:00",
            ":as olaf",
            "prozess neu Reparaturanfragen sortieren stunden=12",
            "kennzahl neu Reparaturzeit Tage basis=8",
        ]
    )
    first = run("console", "--db", db, "--user", "clara", "--channel", "ki", stdin=script,
                env={"PILOT_DEFAULT_LANGUAGE": "en"})  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "→ @olaf [2027-01-11 09:00 CET]: Week 2/12" in first.stdout
    assert 'Workflow 1 recorded: "Reparaturanfragen sortieren"' in first.stdout
    second = run("console", "--db", db, "--user", "olaf", "--channel", "ki",
                 stdin=":now\nstatus\n")  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "Mon 2027-01-11 10:00 CET" in second.stdout
    assert "Week 2/12" in second.stdout


def test_export_json_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("demo", "--lang", "en", "--out", str(out)).returncode == 0
    env = {"DATABASE_URL": f"sqlite:///{out / 'demo.db'}"}
    as_json = run("export", "--format", "json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    assert '"name": "repair time"' in as_json.stdout
    as_csv = run("export", "--pilot", "1", "--format", "csv", env=env)
    assert as_csv.stdout.splitlines()[0].startswith("pilot_id,pilot,metric,kind,per,volume,week")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    # repair time: weeks 2, 3 (twice), 4, 8, 9-12; triage time: weeks 2-4, 9, 10 (twice), 11, 12
    assert len(rows) == 17
    withdrawn = [r for r in rows if r["withdrawn_at"]]
    assert [(r["metric"], r["unit"], r["value"], r["counts"]) for r in withdrawn] == [
        ("triage time", "min", "70.0", "no")
    ]
    assert all(r["pilot"] == "Repair triage" and r["kind"] in ("lead_time", "effort")
               for r in rows)  # fmt: skip
    nowhere = run("report", "--pilot", "1", env={"DATABASE_URL": "sqlite:///./nowhere.db"},
                  cwd=tmp_path)  # fmt: skip
    assert nowhere.returncode == 1 and "no database at" in nowhere.stderr
    assert not (tmp_path / "nowhere.db").exists()  # looking did not create it
    missing = run("export", "--pilot", "99", "--format", "md", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no pilot with id 99"


def test_exit_codes(tmp_path: Path) -> None:
    assert run("export", "--format", "xml").returncode == 2
    assert run("no-such-command").returncode == 2
    bad = run("db", "upgrade", env={"DATABASE_URL": "mysql://nope"})
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1 and "unsupported database" in bad.stderr
    bad_zone = run("db", "upgrade", env={"PILOT_DEFAULT_TIMEZONE": "Mars/Olympus"})
    assert bad_zone.returncode == 1
    assert bad_zone.stderr.startswith("error: PILOT_DEFAULT_TIMEZONE")
    ok = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert ok.returncode == 0 and "newest version" in ok.stdout
