// What the queue benchmark's consumers saw: every id handed out and every claim that
// succeeded, so a double claim shows up whichever consumer made it.

const ROUND_TIMEOUT_MS = 5 * 60_000;

export interface RoundResult {
  system: 'table' | 'pg-boss';
  seconds: number;
  claims: number;
  /** Tasks claimed more than once (in this log or, for the table queue, in task_events). */
  doubleClaims: number;
  /** Ids the queue handed out more than once (claim_task is there to absorb these). */
  redelivered: number;
  unclaimed: number;
}

export class ClaimLog {
  readonly startedAt = performance.now();
  private readonly handedOut = new Map<string, number>();
  private readonly claimed = new Map<string, number>();
  private handedOutTotal = 0;
  private finishedAt: number | null = null;

  constructor(readonly total: number) {}

  handOut(id: string): void {
    this.handedOut.set(id, (this.handedOut.get(id) ?? 0) + 1);
    this.handedOutTotal += 1;
  }

  claim(id: string): void {
    this.claimed.set(id, (this.claimed.get(id) ?? 0) + 1);
  }

  /**
   * After an empty answer: true once every task was handed out. Before that an empty answer
   * means the rest is locked by other consumers, so this waits a moment and answers false.
   */
  async drained(): Promise<boolean> {
    if (this.handedOutTotal >= this.total) return true;
    if (performance.now() - this.startedAt > ROUND_TIMEOUT_MS) {
      throw new Error(`queue round did not finish within ${ROUND_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
    return false;
  }

  /** Stops the clock: checks made afterwards are not part of the round's time. */
  finish(): void {
    this.finishedAt ??= performance.now();
  }

  /** The round's figures; `db` is what the database recorded (tasks claimed twice, never). */
  result(system: RoundResult['system'], db: { twice: number; never: number }): RoundResult {
    this.finish();
    const seconds = ((this.finishedAt ?? 0) - this.startedAt) / 1000;
    let claims = 0;
    let doubleClaims = db.twice;
    for (const n of this.claimed.values()) {
      claims += n;
      if (n > 1) doubleClaims += 1;
    }
    let redelivered = 0;
    for (const n of this.handedOut.values()) if (n > 1) redelivered += 1;
    const unclaimed = Math.max(db.never, this.total - this.claimed.size);
    return { system, seconds, claims, doubleClaims, redelivered, unclaimed };
  }
}
