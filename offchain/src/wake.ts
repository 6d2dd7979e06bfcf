/** A level-triggered wake-up: `wait(ms)` resolves on the next `notify()` or after `ms`, whichever is first. */
export class Wake {
  private pending = false;
  private resolver: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    const r = this.resolver;
    this.resolver = null;
    r?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.resolver = null;
        resolve();
      }, ms);
      this.resolver = () => {
        clearTimeout(t);
        this.pending = false;
        resolve();
      };
    });
  }
}
