/**
 * A suite that needs a real outside part (Redis, Prometheus). It runs when the part is there;
 * when it is not, it fails with one test saying how to get it: a missing part is never a pass.
 */
export function describeNeeding(name: string, missing: string | undefined, fn: () => void): void {
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    it('needs its dependency', () => {
      throw new Error(missing);
    });
  });
}
