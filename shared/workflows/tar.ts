/**
 * Just enough of the tar format (POSIX ustar, gzip-compressed) to split an archived directory
 * artifact into files and to pack files back into one: Argo stores `archive: none` artifacts as
 * separate objects under a key prefix, and reads a key prefix back as a directory.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Path inside the archive, `/`-separated, without a leading `./`. */
  path: string;
  data: Buffer;
}

function readString(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/** The regular files of a .tar.gz (directories and links are implied or skipped). */
export function readTarGz(archive: Buffer): TarEntry[] {
  const tar = gunzipSync(archive);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(readString(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 48);
    const prefix = readString(header, 345, 155);
    const name =
      longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'L') longName = body.toString('utf8').replace(/\0+$/, '');
    else if (type === '0' || type === '\0')
      entries.push({ path: name.replace(/^\.\//, ''), data: Buffer.from(body) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

function header(path: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(path.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(
    `${Math.floor(Date.UTC(2000, 0, 1) / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** A .tar.gz of the given files (names up to 100 bytes, as the examples use). */
export function writeTarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.path) > 100) throw new Error(`tar: path too long: ${e.path}`);
    parts.push(
      header(e.path, e.data.length),
      e.data,
      Buffer.alloc((512 - (e.data.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

export function isGzip(data: Buffer): boolean {
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
}
