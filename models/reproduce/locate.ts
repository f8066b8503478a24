/**
 * Finds a claim's quote at its place in its doc, so that the claims (claims.ts) and the docs
 * cannot drift apart silently: a quote must be in its section, and a table quote in its row and
 * cell, where an edited number no longer matches.
 */
import type { Claim } from './compare.js';

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();
const unbold = (text: string) => text.replace(/\*\*/g, '');

/** The lines under the heading `title` up to the next heading of the same or a higher level. */
export function sectionOf(doc: string, title: string): string[] | undefined {
  const lines = doc.split('\n');
  let fenced = false;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#+)\s+(.*?)\s*$/.exec(line);
    if (!heading) continue;
    if (start >= 0 && heading[1]!.length <= level) return lines.slice(start, i);
    if (start < 0 && heading[2] === title) {
      start = i + 1;
      level = heading[1]!.length;
    }
  }
  return start >= 0 ? lines.slice(start) : undefined;
}

/** A Markdown table line's cells, trimmed (`| a | b |` → `['a', 'b']`). */
export function cellsOf(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Undefined when the claim's quote is where the claim says; otherwise what is wrong. */
export function locateClaim(claim: Claim, doc: string): string | undefined {
  const where = `${claim.doc} "${claim.section}"`;
  const section = sectionOf(doc, claim.section);
  if (!section) return `${where}: no such section`;
  if (claim.near !== undefined && !claim.near.includes(claim.quoted))
    return `${claim.id}: near text ${JSON.stringify(claim.near)} does not contain the quote`;
  if (claim.row === undefined) {
    const needle = normalize(claim.near ?? claim.quoted);
    return normalize(section.join('\n')).includes(needle)
      ? undefined
      : `${where}: ${JSON.stringify(needle)} not found`;
  }
  const label = typeof claim.row === 'string' ? [claim.row] : [...claim.row];
  const rows = section
    .filter((l) => l.trimStart().startsWith('|'))
    .map(cellsOf)
    .filter((cells) => label.every((cell, i) => cells[i] === cell));
  if (rows.length !== 1)
    return `${where}: ${rows.length} table rows start with ${JSON.stringify(label.join(' | '))}`;
  const cell = rows[0]![claim.cell ?? 0];
  if (cell === undefined) return `${where}: row ${JSON.stringify(label)} has no cell ${claim.cell}`;
  if (claim.near !== undefined) {
    return normalize(cell).includes(normalize(claim.near))
      ? undefined
      : `${where}: cell ${JSON.stringify(cell)} does not contain ${JSON.stringify(claim.near)}`;
  }
  // The quote is the cell, or begins it (`70.8 (70.8)`): an edit of the quoted number shows.
  const text = unbold(cell);
  const quoted = unbold(claim.quoted);
  return text === quoted || text.startsWith(`${quoted} `)
    ? undefined
    : `${where}: cell ${JSON.stringify(cell)} is not ${JSON.stringify(claim.quoted)}`;
}
