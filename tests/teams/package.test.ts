import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/config';
import { httpApp } from '../http/http-app';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** The Teams app package in teams/: the manifest Teams validates on upload, and its two icons. */

const DIR = join(__dirname, '../../teams');
const raw = readFileSync(join(DIR, 'manifest.json'), 'utf8');
const manifest = JSON.parse(raw);
const readme = readFileSync(join(DIR, 'README.md'), 'utf8');

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Decoded RGBA rows (8-bit RGBA, non-interlaced images only). */
  pixels?: Buffer[];
}

/** Width and height from the IHDR chunk (and the pixels, for 8-bit RGBA). */
function readPng(file: string): Png {
  const data = readFileSync(file);
  expect(data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(data.toString('ascii', 12, 16)).toBe('IHDR');
  const png: Png = {
    width: data.readUInt32BE(16),
    height: data.readUInt32BE(20),
    bitDepth: data[24],
    colorType: data[25],
  };
  if (png.bitDepth !== 8 || png.colorType !== 6 || data[28] !== 0) return png;
  const idat: Buffer[] = [];
  for (let at = 8; at < data.length;) {
    const length = data.readUInt32BE(at);
    if (data.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(data.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const inflated = inflateSync(Buffer.concat(idat));
  const stride = png.width * 4;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < png.height; y++) {
    const filter = inflated[y * (stride + 1)];
    const row = Buffer.from(inflated.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? row[x - 4] : 0;
      const b = prev[x];
      const c = x >= 4 ? prev[x - 4] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const add = [0, a, b, (a + b) >> 1, paeth][filter];
      row[x] = (row[x] + add) & 0xff;
    }
    rows.push(row);
    prev = row;
  }
  return { ...png, pixels: rows };
}

describe('Teams app package (teams/)', () => {
  it('is a v1.19 manifest with every field Teams requires', () => {
    expect(manifest.$schema).toBe(
      'https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json',
    );
    expect(manifest.manifestVersion).toBe('1.19');
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const key of ['id', 'developer', 'name', 'description', 'icons', 'accentColor'])
      expect(manifest).toHaveProperty(key);
    expect(manifest.developer.name).toBe('SmartCloudOps');
    for (const key of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl'])
      expect(manifest.developer[key]).toMatch(/^https:\/\//);
    expect(manifest.name.short).toBe('SmartCloudOps');
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.name.full.length).toBeLessThanOrEqual(100);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    expect(manifest.accentColor).toMatch(/^#[0-9A-Fa-f]{6}$/);
  });

  it('declares one bot, in personal, team and group chats, whose id is the TEAMS_APP_ID placeholder', () => {
    expect(manifest.id).toBe('{{TEAMS_APP_ID}}');
    expect(manifest.bots).toHaveLength(1);
    const [bot] = manifest.bots;
    expect(bot.botId).toBe('{{TEAMS_APP_ID}}');
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot.isNotificationOnly).toBe(false);
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeGreaterThan(0);
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(c.title.length).toBeLessThanOrEqual(32);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
    expect(manifest.validDomains.length).toBeGreaterThan(0);
    for (const d of manifest.validDomains) expect(d).not.toMatch(/^https?:|\//);
  });

  it('documents every placeholder, and is a valid manifest once they are filled in', () => {
    const placeholders = [...new Set(raw.match(/\{\{[A-Z_]+\}\}/g))].sort();
    expect(placeholders).toEqual(['{{BOT_DOMAIN}}', '{{TEAMS_APP_ID}}']);
    for (const p of placeholders) expect(readme).toContain(p);
    const filled = JSON.parse(
      raw
        .replaceAll('{{TEAMS_APP_ID}}', '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f')
        .replaceAll('{{BOT_DOMAIN}}', 'ops.example.com'),
    );
    expect(filled.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const key of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl'])
      expect(new URL(filled.developer[key]).protocol).toBe('https:');
    expect(filled.validDomains).toEqual(['ops.example.com']);
  });

  it('tells how to zip and sideload the package', () => {
    expect(readme).toMatch(/zip .*manifest\.json color\.png outline\.png/);
    expect(readme).toMatch(/Upload a custom app/);
  });

  it('ships a 192x192 colour icon and a 32x32 outline icon, white on transparent', () => {
    expect(existsSync(join(DIR, manifest.icons.color))).toBe(true);
    expect(existsSync(join(DIR, manifest.icons.outline))).toBe(true);
    const color = readPng(join(DIR, manifest.icons.color));
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = readPng(join(DIR, manifest.icons.outline));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colorType).toBe(6); // RGBA: it has an alpha channel
    const seen = { transparent: 0, white: 0, other: 0 };
    for (const row of outline.pixels ?? []) {
      for (let x = 0; x < row.length; x += 4) {
        if (row[x + 3] === 0) seen.transparent++;
        else if (row[x] === 255 && row[x + 1] === 255 && row[x + 2] === 255) seen.white++;
        else seen.other++;
      }
    }
    expect(seen.other).toBe(0);
    expect(seen.white).toBeGreaterThan(100);
    expect(seen.transparent).toBeGreaterThan(100);
  });
});

describe("issue 13.18: the Teams package's links and its README's variables", () => {
  it(
    'serves every URL of the manifest (website, privacy, ' + 'terms) from the side-app: 200, a page from teams/pages/',
    async () => {
      const h = await httpApp();
      try {
        const filled = JSON.parse(raw.replaceAll('{{BOT_DOMAIN}}', 'ops.example.com')) as {
          developer: Record<string, string>;
        };
        const urls = ['websiteUrl', 'privacyUrl', 'termsOfUseUrl'].map((key) => new URL(filled.developer[key]));
        expect(new Set(urls.map((u) => u.pathname)).size).toBe(3);
        for (const url of urls) {
          expect(url.host).toBe('ops.example.com');
          const res = await h.http.inject({ method: 'GET', url: url.pathname });
          expect([url.pathname, res.statusCode]).toEqual([url.pathname, 200]);
          expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
          expect(res.body).toBe(readFileSync(join(DIR, 'pages', `${url.pathname.slice(1)}.md`), 'utf8'));
        }
      } finally {
        await h.close();
      }
    },
  );

  it('says which variables go together, and each pairing it names is what the configuration accepts', () => {
    for (const v of [
      'TEAMS_APP_ID',
      'TEAMS_APP_PASSWORD',
      'TEAMS_TENANT_ID',
      'TEAMS_AUTH=off',
      'INCIDENT_CHANNEL=teams:',
    ])
      expect(readme).toContain(v);
    expect(
      loadConfig({
        TEAMS_APP_ID: 'app',
        TEAMS_APP_PASSWORD: 'secret',
        TEAMS_TENANT_ID: 'tenant',
        INCIDENT_CHANNEL: 'teams:19:abc@thread.tacv2',
      }).ok,
    ).toBe(true);
    expect(loadConfig({ TEAMS_AUTH: 'off', INCIDENT_CHANNEL: 'teams:19:abc@thread.tacv2' }).ok).toBe(true);
    expect(loadConfig({ TEAMS_APP_ID: 'app' }).ok).toBe(false);
    expect(loadConfig({ TEAMS_AUTH: 'off', TEAMS_APP_PASSWORD: 'secret' }).ok).toBe(false);
  });
});
