// A stand-in for a provider's result URL: GET /video?bytes=N answers N bytes that begin with an
// MP4 `ftyp` box, generated while sent (one shared 64 KiB chunk), so the server holds no video.
import { createServer, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freePort } from '../../scripts/lib/ports.ts';

const CHUNK = 64 * 1024;

// size 24, 'ftyp', major brand 'isom', minor version 0x200, compatible 'isom' 'iso2' 'mp41'.
const FTYP_BOX = Buffer.concat([
  Buffer.from([0, 0, 0, 24]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isomiso2mp41', 'latin1'),
]);

// Filler after the header; never mutated, so pushing the same buffer again is safe.
const FILLER = Buffer.alloc(CHUNK, 0x5a);

export interface Mp4Source {
  /** URL of a body of `bytes` bytes; `chunked` leaves out Content-Length. */
  url(bytes: number, chunked?: boolean): string;
  close(): Promise<void>;
}

/** A readable of `total` bytes: the ftyp box, then filler, produced only as it is read. */
export function mp4Body(total: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = sent === 0 ? FTYP_BOX : FILLER;
      const size = Math.min(chunk.byteLength, total - sent);
      sent += size;
      this.push(size === chunk.byteLength ? chunk : chunk.subarray(0, size));
    },
  });
}

function serve(res: ServerResponse, bytes: number, chunked: boolean): void {
  res.writeHead(200, {
    'content-type': 'video/mp4',
    ...(chunked ? {} : { 'content-length': String(bytes) }),
  });
  pipeline(mp4Body(bytes), res).catch(() => {
    // The client went away (a failed run); it reports that itself.
  });
}

/** Starts the source on a free loopback port. */
export async function startMp4Source(): Promise<Mp4Source> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://source');
    const bytes = Number(url.searchParams.get('bytes'));
    if (url.pathname !== '/video' || !Number.isSafeInteger(bytes) || bytes < 12) {
      res.writeHead(404).end();
      return;
    }
    serve(res, bytes, url.searchParams.get('chunked') === '1');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    url: (bytes, chunked = false) =>
      `http://127.0.0.1:${port}/video?bytes=${bytes}${chunked ? '&chunked=1' : ''}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
