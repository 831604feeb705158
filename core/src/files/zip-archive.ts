import { createHash } from 'node:crypto';
import { Inflate } from 'fflate';
import { normalizeProjectPath } from './project-files.js';

/**
 * Reading ZIP archives someone else made (an upload, a GitHub zipball) without trusting them. The
 * central directory is read by hand, because the refusals need what fflate's unzip does not expose
 * (each entry's external attributes, to tell a symbolic link); the entries are inflated with fflate's
 * streaming `Inflate` under a cap, so an entry that inflates past what its header declared (a lying
 * zip bomb) is stopped after at most one small step, and each is checked against its CRC-32.
 */

/** Why an archive is refused as a whole. */
export type ArchiveRefusal = 'NOT_A_ZIP' | 'ZIP_BOMB' | 'TOO_MANY_ENTRIES' | 'UNSAFE_PATH' | 'SYMLINK' | 'UNSUPPORTED' | 'CORRUPT' | 'EMPTY';

/** The archive is refused: nothing of it may be written. `reason` is machine-readable; the message says which entry and why. */
export class ArchiveRefusedError extends Error {
  constructor(
    readonly reason: ArchiveRefusal,
    message: string,
    readonly entry?: string,
  ) {
    super(message);
    this.name = 'ArchiveRefusedError';
  }
}

export interface ArchiveLimits {
  /** The declared uncompressed sizes may add up to this much at most. */
  maxUncompressedBytes: number;
  /** Declared uncompressed total over the archive's own size, at most. */
  maxCompressionRatio: number;
  /** Entries the central directory may list (directories included). */
  maxEntries: number;
}

export interface ZipEntry {
  /** As stored in the archive (`/`-separated once backslashes are turned round). */
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  directory: boolean;
  symlink: boolean;
  encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** The entries of a ZIP's central directory, after the checks that need no inflating (bomb by size or ratio, entry count, ZIP64, encryption). */
export function readZipDirectory(bytes: Uint8Array, limits: ArchiveLimits): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw new ArchiveRefusedError('NOT_A_ZIP', 'This is not a ZIP archive (it has no end-of-central-directory record)');
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    throw new ArchiveRefusedError('UNSUPPORTED', 'ZIP64 archives are not supported (an archive this large is over the import limits anyway)');
  }
  if (count > limits.maxEntries) throw new ArchiveRefusedError('TOO_MANY_ENTRIES', `The archive lists ${count} entries; at most ${limits.maxEntries} are accepted`);
  if (directoryOffset + directorySize > eocd) throw new ArchiveRefusedError('CORRUPT', 'The archive is damaged (its central directory lies outside it)');
  if (count === 0) throw new ArchiveRefusedError('EMPTY', 'The archive is empty');

  const entries: ZipEntry[] = [];
  let offset = directoryOffset;
  let declared = 0;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > eocd || view.getUint32(offset, true) !== CENTRAL_SIGNATURE) throw new ArchiveRefusedError('CORRUPT', 'The archive is damaged (a central directory entry is missing)');
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    const crc32 = view.getUint32(offset + 16, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const localHeaderOffset = view.getUint32(offset + 42, true);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      throw new ArchiveRefusedError('UNSUPPORTED', 'ZIP64 archives are not supported (an archive this large is over the import limits anyway)');
    }
    const name = new TextDecoder('utf-8').decode(bytes.subarray(offset + 46, offset + 46 + nameLength)).replace(/\\/g, '/');
    const mode = madeBy === UNIX ? (external >>> 16) & S_IFMT : 0;
    entries.push({
      name,
      method,
      compressedSize,
      size,
      crc32,
      localHeaderOffset,
      directory: name.endsWith('/') || mode === S_IFDIR || (madeBy !== UNIX && (external & 0x10) !== 0),
      symlink: mode === S_IFLNK,
      encrypted: (flags & 1) !== 0,
    });
    declared += size;
    offset += 46 + nameLength + extraLength + commentLength;
  }
  // Declared sizes first: an archive that says it unpacks to too much is refused before anything is inflated.
  if (declared > limits.maxUncompressedBytes) {
    throw new ArchiveRefusedError('ZIP_BOMB', `The archive unpacks to ${declared} bytes; at most ${limits.maxUncompressedBytes} are accepted`);
  }
  const ratio = declared / Math.max(1, bytes.byteLength);
  if (ratio > limits.maxCompressionRatio) {
    throw new ArchiveRefusedError('ZIP_BOMB', `The archive is compressed ${Math.round(ratio)} to 1; at most ${limits.maxCompressionRatio} to 1 is accepted (a zip bomb)`);
  }
  return entries;
}

/** The end-of-central-directory record: the last 22 bytes, or up to 64 KiB earlier when the archive has a comment. */
function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  for (let offset = last; offset >= Math.max(0, last - 0xffff); offset--) {
    if (view.getUint32(offset, true) === EOCD_SIGNATURE) return offset;
  }
  return -1;
}

/**
 * Why a path may not be a project path, or null when it may: absolute paths, drive letters and `..`
 * segments are named as such (they would escape the project); anything else normalizeProjectPath refuses.
 */
export function unsafePathReason(name: string): string | null {
  if (name.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split('/').includes('..')) return 'climbs out of the project ("..")';
  try {
    normalizeProjectPath(name.replace(/\/+$/, ''));
    return null;
  } catch (error) {
    return (error as Error).message.replace(/^File path "(?:[^"\\]|\\.)*" /, '');
  }
}

/** Compressed bytes are fed to the inflater this much at a time, so a lying entry overshoots its cap by at most ~1,000 times this. */
const INFLATE_STEP = 16 * 1024;

/**
 * An entry's bytes, inflated and checked: never more than its declared size (more is a lying header,
 * a ZIP_BOMB), exactly that size, and matching its CRC-32.
 */
export function extractZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (no local header for ${entry.name})`, entry.name);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength) throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (${entry.name} runs past its end)`, entry.name);
  const data = bytes.subarray(start, end);
  let output: Uint8Array;
  if (entry.method === 0) {
    output = data;
  } else if (entry.method === 8) {
    output = new Uint8Array(entry.size);
    let written = 0;
    const inflate = new Inflate((chunk) => {
      if (written + chunk.length > entry.size) {
        throw new ArchiveRefusedError('ZIP_BOMB', `${entry.name} inflates past the ${entry.size} bytes its header declares (a zip bomb)`, entry.name);
      }
      output.set(chunk, written);
      written += chunk.length;
    });
    try {
      for (let offset = 0; offset < data.length; offset += INFLATE_STEP) inflate.push(data.subarray(offset, offset + INFLATE_STEP), offset + INFLATE_STEP >= data.length);
      if (data.length === 0) inflate.push(new Uint8Array(0), true);
    } catch (error) {
      if (error instanceof ArchiveRefusedError) throw error;
      throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (${entry.name} does not inflate: ${(error as Error).message})`, entry.name);
    }
    if (written !== entry.size) throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (${entry.name} inflates to ${written} bytes, not ${entry.size})`, entry.name);
  } else {
    throw new ArchiveRefusedError('UNSUPPORTED', `${entry.name} uses compression method ${entry.method}; only stored and deflated entries are supported`, entry.name);
  }
  if (output.length !== entry.size) throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (${entry.name} holds ${output.length} bytes, not ${entry.size})`, entry.name);
  if (crc32(output) !== entry.crc32) throw new ArchiveRefusedError('CORRUPT', `The archive is damaged (${entry.name} fails its CRC-32 check)`, entry.name);
  return output;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) crc = CRC_TABLE[(crc ^ bytes[index]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A file as imported: text as is, anything that is not UTF-8 text (or holds a NUL) as base64 with `binary`. */
export interface ImportedFileContent {
  content: string;
  binary: boolean;
  /** In bytes. */
  size: number;
  /** SHA-256 of the bytes, hex (for text, the same as sha256(content)). */
  sha: string;
}

/** Text or binary, by the bytes: valid UTF-8 without NUL is text (kept byte for byte, BOM included). */
export function fileContentOf(bytes: Uint8Array): ImportedFileContent {
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (!bytes.includes(0)) {
    try {
      return { content: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), binary: false, size: bytes.length, sha };
    } catch {
      // not UTF-8: binary
    }
  }
  return { content: Buffer.from(bytes).toString('base64'), binary: true, size: bytes.length, sha };
}
