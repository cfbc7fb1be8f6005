// A loopback HTTP service that runs ffprobe on a posted video, for tests that run inside
// workerd (which cannot start processes).
import { createServer } from 'node:http';
import { probeVideo } from './media.ts';

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/** POST /probe with the video as the body answers the VideoProbe as JSON (422 if unreadable). */
export async function startProbeServer(port: number): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      probeVideo(new Uint8Array(Buffer.concat(chunks)))
        .then((probe) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(probe));
        })
        .catch((error: unknown) => {
          res.writeHead(422, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
