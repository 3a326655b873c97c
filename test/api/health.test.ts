import { describe, expect, it } from 'vitest';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';

const REST_OPERATIONS: [string, string][] = [
  ['/users/login', 'post'],
  ['/users/me', 'get'],
  ['/users/{user_id}/balance', 'get'],
  ['/users/{user_id}/transactions', 'get'],
  ['/users/logout', 'post'],
  ['/users/{user_id}/faucet', 'post'],
];

/** Every src/href in an HTML page. */
function referencedUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
}

describe.each(dialects)('health, OpenAPI document and docs page on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('answers /healthz with 200 {"status":"ok","database":"ok"}', async () => {
    const res = await api(suite.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('serves an OpenAPI 3 document at /api/openapi.json', async () => {
    const res = await api(suite.url, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.info.title).toEqual(expect.any(String));
  });

  it.each(REST_OPERATIONS)('lists %s (%s) in the OpenAPI document', async (path, method) => {
    const { body } = await api(suite.url, 'GET', '/api/openapi.json');
    const prefix = (body.servers?.[0]?.url ?? '').endsWith('/api') ? '' : '/api';
    expect(body.paths[`${prefix}${path}`]?.[method]).toBeDefined();
  });

  it('declares the X-Session-Token header as the way to authenticate', async () => {
    const { body } = await api(suite.url, 'GET', '/api/openapi.json');
    const schemes = Object.values(body.components?.securitySchemes ?? {}) as { type: string; in?: string; name?: string }[];
    expect(schemes).toContainEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Session-Token' }));
  });

  it('serves an HTML docs page at /api/docs', async () => {
    const res = await fetch(`${suite.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('references no CDN or other remote URL from the docs page', async () => {
    const html = await (await fetch(`${suite.url}/api/docs`)).text();
    expect(html).not.toMatch(/https?:\/\//i);
    expect(referencedUrls(html).filter((u) => u.startsWith('//'))).toEqual([]);
    expect(referencedUrls(html).length).toBeGreaterThan(0);
  });

  it('serves every file the docs page references', async () => {
    const pageUrl = `${suite.url}/api/docs`;
    const html = await (await fetch(pageUrl)).text();
    for (const ref of referencedUrls(html)) {
      const res = await fetch(new URL(ref, pageUrl));
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toMatch(/javascript|css|png|svg|icon|html/);
      expect((await res.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
  });

  it('points the docs page at the local OpenAPI document', async () => {
    const pageUrl = `${suite.url}/api/docs`;
    const html = await (await fetch(pageUrl)).text();
    const scripts = await Promise.all(
      referencedUrls(html).filter((u) => /\.js$/.test(u)).map(async (u) => (await fetch(new URL(u, pageUrl))).text()),
    );
    expect(`${html}\n${scripts.join('\n')}`).toContain('/api/openapi.json');
  });

  it('lets browsers cache the docs page\'s static files', async () => {
    const res = await fetch(`${suite.url}/api/docs/swagger-ui-bundle.js`);
    await res.arrayBuffer();
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });
});
