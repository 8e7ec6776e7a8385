// Parses every Adaptive Card in a directory with Microsoft's adaptivecards library (the
// renderer Teams' web client descends from) and prints one JSON report on stdout.
//
// Each card is parsed twice:
//  - as Teams: Teams' chart elements (Chart.Line) registered with a strict check of the
//    properties Teams documents (title, data[].legend, data[].values[].x/y, fallback), so a
//    malformed chart is reported; nothing else may log a parse or validation event;
//  - as a host without charts (the stock library): the only event allowed is "unknown element
//    type Chart.Line", and the element must fall back (the chart PNG, or "drop").
// Usage: node check_cards.js DIR
"use strict";
const fs = require("fs");
const path = require("path");
const AC = require("adaptivecards/dist/adaptivecards.js");

const CHARTS = new Set(["Chart.Line"]);

class TeamsLineChart extends AC.CardElement {
  getJsonTypeName() {
    return "Chart.Line";
  }
  internalParse(source, context) {
    super.internalParse(source, context);
    const bad = (why) =>
      context.logParseEvent(this, AC.ValidationEvent.InvalidPropertyValue, `Chart.Line: ${why}`);
    const allowed = new Set(["type", "id", "title", "data", "fallback", "colorSet", "xAxisTitle",
      "yAxisTitle", "spacing", "separator", "height", "isVisible", "requires", "horizontalAlignment"]);
    for (const key of Object.keys(source)) if (!allowed.has(key)) bad(`unknown property ${key}`);
    if (source.title !== undefined && typeof source.title !== "string") bad("title is not a string");
    if (!Array.isArray(source.data) || source.data.length === 0) bad("data must be a non-empty array");
    for (const series of source.data || []) {
      if (typeof series.legend !== "string" || !series.legend) bad("a series has no legend");
      if (!Array.isArray(series.values)) { bad("a series has no values"); continue; }
      for (const point of series.values) {
        if (!["string", "number"].includes(typeof point.x)) bad("x must be a string or number");
        if (typeof point.y !== "number" || !Number.isFinite(point.y)) bad("y must be a number");
      }
    }
  }
  internalRender() {
    return undefined;
  }
}

function events(context) {
  const out = [];
  for (let i = 0; i < context.eventCount; i++) out.push(context.getEventAt(i).message);
  return out;
}

function parse(json, teams) {
  const registry = new AC.CardObjectRegistry();
  AC.GlobalRegistry.populateWithDefaultElements(registry);
  if (teams) registry.register("Chart.Line", TeamsLineChart, AC.Versions.v1_5);
  const context = new AC.SerializationContext();
  context.setElementRegistry(registry);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const found = events(context);
  for (const event of card.validateProperties().validationEvents) found.push(event.message);
  return { card, found };
}

function charts(json) {
  return (json.body || []).filter((e) => CHARTS.has(e.type));
}

function check(json) {
  const problems = [];
  const teams = parse(json, true);
  problems.push(...teams.found.map((m) => `as Teams: ${m}`));
  const plain = parse(json, false);
  const expected = charts(json).map((c) => `Unknown element type "${c.type}". Fallback will be used if present.`);
  const extra = plain.found.filter((m) => !expected.includes(m));
  problems.push(...extra.map((m) => `without charts: ${m}`));
  // each chart fell back: no body element of the parsed card is unknown to the stock library
  const kept = plain.card.getItemCount();
  const wanted = (json.body || []).filter((e) => !CHARTS.has(e.type) || (e.fallback && e.fallback !== "drop")).length;
  if (kept !== wanted) problems.push(`without charts: ${kept} elements parsed, ${wanted} expected`);
  return { problems, charts: charts(json).length };
}

const dir = process.argv[2];
const report = {};
for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
  report[name.replace(/\.json$/, "")] = check(JSON.parse(fs.readFileSync(path.join(dir, name), "utf-8")));
}
process.stdout.write(JSON.stringify(report, null, 1));
