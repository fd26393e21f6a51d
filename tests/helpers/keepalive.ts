// A raw HTTP/1.1 server on 127.0.0.1 that keeps connections alive without a Keep-Alive hint and closes
// each one a few milliseconds after its last response went out: the way a busy reverse proxy or a server with a
// short idle timeout behaves. A client that reuses such a connection late writes into a dead socket.
import { createServer, type Socket } from 'node:net';

export interface KeepAliveServer {
  base: string;
  /** Set the body of a path (served with the given content type). */
  route: (path: string, body: string, contentType?: string) => void;
  /** Requests answered, connections accepted, connections closed by the server while idle. */
  stats: () => { requests: number; connections: number; idleCloses: number };
  close: () => Promise<void>;
}

export async function startKeepAliveServer(idleCloseMs: number): Promise<KeepAliveServer> {
  const routes = new Map<string, { body: Buffer; type: string }>();
  const sockets = new Set<Socket>();
  const stats = { requests: 0, connections: 0, idleCloses: 0 };
  const server = createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a client writing into the closed socket: its problem, not ours
    let buffered = '';
    let idle: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(idle);
      idle = undefined;
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const path = /^GET (\S+)/.exec(head)?.[1] ?? '/';
        const r = routes.get(new URL(path, 'http://x').pathname);
        stats.requests++;
        const body = r?.body ?? Buffer.from('not found');
        socket.write(`HTTP/1.1 ${r ? '200 OK' : '404 Not Found'}\r\nContent-Type: ${r?.type ?? 'text/plain'}\r\n` +
          `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`);
        // The idle clock starts once the response has gone out.
        socket.write(body, () => {
          clearTimeout(idle);
          idle = setTimeout(() => {
            stats.idleCloses++;
            socket.destroy();
          }, idleCloseMs);
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    base,
    route: (path, body, type = 'application/rss+xml') => {
      routes.set(path, { body: Buffer.from(body.replaceAll('{{BASE}}', base)), type });
    },
    stats: () => ({ ...stats }),
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
