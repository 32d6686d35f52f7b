import cliProgress from 'cli-progress';
import type { BatchLogs, Callback, EpochLogs } from '@tapegrad/nn';

/**
 * A progress bar per epoch (loss, accuracy, images/s, ETA) on a terminal; one line per epoch
 * when output is not a terminal (CI logs).
 */
export class EpochProgress implements Callback {
  private bar: cliProgress.SingleBar | null = null;
  private t0 = 0;
  private seen = 0;
  private lossSum = 0;
  private hits = 0;

  constructor(
    private readonly label: string,
    private readonly epochs: number,
    private readonly bars = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  onEpochBegin(epoch: number): void {
    this.t0 = performance.now();
    this.seen = 0;
    this.lossSum = 0;
    this.hits = 0;
    if (this.bars && this.stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${this.label} epoch ${epoch + 1}/${this.epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`,
          stream: this.stream,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  onBatchEnd(logs: BatchLogs): void {
    this.seen += logs.size;
    this.lossSum += logs.loss * logs.size;
    this.hits += logs.accuracy * logs.size;
    if (!this.bar) return;
    const payload = { loss: (this.lossSum / this.seen).toFixed(4), acc: (this.hits / this.seen).toFixed(4), ips: Math.round(this.seen / ((performance.now() - this.t0) / 1000)) };
    if (logs.batch === 0 && this.bar.getTotal() !== logs.batches) this.bar.start(logs.batches, 0, payload);
    this.bar.update(logs.batch + 1, payload);
  }

  onEpochEnd(logs: EpochLogs & { testAccuracy?: number }): void {
    this.bar?.stop();
    this.bar = null;
    const test = logs.testAccuracy !== undefined ? ` | test acc ${logs.testAccuracy.toFixed(4)}` : '';
    const val = logs.valAccuracy !== undefined ? ` | val acc ${logs.valAccuracy.toFixed(4)}` : '';
    this.stream.write(
      `${this.label} epoch ${logs.epoch}/${this.epochs} | loss ${logs.trainLoss.toFixed(4)} | acc ${logs.trainAccuracy.toFixed(4)}${val}${test} | ${Math.round(logs.imagesPerSecond)} img/s | ${logs.seconds.toFixed(1)} s\n`,
    );
  }
}
