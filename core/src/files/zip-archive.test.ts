import { describe, expect, it } from 'vitest';
import { zipSync, type Zippable } from 'fflate';
import { planImport } from './import-plan.js';
import { ArchiveRefusedError, extractZipEntry, fileContentOf, readZipDirectory, unsafePathReason } from './zip-archive.js';

const LIMITS = { maxUncompressedBytes: 1_000_000, maxCompressionRatio: 100, maxEntries: 50 };
const FILE_LIMITS = { fileMaxBytes: 1000, projectMaxFiles: 5 };
const text = (value: string) => new TextEncoder().encode(value);

function refusal(run: () => unknown): ArchiveRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof ArchiveRefusedError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('readZipDirectory and extractZipEntry', () => {
  it('reads stored and deflated entries, directories, an archive comment, and checks each CRC-32', () => {
    const archive = zipSync({ 'a.txt': [text('hello'), { level: 0 }], 'dir/': new Uint8Array(0), 'dir/b.txt': text('b'.repeat(500)) } as Zippable, { comment: 'made by a test' });
    const entries = readZipDirectory(archive, LIMITS);
    expect(entries.map((entry) => [entry.name, entry.directory])).toEqual([
      ['a.txt', false],
      ['dir/', true],
      ['dir/b.txt', false],
    ]);
    expect([entries[0].method, entries[2].method]).toEqual([0, 8]);
    expect(new TextDecoder().decode(extractZipEntry(archive, entries[2]))).toBe('b'.repeat(500));

    // One flipped byte in a stored entry's data: the CRC catches it.
    const damaged = archive.slice();
    damaged[30 + 'a.txt'.length] ^= 0xff;
    expect(refusal(() => extractZipEntry(damaged, entries[0])).reason).toBe('CORRUPT');
  });

  it('refuses what is not a ZIP, is empty, lists too many entries or declares too much', () => {
    expect(refusal(() => readZipDirectory(text('PK but not really'), LIMITS)).reason).toBe('NOT_A_ZIP');
    expect(refusal(() => readZipDirectory(zipSync({}), LIMITS)).reason).toBe('EMPTY');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`f${index}`, text('x')]));
    expect(refusal(() => readZipDirectory(zipSync(many), LIMITS)).reason).toBe('TOO_MANY_ENTRIES');
    const big = refusal(() => readZipDirectory(zipSync({ a: new Uint8Array(1_000_001).fill(65) }), { ...LIMITS, maxCompressionRatio: 1e9 }));
    expect([big.reason, big.message]).toEqual(['ZIP_BOMB', 'The archive unpacks to 1000001 bytes; at most 1000000 are accepted']);
    expect(refusal(() => readZipDirectory(zipSync({ a: new Uint8Array(200_000) }), LIMITS)).message).toMatch(/compressed \d+ to 1; at most 100 to 1/);
  });

  it('tells encrypted entries and symbolic links by their headers', () => {
    const archive = zipSync({ link: [text('target'), { os: 3, attrs: (0o120777 << 16) >>> 0 }], 'file.txt': text('x') } as Zippable);
    const withFlag = archive.slice();
    const view = new DataView(withFlag.buffer);
    for (let offset = 0; offset < withFlag.length - 4; offset++) if (view.getUint32(offset, true) === 0x02014b50) view.setUint16(offset + 8, view.getUint16(offset + 8, true) | 1, true);
    const entries = readZipDirectory(withFlag, LIMITS);
    expect(entries.map((entry) => [entry.name, entry.symlink, entry.encrypted])).toEqual([
      ['link', true, true],
      ['file.txt', false, true],
    ]);
  });

  it('names why a path would escape the project', () => {
    expect(unsafePathReason('/etc/passwd')).toBe('is absolute');
    expect(unsafePathReason('C:/x')).toBe('starts with a drive letter');
    expect(unsafePathReason('a/../../x')).toBe('climbs out of the project ("..")');
    expect(unsafePathReason('ab:c')).toContain('colon');
    expect(unsafePathReason('src/ok.js')).toBeNull();
    expect(unsafePathReason('src/')).toBeNull();
  });

  it('keeps text byte for byte (a BOM too) and anything else as base64', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]);
    expect(fileContentOf(bom)).toMatchObject({ content: '\ufeffhi', binary: false, size: 5 });
    expect(fileContentOf(new Uint8Array([0xc3, 0x28]))).toMatchObject({ content: 'wyg=', binary: true, size: 2 });
    expect(fileContentOf(text('a\u0000b')).binary).toBe(true);
    expect(fileContentOf(text('same')).sha).toBe(fileContentOf(text('same')).sha);
  });
});

describe('planImport', () => {
  const entriesOf = (files: Zippable) => readZipDirectory(zipSync(files), LIMITS);

  it('skips in `skip` mode what `refuse` mode refuses, and imports a path listed twice once (the last)', () => {
    const archive = entriesOf({ 'top/ab:c.txt': text('x'), 'top/link': [text('t'), { os: 3, attrs: (0o120777 << 16) >>> 0 }], 'top/ok.txt': text('1') } as Zippable);
    const plan = planImport(archive, { untrusted: 'skip', stripTopFolder: 'always', limits: FILE_LIMITS });
    expect(plan.files.map((file) => file.path)).toEqual(['ok.txt']);
    expect(plan.skipped.map((item) => [item.path, item.reason])).toEqual([
      ['ab:c.txt', expect.stringContaining('colon')],
      ['link', 'a symbolic link'],
    ]);
    expect(refusal(() => planImport(archive, { untrusted: 'refuse', limits: FILE_LIMITS })).reason).toBe('UNSAFE_PATH');

    const twice = [...entriesOf({ 'x.txt': text('first') }), ...entriesOf({ 'x.txt': text('second') })];
    expect(planImport(twice, { untrusted: 'refuse', limits: FILE_LIMITS }).files).toHaveLength(1);
  });

  it('drops the one top folder of a ZIP of a folder (macOS litter aside), and keeps two top folders as they are', () => {
    const folder = planImport(entriesOf({ 'my-app/': new Uint8Array(0), 'my-app/index.html': text('1'), 'my-app/src/a.js': text('1'), '__MACOSX/my-app/._index.html': text('1') }), {
      untrusted: 'refuse',
      stripTopFolder: 'when-single',
      limits: FILE_LIMITS,
    });
    expect([folder.files.map((file) => file.path), folder.strippedFolder, folder.skipped.map((item) => item.path)]).toEqual([['index.html', 'src/a.js'], 'my-app/', ['__MACOSX/']]);
    const two = planImport(entriesOf({ 'a/x.txt': text('1'), 'b/y.txt': text('1') }), { untrusted: 'refuse', stripTopFolder: 'when-single', limits: FILE_LIMITS });
    expect([two.files.map((file) => file.path), two.strippedFolder]).toEqual([['a/x.txt', 'b/y.txt'], undefined]);
    const rootFile = planImport(entriesOf({ 'a/x.txt': text('1'), 'README.md': text('1') }), { untrusted: 'refuse', stripTopFolder: 'when-single', limits: FILE_LIMITS });
    expect(rootFile.files.map((file) => file.path)).toEqual(['README.md', 'a/x.txt']);
  });

  it('keeps the shallowest files within the count, lists skipped folders once with their count', () => {
    const plan = planImport(
      entriesOf({
        'a/b/c/deep.txt': text('1'),
        'a/b/mid.txt': text('1'),
        'root-1.txt': text('1'),
        'root-2.txt': text('1'),
        'a/one.txt': text('1'),
        'a/two.txt': text('1'),
        'node_modules/x/1.js': text('1'),
        'node_modules/x/2.js': text('1'),
        'pkg/build/out.js': text('1'),
        'huge.txt': new Uint8Array(1001),
      }),
      { untrusted: 'refuse', limits: FILE_LIMITS },
    );
    expect(plan.files.map((file) => file.path)).toEqual(['a/b/mid.txt', 'a/one.txt', 'a/two.txt', 'root-1.txt', 'root-2.txt']);
    expect(plan.skipped.map((item) => [item.path, item.files])).toEqual([
      ['a/b/c/deep.txt', 1],
      ['huge.txt', 1],
      ['node_modules/', 2],
      ['pkg/build/', 1],
    ]);
  });
});
