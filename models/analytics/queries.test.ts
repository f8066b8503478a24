// @vitest-environment node
// The report's SQL reads the SDK's wire: its column list is made from `WIRE_FIELDS`, and a batch
// the SDK's own wire code builds loads into the `feedback` relation field for field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { toWireBatch, toWireEvent, WIRE_FIELDS } from '../../src/feedback/wire.js';
import { BATCH_COLUMNS, FEEDBACK_COLUMNS, loadingSql } from './queries.js';

const AT = Date.UTC(2026, 10, 28, 12, 0, 0, 750);

describe('the report’s columns', () => {
  it('are the wire’s fields in the wire’s order, less the ones the report does not use', () => {
    expect(FEEDBACK_COLUMNS.map((c) => c.name)).toEqual(
      WIRE_FIELDS.full.filter((f) => f !== 'policies'),
    );
    expect(BATCH_COLUMNS.map((c) => c.name)).toEqual(
      WIRE_FIELDS.batch.filter((f) => f !== 'sentAt'),
    );
  });

  it('load a batch the SDK’s wire code built, value for value', async () => {
    const input = {
      type: 'impression',
      decisionId: 'd-1',
      offerId: 'c-womens-10',
      placement: 'home',
      propensity: 0.8125,
      modelVersion: 'm-1',
    };
    // With the k-RR group report a personalized decision's first impression carries.
    const group = { group: 3, groupK: 12, groupEpsilon: 2, groupSet: 'abcdef012345' };
    const event = toWireEvent(
      { ...input, at: AT, policies: { greedy: 0.5 }, ...group },
      'e-1',
      AT,
      'full',
    );
    const batch = toWireBatch('full', AT + 5000, [event], { id: 'r-1', counts: { evicted: 2 } });
    const dir = mkdtempSync(path.join(tmpdir(), 'report-columns-'));
    const file = path.join(dir, 'feedback.jsonl');
    writeFileSync(file, `${JSON.stringify(batch)}\n`);

    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    try {
      for (const sql of loadingSql({ jsonl: [file], parquet: [] })) await db.run(sql);
      const described = (await db.runAndReadAll('DESCRIBE feedback')).getRowObjectsJS();
      expect(described.map((r) => [r.column_name, r.column_type])).toEqual(
        FEEDBACK_COLUMNS.map((c) => [c.name, c.type]),
      );
      const rows = (await db.runAndReadAll('SELECT * FROM feedback')).getRowObjectsJS();
      // `at` floored to the second by the wire; DuckDB hands BIGINT back as a bigint.
      expect(rows).toEqual([
        {
          id: 'e-1',
          ...input,
          at: BigInt(Date.UTC(2026, 10, 28, 12)),
          ...group,
          group: 3n,
          groupK: 12n,
        },
      ]);
      const dropped = (await db.runAndReadAll('SELECT * FROM dropped_counts')).getRowObjectsJS();
      expect(dropped).toEqual([{ reason: 'evicted', n: 2n }]);
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  });
});
