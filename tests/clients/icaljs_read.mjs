// Reads an iCalendar file the way Thunderbird does (ical.js) and prints what a user
// would see, as JSON: each event's UID, SEQUENCE, STATUS, SUMMARY, and its start and
// end as UTC instants computed through the feed's own VTIMEZONEs (or as dates).
// Usage: node icaljs_read.mjs FILE   (exits non-zero if ical.js cannot parse the file)
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
const zones = calendar.getAllSubcomponents("vtimezone");
for (const zone of zones) {
  ICAL.TimezoneService.register(zone);
}

function when(time) {
  if (time === null) return null;
  if (time.isDate) return { date: time.toString(), zone: null };
  const zone = time.zone ? time.zone.tzid : null;
  return { utc: time.toJSDate().toISOString(), zone };
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
    start: when(event.startDate),
    end: component.hasProperty("dtend") ? when(event.endDate) : null,
    alarms: component.getAllSubcomponents("valarm").map(
      (alarm) => alarm.getFirstPropertyValue("trigger").toString()),
  };
});

console.log(JSON.stringify({
  name: calendar.getFirstPropertyValue("x-wr-calname"),
  refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
  timezones: zones.map((zone) => zone.getFirstPropertyValue("tzid")),
  events,
}));
