/**
 * The live region at the bottom of a terminal, on cli-progress' MultiBar:
 * one line per running activity, redrawn on the library's own timer (so
 * spinners turn and elapsed times count while nothing reports), and
 * permanent lines printed above it.
 */
import cliProgress from 'cli-progress';

/** Signals after which the terminal is given back before the process ends. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** How often the live lines are drawn again. */
const REDRAW_MS = 100;

export class TerminalView {
  readonly #multibar: cliProgress.MultiBar;
  /** One bar per line slot; slots only grow (an unused one draws empty), since removing bars mid-run moves the cursor. */
  readonly #slots: cliProgress.SingleBar[] = [];
  readonly #lines: () => string[];
  #drawn: string[] = [];
  #stopped = false;

  /** @param lines the live lines at the moment of drawing; their number may change from one draw to the next. */
  constructor(stream: NodeJS.WritableStream, lines: () => string[]) {
    this.#lines = lines;
    this.#multibar = new cliProgress.MultiBar({
      stream: stream as NodeJS.WriteStream,
      hideCursor: true,
      clearOnComplete: true,
      // The lines change every draw anyway (spinner, elapsed time).
      forceRedraw: true,
      fps: 1000 / REDRAW_MS,
      // Live lines are cut to the terminal's width (a wrapped one would break the redraw); printed lines wrap.
      linewrap: true,
      gracefulExit: false,
      format: (_options, _params, payload: { slot: number }) => this.#drawn[payload.slot] ?? '',
    });
    this.#multibar.on('redraw-pre', () => this.#sync());
    for (const signal of SIGNALS) process.prependOnceListener(signal, this.#onSignal);
  }

  /**
   * Ctrl-C must not leave the user's terminal without a cursor. Runs before
   * the other handlers (the appliance's, batch's), which end the process; with
   * none, the signal is raised again so it does what it does by default.
   */
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  /** Takes the lines for this draw and makes sure there is a bar for each. */
  #sync(): void {
    this.#drawn = this.#stopped ? [] : this.#lines();
    while (this.#slots.length < this.#drawn.length) this.#slots.push(this.#multibar.create(1, 0, { slot: this.#slots.length }));
  }

  /** Prints a permanent line above the live lines (shown with the next draw, which {@link refresh} makes immediate). */
  print(line: string): void {
    if (this.#stopped) return;
    this.#multibar.log(line.endsWith('\n') ? line : `${line}\n`);
  }

  /** Draws now rather than on the next tick (a new step shows at once). */
  refresh(): void {
    if (this.#stopped) return;
    // The first bar is made here, outside a draw: made inside one, cli-progress would start a second timer.
    this.#sync();
    this.#multibar.update();
  }

  /** Prints what is still to print, removes the live lines and gives the terminal back (cursor shown). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const signal of SIGNALS) process.off(signal, this.#onSignal);
    this.#multibar.update();
    this.#multibar.stop();
  }
}
