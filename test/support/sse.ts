/** A raw server-sent-events reader over fetch, so tests see exactly what goes over the wire. */
export interface SseMessage {
  event: string;
  id?: string;
  data: any;
}

export interface SseStream {
  status: number;
  messages: SseMessage[];
  /** Data messages (no pings, no connection notices). */
  dataMessages(): SseMessage[];
  /** Resolves when `predicate` holds for the received data messages, or rejects after `timeoutMs`. */
  waitFor(predicate: (data: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

  const pump = async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const message: SseMessage = { event: 'message', data: null };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'event') message.event = value;
            else if (field === 'id') message.id = value;
            else if (field === 'data') message.data = value ? JSON.parse(value) : null;
          }
          messages.push(message);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      resolveEnded();
      for (const wake of waiters) wake();
    }
  };
  void pump();

  const dataMessages = () => messages.filter((m) => m.event === 'message' && m.data !== null);
  return {
    status: res.status,
    messages,
    dataMessages,
    ended,
    close: () => controller.abort(),
    waitFor(predicate, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(dataMessages())) {
            cleanup();
            resolve(dataMessages());
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out; got ${JSON.stringify(dataMessages())}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
