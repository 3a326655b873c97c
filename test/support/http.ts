export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A plain fetch against the running server; parses JSON replies. */
export async function api<T = any>(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['X-Session-Token'] = opts.token;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: tests assert on that
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

let counter = 0;
/** A fresh, valid address-only wallet for a test. */
export function newWalletAddress(): string {
  counter += 1;
  return `aitbc1test${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 10)}`;
}

export async function loginNewUser(baseUrl: string, address = newWalletAddress()) {
  const res = await api(baseUrl, 'POST', '/api/users/login', { body: { wallet_address: address } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.session_token as string, userId: res.body.user_id as string, address, login: res.body };
}
