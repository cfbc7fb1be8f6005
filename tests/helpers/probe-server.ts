// A loopback HTTP service for tests that run inside workerd (which cannot start processes):
// ffprobe on a posted video, and real images made by ffmpeg.
import { createServer } from 'node:http';
import { makeImage, probeVideo, type ImageFormat } from './media.ts';

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/**
 * POST /probe with a video as the body answers its VideoProbe as JSON (422 if unreadable);
 * GET /image?format=png&width=640&height=480 answers a real image.
 */
export async function startProbeServer(port: number): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    if (req.method === 'GET' && url.pathname === '/image') {
      const format = (url.searchParams.get('format') ?? 'png') as ImageFormat;
      const width = Number(url.searchParams.get('width') ?? 640);
      const height = Number(url.searchParams.get('height') ?? 480);
      makeImage(format, width, height)
        .then((bytes) => {
          res.writeHead(200, { 'content-type': `image/${format}` });
          res.end(bytes);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      return;
    }
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
