import { cleanText, normalize, stripHash, stripSlash } from '../../src/intent/normalize';
import { correct } from '../../src/intent/rules/fuzzy';

describe('normalize', () => {
  it.each([
    ['<@U024BE7LH> restart payments', 'restart payments'],
    ['<@U024BE7LH|opsbot> status', 'status'],
    ['<at>OpsBot</at> jobs', 'jobs'],
    ['@opsbot help', 'help'],
    ['hey @opsbot, status?', 'hey , status?'],
    ['restart `checkout-api` *now*', 'restart checkout-api now'],
    ['status _inventory_', 'status inventory'],
    ['status of billing_worker', 'status of billing_worker'],
    ['restart frontend 🔄 :fire: 👍🏽', 'restart frontend'],
    ['what’s on fire', "what's on fire"],
    ['see <https://example.com|the dashboard>', 'see the dashboard'],
    ['   lots   of    space  ', 'lots of space'],
  ])('cleanText(%j) = %j', (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it('keeps the case of ids, and lower-cases in normalize', () => {
    expect(cleanText('ack INC-314')).toBe('ack INC-314');
    expect(normalize('/ops ACK INC-314')).toBe('ack inc-314');
  });

  it('reads the slash prefix', () => {
    expect(stripSlash('/ops restart x')).toEqual({ slash: true, rest: 'restart x' });
    expect(stripSlash('/OPS status')).toEqual({ slash: true, rest: 'status' });
    expect(stripSlash('/opsy status')).toEqual({ slash: false, rest: '/opsy status' });
    expect(stripSlash('restart x')).toEqual({ slash: false, rest: 'restart x' });
  });

  it('strips leading # from ids', () => {
    expect(stripHash('#42')).toBe('42');
    expect(stripHash('##r-9')).toBe('r-9');
    expect(stripHash('42')).toBe('42');
  });
});

describe('typo correction', () => {
  it.each([
    ['restrat', 'restart'],
    ['rollbak', 'rollback'],
    ['anomolies', 'anomalies'],
    ['incidnets', 'incidents'],
    ['stauts', 'status'],
    ['statsu', 'status'],
    ['cahce', 'cache'],
    ['investiagte', 'investigate'],
    ['aprove', 'approve'],
  ])('%s -> %s', (typo, word) => {
    expect(correct(typo)).toBe(word);
  });

  it.each(['start', 'stale', 'state', 'rollbar', 'heal', 'hello', 'payments', 'checkout', 'x', 'restart-pods', 'v2'])(
    'leaves %s alone',
    (word) => {
      expect(correct(word)).toBeUndefined();
    },
  );
});
