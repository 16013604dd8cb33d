import { createRunControl } from '../../src/queue/shared';

describe('createRunControl', () => {
  it('gives an already-aborted signal to a processor that reads it after the abort', () => {
    const control = createRunControl();
    const why = new Error('cancelled by alice');
    control.abort(why);
    expect(control.signal.aborted).toBe(true);
    expect(control.signal.reason).toBe(why);
    expect(control.reason).toBe(why);
  });

  it('aborts a signal read before the abort, and keeps the first reason', () => {
    const control = createRunControl();
    const signal = control.signal;
    expect(signal.aborted).toBe(false);
    control.abort(new Error('first'));
    control.abort(new Error('second'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('first');
    expect(control.signal).toBe(signal);
  });

  it('ends a race on abort even when the work never settles', async () => {
    const control = createRunControl();
    const raced = control.race(new Promise<never>(() => undefined));
    control.abort(new Error('stop'));
    await expect(raced).rejects.toThrow('stop');
  });

  it('settles a race with the work when nothing aborts, and rejects at once when already aborted', async () => {
    const control = createRunControl();
    await expect(control.race(Promise.resolve(42))).resolves.toBe(42);
    control.abort(new Error('late'));
    await expect(control.race(Promise.resolve(1))).rejects.toThrow('late');
  });
});
