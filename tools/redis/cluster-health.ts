import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one node's CLUSTER NODES says about the whole cluster, without the parts that differ per node. */
export interface ClusterView {
  /** One line per node: id, role, master, failed or not, exact slot ranges; sorted. */
  readonly config: string;
  /** Slots that this node's view shows as migrating or importing. */
  readonly openSlots: readonly string[];
  /** Slots served by masters this view considers healthy. */
  readonly coveredSlots: number;
}

/**
 * Reduces CLUSTER NODES to what every node must agree on. `myself`, ping times and link state are
 * per-node noise; `fail?` (one node's suspicion) and `fail` (agreed) both count as failed, so views
 * agree only once gossip has spread the verdict.
 */
export function clusterView(text: string): ClusterView {
  const lines: string[] = [];
  const openSlots: string[] = [];
  let coveredSlots = 0;
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)) {
    const [id, , flags, master, , , , , ...slotSpecs] = line.split(' ');
    const flagList = flags!.split(',');
    const role = flagList.includes('master') ? 'master' : 'replica';
    const failed = flagList.some((flag) => flag === 'fail' || flag === 'fail?' || flag === 'noaddr');
    const ranges = slotSpecs.filter((spec) => !spec.startsWith('['));
    openSlots.push(...slotSpecs.filter((spec) => spec.startsWith('[')));
    if (role === 'master' && !failed) {
      for (const range of ranges) {
        const [from, to] = range.split('-').map(Number);
        coveredSlots += to === undefined ? 1 : to - from! + 1;
      }
    }
    lines.push(`${id} ${role} ${master} ${failed ? 'failed' : 'up'} ${ranges.join(',')}`);
  }
  return { config: lines.sort().join('\n'), openSlots, coveredSlots };
}

/**
 * Why the cluster is not healthy yet, or undefined if it is: every live node (replicas included)
 * reports cluster_state:ok, all views are identical, no slot is open, all 16384 slots are served.
 */
export function unhealthyReason(infos: readonly string[], views: readonly ClusterView[]): string | undefined {
  if (views.length === 0) return 'no node answered';
  const notOk = infos.filter((info) => !info.includes('cluster_state:ok')).length;
  if (notOk > 0) return `${notOk} node(s) not in cluster_state:ok`;
  const open = views.flatMap((view) => view.openSlots);
  if (open.length > 0) return `open slots: ${[...new Set(open)].join(' ')}`;
  const configs = new Set(views.map((view) => view.config));
  if (configs.size > 1) return `the nodes hold ${configs.size} different configurations`;
  if (views[0]!.coveredSlots !== 16384) return `${views[0]!.coveredSlots} of 16384 slots served`;
  return undefined;
}

/**
 * `redis-cli --cluster check`: the same checks redis-cli itself makes before a reshard (agreement,
 * open slots, coverage). Resolves to undefined when it passes, else to its complaints.
 */
export async function redisCliCheck(cli: string, port: number): Promise<string | undefined> {
  try {
    await run(cli, ['--cluster', 'check', `127.0.0.1:${port}`], { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 });
    return undefined;
  } catch (error) {
    const { stdout = '', message } = error as { stdout?: string; message: string };
    // Strip colour codes; keep the [ERR] and [WARNING] lines, which say what is wrong.
    const complaints = String(stdout)
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .filter((line) => line.includes('[ERR]') || line.includes('[WARNING]'));
    return `redis-cli --cluster check failed: ${complaints.join(' ') || message}`;
  }
}
