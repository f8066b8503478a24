// Session click logs (the YOOCHOOSE format: `SessionId<TAB>ItemId<TAB>Time`, Time in unix
// seconds) for the recommendation CLIs. Invalid rows are skipped and counted, never guessed at.
import { readFileSync } from 'node:fs';
import { MAX_AT } from '../lib/time.js';

export interface Click {
  item: string;
  /** ms since epoch. */
  at: number;
}

export interface Session {
  id: string;
  /** In time order (file order among equal times). */
  clicks: Click[];
}

export interface SessionLog {
  sessions: Session[];
  clicks: number;
  /** Rows skipped, with the first few reasons (`line N: field: got …, expected …`). */
  skipped: number;
  problems: string[];
}

const HEADER = ['SessionId', 'ItemId', 'Time'];

/** Parses a session TSV. Throws when the header is not `SessionId ItemId Time`. */
export function parseSessions(text: string, source = 'sessions'): SessionLog {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim());
  if (HEADER.some((h, i) => header[i] !== h)) {
    throw new Error(
      `${source}: header: got ${JSON.stringify(lines[0] ?? '')}, expected "${HEADER.join('\\t')}"`,
    );
  }
  const bySession = new Map<string, Click[]>();
  let clicks = 0;
  let skipped = 0;
  const problems: string[] = [];
  const skip = (line: number, reason: string) => {
    skipped++;
    if (problems.length < 5) problems.push(`${source} line ${line}: ${reason}`);
  };
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const [session, item, time] = line.split('\t').map((f) => f.trim());
    if (!session) {
      skip(n + 1, `SessionId: got ${JSON.stringify(session ?? '')}, expected an id`);
      continue;
    }
    if (!item || item.length > 100) {
      skip(
        n + 1,
        `ItemId: got ${JSON.stringify(item ?? '')}, expected an id of 1 to 100 characters`,
      );
      continue;
    }
    const seconds = Number(time);
    if (time === undefined || time === '' || !(seconds >= 0 && seconds * 1000 <= MAX_AT)) {
      skip(
        n + 1,
        `Time: got ${JSON.stringify(time ?? '')}, expected unix seconds in [0, ${MAX_AT / 1000}]`,
      );
      continue;
    }
    let list = bySession.get(session);
    if (!list) bySession.set(session, (list = []));
    list.push({ item, at: Math.round(seconds * 1000) });
    clicks++;
  }
  const sessions: Session[] = [];
  for (const [id, list] of bySession) {
    // A stable sort keeps file order among clicks of the same millisecond.
    list.sort((a, b) => a.at - b.at);
    sessions.push({ id, clicks: list });
  }
  sessions.sort(
    (a, b) => a.clicks[0]!.at - b.clicks[0]!.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { sessions, clicks, skipped, problems };
}

export function readSessions(path: string): SessionLog {
  return parseSessions(readFileSync(path, 'utf8'), path);
}

/**
 * A time split: sessions that start at or after `max time − testDays` are the test set; those
 * that end before that moment train; sessions across the moment are left out of both.
 */
export function timeSplit(
  sessions: readonly Session[],
  testDays: number,
): { train: Session[]; test: Session[]; splitAt: number } {
  let last = -Infinity;
  for (const s of sessions) last = Math.max(last, s.clicks[s.clicks.length - 1]!.at);
  const splitAt = last - testDays * 86_400_000;
  const train: Session[] = [];
  const test: Session[] = [];
  for (const s of sessions) {
    if (s.clicks[0]!.at >= splitAt) test.push(s);
    else if (s.clicks[s.clicks.length - 1]!.at < splitAt) train.push(s);
  }
  return { train, test, splitAt };
}
