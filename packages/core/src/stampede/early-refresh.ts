/**
 * XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede Prevention"):
 * refresh early when `now - loadMs · β · ln(random) ≥ expiresAt`. `-ln(random)` is exponentially
 * distributed, so the chance of an early refresh is exp(-remaining / (loadMs · β)): negligible far
 * from expiry, rising as it nears, and sooner for values that are slow to recompute.
 */
export function xfetchDue(now: number, expiresAt: number, loadMs: number, beta: number, random: () => number): boolean {
  if (beta <= 0 || loadMs <= 0) return false;
  return now - loadMs * beta * Math.log(random()) >= expiresAt;
}

/** Refresh-ahead: due once `fraction` of the entry's lifetime has passed. */
export function refreshAheadDue(now: number, createdAt: number, expiresAt: number, fraction: number): boolean {
  return fraction > 0 && now >= createdAt + (expiresAt - createdAt) * fraction;
}
