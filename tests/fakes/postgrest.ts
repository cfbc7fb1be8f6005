// A fake of PostgREST's RPC endpoint (what supabase-js `.rpc()` calls), answering from the real
// test database. It speaks the documented wire format: POST /rest/v1/rpc/<fn> with the named
// arguments as a JSON object, `apikey` and `Authorization: Bearer <jwt>` headers; the JWT's
// `role` claim becomes the database role for the call, so privileges are enforced as on Supabase.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';

export interface FakePostgrest {
  url: string;
  /** A JWT for a role, signed with this server's secret (like Supabase's anon/service keys). */
  keyFor(role: 'anon' | 'authenticated' | 'service_role'): string;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signJwt(payload: Record<string, unknown>, secret: string): string {
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(payload));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function verifyJwt(token: string, secret: string): { role: string } | null {
  const [head, body, sig] = token.split('.');
  if (!head || !body || !sig) return null;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { role?: unknown };
  return typeof claims.role === 'string' ? { role: claims.role } : null;
}

/** Starts the fake on a free loopback port, connected to `databaseUrl`. */
export async function startFakePostgrest(databaseUrl: string): Promise<FakePostgrest> {
  const secret = `fake-jwt-secret-${crypto.randomUUID()}`;
  const sql = postgres(databaseUrl, { max: 20, onnotice: () => {} });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const match = /^\/rest\/v1\/rpc\/([^/?]+)/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match?.[1] || !IDENTIFIER.test(match[1])) {
          return send(res, 404, {
            code: 'PGRST202',
            message: 'Not found',
            details: null,
            hint: null,
          });
        }
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const claims = bearer ? verifyJwt(bearer, secret) : null;
        if (!claims || req.headers.apikey === undefined) {
          return send(res, 401, {
            code: 'PGRST301',
            message: 'JWT invalid',
            details: null,
            hint: null,
          });
        }

        let args: Record<string, unknown>;
        try {
          args = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as typeof args) : {};
        } catch {
          return send(res, 400, {
            code: 'PGRST102',
            message: 'Bad JSON',
            details: null,
            hint: null,
          });
        }
        const names = Object.keys(args);
        if (!names.every((name) => IDENTIFIER.test(name))) {
          return send(res, 400, {
            code: 'PGRST202',
            message: 'Bad argument',
            details: null,
            hint: null,
          });
        }

        // Postgres picks each argument's type from the function; the driver encodes it.
        const params = names.map((name) => (args[name] ?? null) as postgres.ParameterOrJSON<never>);
        const named = names.map((n, i) => `${n} => $${i + 1}`).join(', ');
        const call = `select public.${match[1]}(${named}) as result`;
        try {
          const rows = await sql.begin(async (tx) => {
            await tx.unsafe(`set local role ${claims.role}`);
            return tx.unsafe(call, params);
          });
          send(res, 200, rows[0]?.result ?? null);
        } catch (error) {
          const pg = error as { code?: string; message?: string };
          const status =
            pg.code === '42501'
              ? claims.role === 'anon'
                ? 401
                : 403
              : pg.code === '42883'
                ? 404
                : 400;
          send(res, status, {
            code: pg.code ?? 'XX000',
            message: pg.message ?? 'error',
            details: null,
            hint: null,
          });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    keyFor: (role) => signJwt({ role, iss: 'supabase-fake' }, secret),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end();
    },
  };
}
