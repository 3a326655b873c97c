import { parseConfig } from '../../server/env.js';
import { createServer, type ExchangeServer } from '../../server/http.js';

export interface RunningServer {
  url: string;
  exchange: ExchangeServer;
  stop(): Promise<void>;
}

/** The real HTTP server on an ephemeral port, configured through the same env parsing as npm start. */
export async function startTestServer(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
  // Many tests sign in dozens of users from 127.0.0.1: sign-in limits are off unless a test sets them.
  const defaults = { PORT: '0', LOG_LEVEL: 'silent', SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '0' };
  const config = parseConfig({ ...defaults, DATABASE_URL: databaseUrl, ...env });
  const exchange = createServer({ config });
  const url = await exchange.start();
  return { url, exchange, stop: () => exchange.stop() };
}
