// The privacy model (docs/privacy.md) lists exactly the fields the outbox can send: a field added
// to the wire without its row in the document, or a row left for a field removed, fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WIRE_FIELDS } from '../../src/feedback/wire.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = readFileSync(path.join(here, '../../docs/privacy.md'), 'utf8');

/** The first-column field names of the markdown table that follows `heading`. */
function tableAfter(heading: string): { field: string; anonymous: string }[] {
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/privacy.md: no "${heading}"`);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: { field: string; anonymous: string }[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    rows.push({ field: cells[1]!.replace(/`/g, ''), anonymous: cells[3]! });
  }
  return rows;
}

describe('docs/privacy.md', () => {
  it('lists every batch field and no other', () => {
    const rows = tableAfter('A batch (');
    expect(rows.map((r) => r.field).sort()).toEqual([...WIRE_FIELDS.batch].sort());
  });

  it('lists every event field of each mode and no other', () => {
    const rows = tableAfter('An event:');
    expect(rows.map((r) => r.field).sort()).toEqual([...WIRE_FIELDS.full].sort());
    const anonymous = rows.filter((r) => r.anonymous !== 'not sent').map((r) => r.field);
    expect(anonymous.sort()).toEqual([...WIRE_FIELDS.anonymous].sort());
  });
});
