/**
 * The only context about a shopper that may leave the device: its group, under local
 * differential privacy by k-ary randomized response (k-RR). With k groups and privacy parameter
 * ε, the device reports its true group with probability p = e^ε / (e^ε + k − 1) and each other
 * group with probability q = 1 / (e^ε + k − 1): whatever the shop sees, any two true groups were
 * at most e^ε times as likely to produce it.
 *
 * The draw is remembered for the day: every report of the same true group on the same day repeats
 * the same answer, so a day's reports tell the shop no more than one does (the privacy loss for a
 * day is ε per distinct true group, and a device draws for at most {@link MAX_GROUPS_PER_DAY}
 * groups a day: at most that × ε a day). The offline learner inverts the channel
 * ({@link debiasWeight}); the same functions serve both sides.
 */

/** Distinct true groups a device reports in one day; past it, no group is sent that day. */
export const MAX_GROUPS_PER_DAY = 3;

/** Probability of reporting the true group (`p`) and each particular other one (`q`). */
export function responseProbabilities(k: number, epsilon: number): { p: number; q: number } {
  if (!Number.isFinite(epsilon)) return { p: 1, q: 0 };
  const e = Math.exp(epsilon);
  return { p: e / (e + k - 1), q: 1 / (e + k - 1) };
}

/** One k-RR draw of `group` (0…k−1). */
export function randomizeGroup(
  group: number,
  k: number,
  epsilon: number,
  random: () => number,
): number {
  const { p } = responseProbabilities(k, epsilon);
  if (random() < p) return group;
  const other = Math.floor(random() * (k - 1));
  return other >= group ? other + 1 : other;
}

/**
 * The weight that makes a sum over reports an unbiased sum over true groups:
 * E[Σ_n debiasWeight(reported_n, g)·y_n] = Σ_{n in true group g} y_n, for any y independent of
 * the draw. Inverts the k-RR channel: (1[reported = g] − q) / (p − q).
 */
export function debiasWeight(reported: number, group: number, k: number, epsilon: number): number {
  const { p, q } = responseProbabilities(k, epsilon);
  return ((reported === group ? 1 : 0) - q) / (p - q);
}

/** What a device remembers to keep a day's reports consistent (kept with the decision state). */
export interface GroupReportMemo {
  /** The shopper's calendar day (days since epoch, local clock). */
  day: number;
  /** Segments and ε the draws were made for: a new file or setting starts over. */
  key: string;
  draws: { group: number; reported: number }[];
  /**
   * Draws made earlier the same day for another key: they still count against the day's cap, so
   * that a shop cannot buy more draws by renaming its segments file or changing ε mid-day.
   */
  spent?: number;
}

/**
 * The group to report for `group` today: the day's earlier draw for it, or a new draw (at most
 * {@link MAX_GROUPS_PER_DAY} a day, whatever the key; `reported` undefined past it). Returns the
 * memo to keep.
 */
export function dailyReport(
  memo: GroupReportMemo | undefined,
  group: number,
  day: number,
  key: string,
  k: number,
  epsilon: number,
  random: () => number,
): { reported: number | undefined; memo: GroupReportMemo } {
  let current: GroupReportMemo;
  if (memo && memo.day === day && memo.key === key) current = memo;
  else if (memo && memo.day === day) {
    current = { day, key, draws: [], spent: (memo.spent ?? 0) + memo.draws.length };
  } else current = { day, key, draws: [] };
  const earlier = current.draws.find((d) => d.group === group);
  if (earlier) return { reported: earlier.reported, memo: current };
  if ((current.spent ?? 0) + current.draws.length >= MAX_GROUPS_PER_DAY) {
    return { reported: undefined, memo: current };
  }
  const reported = randomizeGroup(group, k, epsilon, random);
  return {
    reported,
    memo: { ...current, draws: [...current.draws, { group, reported }] },
  };
}
