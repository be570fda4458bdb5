/**
 * The one client of quire's HTTP API, shared by the CLI, the tests and the benches: typed by
 * the server's own shapes (api-types.ts), and every failed answer turned into one `ApiError`
 * that carries the server's code, message and candidates. Kept free of node:* imports so the
 * CLI loads it cheaply and a test can hand it hono's `app.request` as its fetch.
 */
import { QuireError } from "../../core/errors.ts";
import type {
  CancelJson,
  DeliveryListJson,
  ErrorJson,
  HealthJson,
  PushJson,
  ReconcileJson,
  RetryJson,
  RunDetailsJson,
  RunListJson,
} from "./api-types.ts";
import type { DeliveryView } from "./delivery-view.ts";
import { joinUrl } from "./join-url.ts";

/** `fetch`, or anything shaped like it (hono's `app.request` serves an app in memory). */
export type Fetch = (input: URL, init: RequestInit) => Response | Promise<Response>;

export interface ApiClientOptions {
  /** The server's URL, path prefix included (`<home>/server.url`, `http://host/ci`). */
  baseUrl: string;
  /** The hook token; sent as a bearer token on every request when given. */
  token?: string;
  fetch?: Fetch;
}

/**
 * A request the server refused (`status` and the `code` of its error body, or `http_<status>`
 * when the body was no error JSON), or a server that did not answer (`status` null, code
 * `unreachable`, the network error as `cause`).
 */
export class ApiError extends QuireError {
  override readonly name = "ApiError";
  readonly status: number | null;
  /** The runs an ambiguous run alias could mean (409 `ambiguous_run_ref`). */
  readonly candidates: string[];

  constructor(code: string, message: string, status: number | null, candidates: string[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
    this.candidates = candidates;
  }
}

/** `GET /runs` filters; values go to the query string as given (the server validates them), undefined ones not at all. */
export interface RunListQuery {
  repo?: string | undefined;
  ref?: string | undefined;
  status?: string | undefined;
  outcome?: string | undefined;
  limit?: string | number | undefined;
  cursor?: string | undefined;
}

export interface DeliveryListQuery {
  /** A run id or alias. */
  run?: string | undefined;
  status?: string | undefined;
  limit?: string | number | undefined;
}

export type ApiClient = ReturnType<typeof apiClient>;

export function apiClient(options: ApiClientOptions) {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};

  /** The answer as it came, whatever its status; only a server that does not answer throws. */
  const raw = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> => {
    try {
      return await send(joinUrl(options.baseUrl, path), { method, ...init, headers: { ...auth, ...init.headers } });
    } catch (error) {
      throw new ApiError("unreachable", `server at ${options.baseUrl} unreachable: ${(error as Error).message}`, null, [], { cause: error });
    }
  };
  const ok = async (method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Response> => {
    const response = await raw(method, path, init);
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as Partial<ErrorJson>;
    const error = body.error;
    if (typeof error?.message !== "string") throw new ApiError(`http_${response.status}`, `HTTP ${response.status}`, response.status);
    throw new ApiError(error.code ?? `http_${response.status}`, error.message, response.status, error.candidates ?? []);
  };
  const json = async <T>(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<T> =>
    (await (await ok(method, path, init)).json()) as T;
  const run = (ref: string) => `runs/${encodeURIComponent(ref)}`;
  const delivery = (id: string) => `deliveries/${encodeURIComponent(id)}`;

  return {
    baseUrl: options.baseUrl,
    raw,
    health: () => json<HealthJson>("GET", "health"),
    /** Posts a push event as the hook does (`POST /events/push`). */
    push: (event: unknown) =>
      json<PushJson>("POST", "events/push", { body: JSON.stringify(event), headers: { "content-type": "application/json" } }),
    listRuns: (query: RunListQuery = {}) => json<RunListJson>("GET", `runs${queryString(query)}`),
    getRun: (ref: string) => json<RunDetailsJson>("GET", run(ref)),
    cancel: (ref: string) => json<CancelJson>("POST", `${run(ref)}/cancel`),
    retry: (ref: string) => json<RetryJson>("POST", `${run(ref)}/retry`),
    /** The raw CRI lines of one `sh-<n>.log`, from byte `offset` on. */
    logs: async (ref: string, job: string, n: number, offset = 0): Promise<string> =>
      (await ok("GET", `${run(ref)}/jobs/${encodeURIComponent(job)}/logs/${n}${offset ? `?offset=${offset}` : ""}`)).text(),
    listDeliveries: (query: DeliveryListQuery = {}) => json<DeliveryListJson>("GET", `deliveries${queryString(query)}`),
    getDelivery: (id: string) => json<DeliveryView>("GET", delivery(id)),
    redeliver: (id: string) => json<DeliveryView>("POST", `${delivery(id)}/redeliver`),
    reconcile: () => json<ReconcileJson>("POST", "reconcile"),
  };
}

function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
