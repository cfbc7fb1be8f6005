/** JSON-lines logging for the entry points; the core itself logs only through what it is given. */
import type { Logger } from '../tasks/service.ts';

/** A logger writing one JSON object per line, with fixed fields (task id, request id) merged in. */
export function jsonLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: string, event: string, fields: Record<string, unknown> = {}) => {
    const line = JSON.stringify({ level, event, ...base, ...fields, at: new Date().toISOString() });
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
