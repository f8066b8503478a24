import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  chooseEvictions,
  classifyStatus,
  evictionOrder,
  MAX_DELAY_MS,
  parseRetryAfter,
  planBatch,
  PRIORITY,
  retryDelay,
} from './policy.js';

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [0, 'retry'],
    [408, 'retry'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [413, 'split'],
    [400, 'bisect'],
    [401, 'drop'],
    [403, 'drop'],
    [404, 'drop'],
    [410, 'drop'],
    [422, 'drop'],
    [418, 'drop'],
    [501, 'drop'],
    [505, 'drop'],
  ])('%i → %s', (status, action) => {
    expect(classifyStatus(status).action).toBe(action);
  });

  it('gives drop reasons that name the status', () => {
    expect(classifyStatus(404).reason).toBe('http_404');
    expect(classifyStatus(501).reason).toBe('http_501');
    expect(classifyStatus(413).reason).toBe('too_large');
    expect(classifyStatus(400).reason).toBe('rejected');
    expect(classifyStatus(0).reason).toBe('network');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it.each([
    ['0', 0],
    ['5', 5000],
    [' 120 ', 120_000],
    ['301', MAX_DELAY_MS],
    ['999999', MAX_DELAY_MS],
    ['Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['Sat, 01 Mar 2025 11:00:00 GMT', 0],
    ['Sat, 01 Mar 2025 13:00:00 GMT', MAX_DELAY_MS],
  ])('%j → %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it("measures an HTTP-date from the reply's Date header, not from a skewed client clock", () => {
    const header = 'Sat, 01 Mar 2025 12:00:02 GMT';
    const date = 'Sat, 01 Mar 2025 12:00:00 GMT';
    const day = 24 * 3600_000;
    // A client clock a day ahead would see the date in the past (0: retry at once, in a loop);
    // a day behind, 24 h away (the 5-minute cap). The server's own Date gives the 2 s it meant.
    expect(parseRetryAfter(header, now + day)).toBe(0);
    expect(parseRetryAfter(header, now - day)).toBe(MAX_DELAY_MS);
    expect(parseRetryAfter(header, now + day, date)).toBe(2000);
    expect(parseRetryAfter(header, now - day, date)).toBe(2000);
    // Delta-seconds need no clock; an unparseable Date falls back to the client's clock.
    expect(parseRetryAfter('7', now + day, date)).toBe(7000);
    expect(parseRetryAfter(header, now, 'yesterday')).toBe(2000);
  });

  it.each([[''], ['soon'], ['-5'], ['1.5'], [null], [undefined]])('%j → undefined', (header) => {
    expect(parseRetryAfter(header as string | null | undefined, now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('takes a Retry-After of at least 1 s as is, and backs off below that', () => {
    expect(retryDelay(30_000, 0, () => 0.5)).toEqual({ delay: 30_000, fromServer: true });
    expect(retryDelay(1000, 4, () => 0.5)).toEqual({ delay: 1000, fromServer: true });
    // 0 or a date already past must not become a tight loop: the backoff applies.
    expect(retryDelay(0, 4, () => 0.5)).toEqual({ delay: 8000, fromServer: false });
    expect(retryDelay(999, 0, () => 0)).toEqual({ delay: 1000, fromServer: false });
    expect(retryDelay(undefined, 1, () => 1)).toEqual({ delay: 2000, fromServer: false });
  });
});

describe('backoffDelay', () => {
  it.each([
    [0, 1, 1000],
    [1, 1, 2000],
    [3, 1, 8000],
    [3, 0.5, 4000],
    [8, 1, 256_000],
    [9, 1, MAX_DELAY_MS],
    [50, 1, MAX_DELAY_MS],
    [5, 0, 1000],
    [2, Number.NaN, 4000],
  ])('attempt %i, random %f → %i ms', (attempt, r, ms) => {
    expect(backoffDelay(attempt, () => r)).toBe(ms);
  });

  it('stays within [1 s, 5 min] for random inputs', () => {
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(i % 40, Math.random);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
  });
});

describe('priorities and eviction', () => {
  it('orders impression < click < dismiss < claim', () => {
    expect(PRIORITY.impression).toBeLessThan(PRIORITY.click);
    expect(PRIORITY.click).toBeLessThan(PRIORITY.dismiss);
    expect(PRIORITY.dismiss).toBeLessThan(PRIORITY.claim);
  });

  it('evicts lowest priority first, then oldest (by id: UUIDv7, in acceptance order)', () => {
    // `createdAt` is the wall clock, which may jump: it is not consulted (c was accepted after b
    // although the clock then said earlier).
    const rows = [
      { id: 'a', priority: 3, createdAt: 1, bytes: 10 },
      { id: 'c', priority: 0, createdAt: 2, bytes: 10 },
      { id: 'b', priority: 0, createdAt: 5, bytes: 10 },
      { id: 'd', priority: 1, createdAt: 0, bytes: 10 },
    ];
    expect(chooseEvictions(rows, 2, 1000).map((r) => r.id)).toEqual(['b', 'c']);
    expect(chooseEvictions(rows, 10, 15).map((r) => r.id)).toEqual(['b', 'c', 'd']);
    expect(chooseEvictions(rows, 4, 40)).toEqual([]);
    expect(
      rows
        .slice()
        .sort(evictionOrder)
        .map((r) => r.id),
    ).toEqual(['b', 'c', 'd', 'a']);
  });
});

describe('planBatch', () => {
  const rows = (sizes: number[]) => sizes.map((bytes, i) => ({ id: i, bytes }));
  it.each([
    [[10, 10, 10], 2, 100, 2],
    [[10, 10, 10], 50, 25, 2],
    [[10, 10, 10], 50, 30, 3],
    [[500, 10], 50, 100, 1],
    [[], 50, 100, 0],
  ])('%j, max %i events / %i bytes → %i', (sizes, maxEvents, maxBytes, n) => {
    expect(planBatch(rows(sizes), maxEvents, maxBytes)).toHaveLength(n);
  });
});
