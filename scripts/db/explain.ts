// The plans Postgres chose for every statement a call runs, including those inside SQL
// functions: auto_explain logs each nested statement's plan, sent to this client as notices.
import postgres from 'postgres';

export interface PlanCapture {
  /** Runs `query` once and answers the plan of every statement it executed. */
  plans(query: string, params?: postgres.ParameterOrJSON<never>[]): Promise<string[]>;
  close(): Promise<void>;
}

/** A dedicated connection with auto_explain; `settings` are set for each captured call. */
export function capturePlans(url: string, settings: Record<string, string> = {}): PlanCapture {
  let notices: string[] = [];
  const sql = postgres(url, {
    max: 1,
    prepare: false,
    onnotice: (notice) => notices.push(String(notice.message)),
  });
  return {
    async plans(query, params = []) {
      notices = [];
      await sql.begin(async (tx) => {
        await tx.unsafe(`load 'auto_explain'`);
        const all = {
          'auto_explain.log_min_duration': '0',
          'auto_explain.log_nested_statements': 'on',
          'auto_explain.log_level': 'notice',
          ...settings,
        };
        for (const [name, value] of Object.entries(all)) {
          await tx.unsafe(`select set_config($1, $2, true)`, [name, value]);
        }
        await tx.unsafe(query, params);
      });
      return notices.filter((message) => message.includes('plan:'));
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** The plans that read a table by scanning it whole. */
export function sequentialScans(plans: string[], table: string): string[] {
  return plans.filter((plan) => new RegExp(`Seq Scan on ${table}\\b`).test(plan));
}
