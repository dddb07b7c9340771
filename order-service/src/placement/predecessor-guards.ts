import type { PendingReleaseModel } from './pending-releases';

/**
 * After a crash, the guards a process wrote for placements it never finished would hold their
 * stock until they come due (GUARD_DELAY_MS, minutes). Each guard names the slot that wrote it
 * (host and port): the process that holds the slot now, once it listens, knows that every guard
 * of the slot written before its own start belongs to a predecessor that is gone (two live
 * processes cannot listen on one port). Those are released now; the release retrier still checks
 * that no saved order owns a reservation before giving it back.
 */
export function slotOf(host: string, port: number): string {
  return `${host}:${port}`;
}

/** Makes the predecessor's guards due now; resolves with how many there were. */
export async function releasePredecessorGuards(
  model: PendingReleaseModel,
  slot: string,
  startedAt: Date,
): Promise<number> {
  const result = await model.updateMany(
    { reason: 'guard', owner: slot, createdAt: { $lt: startedAt } },
    { $set: { reason: 'unknown_outcome', dueAt: new Date() } },
  );
  return result.modifiedCount;
}
