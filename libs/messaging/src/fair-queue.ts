/**
 * Fair queuing between tenants on the Bull queue (docs/fair-queuing.md): start-time fair queuing
 * with Bull's job priority as the virtual time.
 *
 * Every job gets a tag at enqueue, `max(V, last[tenant]) + 1`, and is added with `priority = tag`.
 * Bull keeps waiting priority jobs ordered by priority (ties first in, first out), so workers take
 * the lowest tag next. `V`, the queue's virtual time, is "everything up to here has been taken":
 * the lowest tag still waiting minus one (read from Bull's own `priority` set, which holds exactly
 * the waiting priority jobs), or, with nothing waiting, the highest tag ever given. A tenant with a
 * backlog of n has tags up to V + n; a tenant with nothing waiting gets V + 1, so its task is next
 * but for at most one job per other tenant with the same tag. A tenant's own tasks keep their order
 * (its tags only grow), and a tenant alone gets every free slot (priorities only order, never hold
 * back).
 *
 * The tag is computed by one Lua script (atomic across every api and worker process); the job is
 * added right after by Bull's own script. Between the two nothing can break the order: a tag is
 * valid whenever its job lands, since tags only say "behind everything up to V".
 */
import type { Redis } from 'ioredis';
import type { TaskQueue } from './queue';

/** The hash holding the fair queue's state, under the queue's Bull prefix: `max` (the highest tag given), `t:<tenant>` (a tenant's last tag). */
export const FAIR_STATE_KEY = 'fair';

/**
 * The tags of new jobs, in order. KEYS[1] Bull's `priority` zset (waiting priority jobs by
 * priority), KEYS[2] the fair state hash, then each job's hash (already there: the job exists, Bull
 * would ignore the add); ARGV: each job's tenant. Each job gets `max(V, last[tenant]) + 1`, V taken
 * as if the jobs before it in the list had been added already (a tag taken here lowers the queue's
 * head for the next ones as the added job would); 0 for a job that exists, or is earlier in the list.
 */
const TAGS_SCRIPT = `
local max = tonumber(redis.call('HGET', KEYS[2], 'max') or '0')
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local headScore = nil
if head[2] then headScore = tonumber(head[2]) end
local seen = {}
local out = {}
for i = 1, #ARGV do
  local jobKey = KEYS[i + 2]
  if seen[jobKey] or redis.call('EXISTS', jobKey) == 1 then
    out[i] = 0
  else
    seen[jobKey] = true
    local vt = max
    if headScore then vt = headScore - 1 end
    local field = 't:' .. ARGV[i]
    local last = tonumber(redis.call('HGET', KEYS[2], field) or '0')
    local tag = vt
    if last > tag then tag = last end
    tag = tag + 1
    if tag > max then max = tag end
    redis.call('HSET', KEYS[2], 'max', max, field, tag)
    if headScore == nil or tag < headScore then headScore = tag end
    out[i] = tag
  end
end
return out
`;

/**
 * KEYS[1] Bull's `priority` zset, KEYS[2] the fair state hash. Forgets the tenants whose last tag
 * is not past the virtual time (nothing of theirs waits: the same as never seen) and answers
 * { vt, tenant1, last1, tenant2, last2, ... } for the tenants left.
 */
const SNAPSHOT_SCRIPT = `
local max = tonumber(redis.call('HGET', KEYS[2], 'max') or '0')
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local vt = max
if head[2] then vt = tonumber(head[2]) - 1 end
local out = { vt }
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local field = all[i]
  if string.sub(field, 1, 2) == 't:' then
    local last = tonumber(all[i + 1])
    if last <= vt then
      redis.call('HDEL', KEYS[2], field)
    else
      table.insert(out, string.sub(field, 3))
      table.insert(out, last)
    end
  end
end
return out
`;

interface FairCommands {
  aoFairSnapshot(priorityKey: string, stateKey: string): Promise<Array<string | number>>;
  aoFairTags(numberOfKeys: number, ...keysThenTenants: string[]): Promise<Array<string | number>>;
}

const defined = new WeakSet<object>();

function commands(client: Redis): FairCommands {
  if (!defined.has(client)) {
    client.defineCommand('aoFairSnapshot', { numberOfKeys: 2, lua: SNAPSHOT_SCRIPT });
    // The number of keys varies (2 + one per job): given first at each call.
    client.defineCommand('aoFairTags', { lua: TAGS_SCRIPT });
    defined.add(client);
  }
  return client as unknown as FairCommands;
}

/** The tag (Bull priority) of a new job of `tenant`; 0 when the job `jobId` exists already (the add would be a no-op). */
export async function fairTag(queue: TaskQueue, jobId: string, tenant: string): Promise<number> {
  const [tag] = await fairTags(queue, [{ jobId, tenant }]);
  return tag ?? 0;
}

/**
 * The tags of several new jobs, in one round trip: each the tag `fairTag` would give it had the jobs
 * before it in the list been added already (0: the job exists, or is earlier in the list). The
 * caller adds them in this order, with these priorities.
 */
export async function fairTags(queue: TaskQueue, jobs: readonly { jobId: string; tenant: string }[]): Promise<number[]> {
  if (jobs.length === 0) return [];
  const keys = [queue.toKey('priority'), queue.toKey(FAIR_STATE_KEY), ...jobs.map((j) => queue.toKey(j.jobId))];
  const tags = await commands(queue.client).aoFairTags(keys.length, ...keys, ...jobs.map((j) => j.tenant));
  return tags.map(Number);
}

/** A tenant's place in the fair queue: how many rounds (jobs of each other backlogged tenant) its last waiting job is behind. */
export interface TenantBacklog {
  tenant: string;
  /**
   * Tags between the queue's virtual time and the tenant's last job: the number of jobs it has
   * waiting, give or take the jobs removed while waiting (a cancel) until the queue passes them.
   */
  waiting: number;
}

/**
 * The tenants with jobs waiting, largest backlog first, at most `limit` (bounded label
 * cardinality for metrics). Also forgets the tenants that have caught up, so the state hash holds
 * only tenants with a backlog.
 */
export async function fairBacklog(queue: TaskQueue, limit = 20): Promise<{ virtualTime: number; tenants: TenantBacklog[] }> {
  const raw = await commands(queue.client).aoFairSnapshot(queue.toKey('priority'), queue.toKey(FAIR_STATE_KEY));
  const virtualTime = Number(raw[0] ?? 0);
  const tenants: TenantBacklog[] = [];
  for (let i = 1; i + 1 < raw.length; i += 2) tenants.push({ tenant: String(raw[i]), waiting: Number(raw[i + 1]) - virtualTime });
  tenants.sort((a, b) => b.waiting - a.waiting || a.tenant.localeCompare(b.tenant));
  return { virtualTime, tenants: tenants.slice(0, limit) };
}
