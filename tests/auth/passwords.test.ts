import { randomBytes, scryptSync } from 'node:crypto';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPasswordHash } from '../../src/auth/passwords';

describe('password hashing', () => {
  it('stores scrypt parameters, salt and hash in one string, salted differently each time', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{86}==$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    await expect(verifyPasswordHash('correct horse battery staple', a)).resolves.toBe(true);
    await expect(verifyPasswordHash('correct horse battery stapl', a)).resolves.toBe(false);
    await expect(verifyPasswordHash('Correct horse battery staple', a)).resolves.toBe(false);
  });

  it('reads the parameters from the string, so hashes made with other settings still verify', async () => {
    const salt = randomBytes(16);
    const hash = scryptSync('an older password!', salt, 32, { N: 1024, r: 8, p: 2 });
    const stored = `scrypt$1024$8$2$${salt.toString('base64')}$${hash.toString('base64')}`;
    await expect(verifyPasswordHash('an older password!', stored)).resolves.toBe(true);
    await expect(verifyPasswordHash('another password', stored)).resolves.toBe(false);
  });

  it('refuses unreadable or abusive hash strings instead of throwing or burning memory', async () => {
    const good = await hashPassword('correct horse battery staple');
    const [, , , , salt, hash] = good.split('$');
    for (const stored of [
      '',
      'plain',
      'bcrypt$2b$10$abc',
      `scrypt$1000$8$1$${salt}$${hash}`,
      `scrypt$${2 ** 24}$8$1$${salt}$${hash}`,
      `scrypt$32768$999$1$${salt}$${hash}`,
      `scrypt$32768$8$1$$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
    ]) {
      await expect(verifyPasswordHash('correct horse battery staple', stored)).resolves.toBe(false);
    }
    const flipped = Buffer.from(hash, 'base64');
    flipped[0] ^= 1;
    await expect(
      verifyPasswordHash('correct horse battery staple', `scrypt$32768$8$1$${salt}$${flipped.toString('base64')}`),
    ).resolves.toBe(false);
  });

  it('has a dummy hash with the real parameters, matching nothing', async () => {
    const real = await hashPassword('whatever it may be');
    expect(DUMMY_HASH.split('$').slice(0, 4)).toEqual(real.split('$').slice(0, 4));
    expect(DUMMY_HASH.length).toBe(real.length);
    await expect(verifyPasswordHash('', DUMMY_HASH)).resolves.toBe(false);
    await expect(verifyPasswordHash('whatever it may be', DUMMY_HASH)).resolves.toBe(false);
  });
});

describe('password policy', () => {
  const email = 'Ann.Lee@Example.com';

  it('accepts 12 to 256 characters', () => {
    expect(passwordProblem('twelve chars', email)).toBeUndefined();
    expect(passwordProblem('x1'.repeat(128), email)).toBeUndefined();
    expect(passwordProblem('eleven char', email)).toMatch(/at least 12/);
    expect(passwordProblem('x1'.repeat(128) + 'y', email)).toMatch(/at most 256/);
    expect(passwordProblem('', email)).toMatch(/at least 12/);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('😀😀😀😀😀😀x', email)).toMatch(/at least 12/); // 7 characters, 13 code units
    expect(passwordProblem('pässwörd-straße', email)).toBeUndefined();
  });

  it('refuses one repeated character', () => {
    expect(passwordProblem('aaaaaaaaaaaaaaaa', email)).toMatch(/repeated/);
    expect(passwordProblem('aaaaaaaaaaaaaaab', email)).toBeUndefined();
  });

  it('refuses the email or its local part, in any case', () => {
    expect(passwordProblem('my ANN.LEE@EXAMPLE.COM pw', email)).toMatch(/email/);
    expect(passwordProblem('xx-ann.lee-xx!!', email)).toMatch(/email/);
    expect(passwordProblem('xx-Ann.Lee-xx!!', 'ann.lee@example.com')).toMatch(/email/);
  });

  it('ignores a local part shorter than 3 characters', () => {
    expect(passwordProblem('al paca llama cat', 'al@example.com')).toBeUndefined();
    expect(passwordProblem('alp paca llama', 'alp@example.com')).toMatch(/email/);
  });

  it('never repeats the password in its answer', () => {
    for (const pw of ['qz7-pw', 'aaaaaaaaaaaaaaaaaaaa', 'hello ann.lee there']) {
      expect(passwordProblem(pw, email)).not.toContain(pw);
    }
  });
});
