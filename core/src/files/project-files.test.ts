import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { normalizeProjectPath } from './project-files.js';

/**
 * A project path becomes a ZIP entry name, a GitHub tree path and a sandbox file: it must mean the same
 * relative place to every one of them, Windows extractors included.
 */
describe('project paths', () => {
  it('keeps ordinary relative paths', () => {
    for (const path of ['index.html', 'src/main.js', 'a b/c-d_e.f', 'deep/er/path.txt']) expect(normalizeProjectPath(path)).toBe(path);
    expect(normalizeProjectPath('./src/app.js')).toBe('src/app.js');
  });

  it('refuses drive letters and alternate data streams (colons), as a Windows extractor would misplace them', () => {
    for (const path of ['C:/Windows/system.ini', 'c:evil.txt', 'a:b', 'src/file.js:stream', 'x/C:/y']) {
      expect(() => normalizeProjectPath(path), path).toThrow(ValidationError);
      expect(() => normalizeProjectPath(path), path).toThrow(/colon/);
    }
  });

  it('refuses paths that leave the project', () => {
    for (const path of ['../etc/passwd', '/abs.js', 'a/../../b', 'a\\b', '', 'ok/./x', 'nul\u0000byte']) {
      expect(() => normalizeProjectPath(path), JSON.stringify(path)).toThrow(ValidationError);
    }
  });
});
