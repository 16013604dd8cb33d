import { buttons, context, fields, header, image, progress, reply, series, table, text } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { sparkline } from '../../src/reply/sparkline';

describe('console rendering of a Reply', () => {
  it('renders every block kind as plain text, buttons as the commands they run', () => {
    const out = renderText(
      reply(
        'warning',
        header('2 of 3 unhealthy'),
        text('body'),
        fields([
          { label: 'p99', value: '912 ms' },
          { label: 'error rate', value: '4.1%' },
        ]),
        table(
          ['service', 'health'],
          [
            ['checkout-api', 'UNHEALTHY'],
            ['db', 'ok'],
          ],
        ),
        series('p99', [1, 2, 3, 4, 5, 6, 7, 8]),
        progress(42, 'checked payments'),
        buttons([{ label: 'Cancel', command: 'cancel 7', style: 'danger' }]),
        image({
          title: 'p99',
          alt: 'p99 latency, last 24h, 3 anomalies',
          path: 'data/charts/p99.png',
          png: Buffer.from('png'),
        }),
        context('as of now'),
      ),
    );
    expect(out.split('\n')).toEqual([
      '! 2 of 3 unhealthy',
      'body',
      '  p99         912 ms',
      '  error rate  4.1%',
      'service       health',
      '------------  ---------',
      'checkout-api  UNHEALTHY',
      'db            ok',
      '  p99  ▁▂▃▄▅▆▇█',
      '  [########............] 42% checked payments',
      '  [Cancel: cancel 7]',
      '  [chart: p99 latency, last 24h, 3 anomalies — saved to data/charts/p99.png]',
      'as of now',
    ]);
  });

  it('renders a chart that was not saved by its description alone', () => {
    expect(renderText(reply('info', image({ title: 'p99', alt: 'p99 latency' })))).toBe('  [chart: p99 latency]');
  });

  it('adds ANSI styles only when asked', () => {
    expect(renderText(reply('info', header('h')), { color: true })).toBe('\x1b[1mh\x1b[22m');
    expect(renderText(reply('info', header('h')))).toBe('h');
  });
});

describe('sparkline', () => {
  it('scales to the range, downsamples to the width, and shows gaps', () => {
    expect(sparkline([0, 10])).toBe('▁█');
    expect(sparkline([5, 5, 5])).toBe('▄▄▄');
    expect(sparkline([1, NaN, 3])).toBe('▁ █');
    expect(
      sparkline(
        Array.from({ length: 400 }, (_, i) => i),
        40,
      ),
    ).toHaveLength(40);
    expect(sparkline([])).toBe('');
  });
});
