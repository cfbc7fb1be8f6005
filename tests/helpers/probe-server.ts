// A loopback HTTP service for tests that run inside workerd (which cannot start processes):
// ffprobe on a posted video, the colour of one of its frames, and real images made by ffmpeg.
import { createServer, type ServerResponse } from 'node:http';
import { frameColor, makeImage, makeSolidImage, probeVideo, type ImageFormat } from './media.ts';

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /image?format=png&width=640&height=480[&color=red] answers a real image (a test pattern,
 * or one flat colour); POST /probe with a video as the body answers its VideoProbe as JSON
 * (422 if unreadable); POST /frame-color?at=1.5 answers the average [r, g, b] of that frame.
 */
export async function startProbeServer(port: number): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    if (req.method === 'GET' && url.pathname === '/image') {
      const format = (url.searchParams.get('format') ?? 'png') as ImageFormat;
      const width = Number(url.searchParams.get('width') ?? 640);
      const height = Number(url.searchParams.get('height') ?? 480);
      const color = url.searchParams.get('color');
      const made = color
        ? makeSolidImage(format, color, width, height)
        : makeImage(format, width, height);
      answer(res, made, `image/${format}`);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const video = new Uint8Array(Buffer.concat(chunks));
      const result =
        url.pathname === '/frame-color'
          ? frameColor(video, Number(url.searchParams.get('at') ?? 0))
          : probeVideo(video);
      answer(
        res,
        result.then((value) => JSON.stringify(value)),
        'application/json',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function answer(res: ServerResponse, body: Promise<Uint8Array | string>, type: string): void {
  body
    .then((bytes) => {
      res.writeHead(200, { 'content-type': type });
      res.end(bytes);
    })
    .catch((error: unknown) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    });
}
