import { parseConfig } from '../../server/env.js';
import { createServer, type ExchangeServer } from '../../server/http.js';

export interface RunningServer {
  url: string;
  exchange: ExchangeServer;
  stop(): Promise<void>;
}

/** The real HTTP server on an ephemeral port, configured through the same env parsing as npm start. */
export async function startTestServer(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const config = parseConfig({ DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent', ...env });
  const exchange = createServer({ config });
  const url = await exchange.start();
  return { url, exchange, stop: () => exchange.stop() };
}
