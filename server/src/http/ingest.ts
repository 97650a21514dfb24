/**
 * The ingest hot path: POST /api/incidents and POST /api/incidents/preview, served from node:http
 * ahead of Express. Why: on the 2-core reference machine Express 5 costs ≈ 0.35 ms of CPU per
 * request — its hello-world serves ≈ 2,100 requests/s where node:http serves ≈ 9,700 — which alone
 * capped ingest at ≈ 750 reports/s, far below the 4,000/s target (issue 6, bench/ingest.ts).
 *
 * The contract is the Express one, piece by piece: the same helmet headers (captured once), the
 * body read like express.json (JSON content types, 64 KB, objects and arrays only) before
 * authentication, the same bearer auth and roles, Idempotency-Key, error bodies (errorResponse) and
 * access log. The integration, authorization and fuzz suites run against this path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { User } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import type { TokenService } from '../security.ts';
import type { Clock, IncidentService } from '../services/incidents.ts';
import type { UserRepository } from '../store/users-repo.ts';
import { errorResponse, logAccess, userFromAuthorization } from './common.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;
const REPORTER_ROLES: readonly User['role'][] = ['gridworker', 'dispatcher'];
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface IngestDeps {
  incidents: IncidentService;
  tokens: TokenService;
  users: UserRepository;
  clock: Clock;
  logger: Logger;
  /** The helmet middleware the Express app uses, so both paths send the same headers. */
  securityHeaders: Middleware;
  observeIngest(ms: number): void;
}

/** Read like express.json: undefined for other content types, 413 past the limit, 400 for bad JSON. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'] ?? '';
    const declared = Number(req.headers['content-length'] ?? NaN);
    const tooLarge = (): DomainError => new DomainError('too-large', 'request body too large');
    if (declared > BODY_LIMIT_BYTES) return void (req.resume(), reject(tooLarge()));
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') return void (req.resume(), reject(new DomainError('bad-request', `unsupported content encoding ${encoding}`)));
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) return void ((failed = true), reject(tooLarge()));
      chunks.push(chunk);
    });
    req.on('error', (err) => void ((failed = true), reject(err)));
    req.on('end', () => {
      if (failed) return;
      if (!JSON_TYPE.test(type)) return resolve(undefined);
      const text = Buffer.concat(chunks).toString('utf8');
      const first = /\S/.exec(text)?.[0];
      if (first === undefined) return resolve({});
      if (first !== '{' && first !== '[') return reject(new DomainError('bad-request', 'body is not valid JSON'));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new DomainError('bad-request', 'body is not valid JSON'));
      }
    });
  });
}

/**
 * The headers a middleware sets on every response, captured once: helmet's are the same for every
 * request (no nonces here), and running its dozen middlewares per report cost ≈ 2 % of the loop.
 */
function constantHeaders(middleware: Middleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  middleware({ headers: {}, method: 'POST', url: '/' } as IncomingMessage, res as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return headers;
}

/** Returns a handler that serves the ingest routes and answers false for every other request. */
export function createIngestHandler(deps: IngestDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { incidents, logger } = deps;
  const security = constantHeaders(deps.securityHeaders);

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const started = performance.now();
    let username: string | undefined;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { ...security, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
      logAccess(logger, { method: 'POST', path, status, ms: Math.round(performance.now() - started), user: username });
    };
    try {
      const body = await readJson(req);
      const user = userFromAuthorization(req.headers.authorization, deps.tokens, deps.users, deps.clock);
      username = user.username;
      if (!REPORTER_ROLES.includes(user.role)) throw new DomainError('forbidden', `role ${user.role} may not do this`);
      if (path === '/api/incidents/preview') return send(200, { preview: incidents.preview(body, user) });
      const key = req.headers['idempotency-key'];
      const { incident, created } = await incidents.report(body, user, Array.isArray(key) ? key[0] : key);
      deps.observeIngest(performance.now() - started);
      send(created ? 201 : 200, { incident }, { location: `/api/incidents/${incident.id}` });
    } catch (error) {
      const { status, body } = errorResponse(error, logger, { method: 'POST', path });
      if (res.headersSent) return void res.destroy();
      send(status, { error: body }, status === 413 ? { connection: 'close' } : {});
    }
  }

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== '/api/incidents' && path !== '/api/incidents/preview') return false;
    void handle(req, res, path);
    return true;
  };
}
