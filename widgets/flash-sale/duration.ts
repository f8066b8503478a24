/**
 * `ms` as `hh:mm:ss`, rounded up to the second (so a countdown reads `00:00:01` until the end),
 * with a day count in front past 24 hours: `{days}` is a template such as `'{count}d'`.
 */
export function formatDuration(ms: number, days = '{count}d'): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const clock = [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
  return d > 0 ? `${days.replace('{count}', String(d))} ${clock}` : clock;
}
