/**
 * Fast registration's code bundle: the project's files (what git would commit: tracked and
 * untracked files minus everything .gitignore excludes; outside git, every file but node_modules
 * and .git) in a gzipped ustar archive with fixed modes and times, so the same code always gives
 * the same bytes and the same digest, which versions what is registered.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { RemoteError } from './errors.ts';

export interface CodeBundle {
  readonly bytes: Uint8Array;
  /** sha256 of the archive's content (hex), the same for the same files. */
  readonly digest: string;
  readonly files: readonly string[];
}

const BLOCK = 512;
const SKIP = new Set(['node_modules', '.git']);

/** Packs `files` (paths relative to root), or without them every source file under root. */
export function packSources(root: string, files: readonly string[] = listSources(root)): CodeBundle {
  files = [...new Set(files)].sort();
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  for (const file of files) {
    const content = readFileSync(join(root, file));
    hash.update(file).update('\0').update(content).update('\0');
    chunks.push(header(file, content.length), content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return { bytes: gzipSync(Buffer.concat(chunks), { level: 9 }), digest: hash.digest('hex'), files };
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * pyflyte's `--copy auto`: only the modules a run loads — the entry file and, transitively, what it
 * imports by relative path — as paths relative to root. Packages come from the image.
 */
export function moduleClosure(entry: string, root: string): string[] {
  const base = resolve(root);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1]!);
      const found = [target, `${target}.ts`, `${target}.js`, join(target, 'index.ts')].find(isFile);
      if (found?.startsWith(base + sep) && !found.split(sep).includes('node_modules')) visit(found);
    }
  };
  visit(resolve(entry));
  return [...seen].map((f) => relative(base, f).split(sep).join('/'));
}

function listSources(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Paths are relative to root (git prints them relative to the working directory); deleted files are skipped.
    return out
      .toString('utf8')
      .split('\0')
      .filter((f) => f !== '' && isFile(join(root, f)))
      .map((f) => f.split(sep).join('/'));
  } catch {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (SKIP.has(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
      }
    };
    walk(root);
    return found;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  let path = name;
  let prefix = '';
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(path.slice(cut + 1)) > 100)
      throw new RemoteError('REMOTE_REQUEST', `fast registration: path too long to archive: ${name}`);
    prefix = path.slice(0, cut);
    path = path.slice(cut + 1);
  }
  block.write(path, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** Unpacks a bundle into `dest`, refusing any entry that would land outside it. */
export function unpackSources(bytes: Uint8Array, dest: string): string[] {
  const tar = gunzipSync(bytes);
  const root = resolve(dest);
  const written: string[] = [];
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      block
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    offset += BLOCK;
    if (type === '0') {
      const target = resolve(root, name);
      if (target !== root && !target.startsWith(root + sep))
        throw new RemoteError('REMOTE_REQUEST', `code bundle entry '${name}' escapes the destination directory`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(offset, offset + size));
      written.push(name);
    }
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return written;
}
